/* builder run [command options] NAME [CMD...]
 * Makes a bundle under the store (.store/run/NAME, locked while the
 * container runs; exec/runs.h) with the caller's changes (--rm, as root:
 * an overlay of the layer cache; otherwise the image unpacked), runs it
 * with `RUNTIME run --bundle DIR NAME` and exits with the container's
 * status.  Without --rm the bundle stays, listed by `ps -a`, removed by
 * `rm` and `prune`. */
#include "config.h"

#include <errno.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "exec/runtime_path.h"
#include "cli/cli.h"
#include "image/store.h"
#include "exec/build.h"
#include "exec/build_fs.h"
#include "exec/runtime_driver.h"
#include "exec/build_net.h"
#include "exec/runs.h"
#include "image/unpack.h"
#include "distribution/platform.h"
#include "exec/emulation.h"

static int
push (char ***v, size_t *len, char *s, struct oci_error *err)
{
  char **n = realloc (*v, (*len + 2) * sizeof *n);
  if (n == NULL)
    return oci_error_set (err, ENOMEM, "run");
  n[(*len)++] = s;
  n[*len] = NULL;
  *v = n;
  return 0;
}

static bool
valid_id (const char *id)
{
  if (!((*id >= 'a' && *id <= 'z') || (*id >= 'A' && *id <= 'Z') || (*id >= '0' && *id <= '9')))
    return false;
  for (const char *p = id; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '.'
          || *p == '-'))
      return false;
  return strlen (id) <= 128;
}

/* A mount namespace of our own whose mounts do not propagate back: the
 * overlay of `run --rm` dies with builder and the container, even on
 * kill -9.  Host mounts still propagate in (slave). */
static bool
private_mount_namespace (void)
{
  return unshare (CLONE_NEWNS) == 0 && mount (NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) == 0;
}

enum
{
  OPT_RM = CLI_LONG_ONLY,
  OPT_NAME,
  OPT_RUNTIME,
  OPT_ENTRYPOINT,
  OPT_NETWORK,
  OPT_HOSTNAME,
  OPT_READ_ONLY,
  OPT_TMPFS,
  /* multi-platform */
  OPT_PLATFORM,
};

static const struct cli_option run_options[] = {
  { "rm", OPT_RM, CLI_NO_VALUE, NULL, "remove the container and its bundle when it exits" },
  { "tty", 't', CLI_NO_VALUE, NULL, "give the process a pseudo-terminal" },
  { "interactive", 'i', CLI_NO_VALUE, NULL, "keep stdin open to the process (default: /dev/null)" },
  { "env", 'e', CLI_VALUE, "KEY=VALUE", "add or replace an environment variable (repeatable)" },
  { "volume", 'v', CLI_VALUE, "SRC:DST[:ro]", "bind mount the host's SRC on DST (repeatable)" },
  { "tmpfs", OPT_TMPFS, CLI_VALUE, "PATH[:OPTS]",
    "mount a tmpfs on PATH (noexec,nosuid,nodev unless OPTS say) (repeatable)" },
  { "entrypoint", OPT_ENTRYPOINT, CLI_VALUE, "CMD",
    "replace the image's Entrypoint (and drop its Cmd); '' clears it" },
  { "user", 'u', CLI_VALUE, "USER[:GROUP]", "run as this user (name or uid, looked up in the image's /etc/passwd)" },
  { "workdir", 'w', CLI_VALUE, "DIR", "the process's working directory (absolute)" },
  { "network", OPT_NETWORK, CLI_VALUE, "MODE",
    "private (default: a namespace of its own with outbound access through NAT), none (only lo) or host" },
  { "hostname", OPT_HOSTNAME, CLI_VALUE, "NAME", "the container's hostname (default: its short id)" },
  { "read-only", OPT_READ_ONLY, CLI_NO_VALUE, NULL, "mount the root filesystem read-only" },
  { "name", OPT_NAME, CLI_VALUE, "ID", "the container's name (default: builder-SHORTID)" },
  { "runtime", OPT_RUNTIME, CLI_VALUE, "PATH", "the OCI runtime (default: the runc-lite beside builder)" },
  /* multi-platform */
  { "platform", OPT_PLATFORM, CLI_VALUE, "OS/ARCH[/VARIANT]",
    "an index's image for this platform (default: the host's); another architecture runs under QEMU" },
  CLI_OPTIONS_END,
};

const struct cli_help bld_help_run = { "run an image in a new container (through runc-lite)",
                                       "[command options] NAME [COMMAND [ARG...]]", run_options };

static const char usage[] = "usage: builder run [command options] NAME [COMMAND [ARG...]]";

struct run_args
{
  struct bld_unpack_overrides ov;
  char **env, **volumes, **tmpfs, *entrypoint[2];
  const char *name, *runtime;
  bool rm, interactive;
  enum bld_network network;
  struct bld_platform platform; /* --platform (ov.platform points here) */
};

/* --network MODE: private (the default; as RUN's, exec/build_net.h), none
 * or host. */
static int
network_mode (const char *mode, struct run_args *a, struct oci_error *err)
{
  if (bld_network_parse (mode, &a->network) < 0)
    return oci_error_set (err, 0, "run: --network %s: want private, none or host", mode);
  a->ov.host_network = a->network == BLD_NETWORK_HOST;
  return 0;
}

static void
run_args_clear (struct run_args *a)
{
  free (a->env);
  free (a->volumes);
  free (a->tmpfs);
  bld_platform_clear (&a->platform);
}

static int
parse_args (struct run_args *a, int argc, char **argv, struct oci_error *err)
{
  cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
  struct bld_unpack_overrides *ov = &a->ov;
  int c;

  if (cli_getopt_start (&p, run_options, CLI_STYLE_GNU, argc, argv, err) < 0)
    return -1;
  while ((c = cli_getopt_next (&p)) != -1)
    switch (c)
      {
      case OPT_RM:
        a->rm = true;
        break;
      case 't':
        ov->terminal = true;
        break;
      case 'i':
        a->interactive = true;
        break;
      case 'e':
        if (push (&a->env, &ov->env_len, optarg, err) < 0)
          return -1;
        break;
      case 'v':
        if (push (&a->volumes, &ov->volumes_len, optarg, err) < 0)
          return -1;
        break;
      case OPT_TMPFS:
        if (push (&a->tmpfs, &ov->tmpfs_len, optarg, err) < 0)
          return -1;
        break;
      case OPT_ENTRYPOINT:
        ov->has_entrypoint = true;
        a->entrypoint[0] = optarg;
        ov->entrypoint_len = *optarg ? 1 : 0;
        break;
      case 'u':
        ov->user = optarg;
        break;
      case 'w':
        if (optarg[0] != '/')
          return oci_error_set (err, 0, "run: --workdir %s: the working directory must be absolute", optarg);
        ov->workdir = optarg;
        break;
      case OPT_NETWORK:
        if (network_mode (optarg, a, err) < 0)
          return -1;
        break;
      case OPT_HOSTNAME:
        ov->hostname = optarg;
        break;
      case OPT_READ_ONLY:
        ov->readonly = true;
        break;
      case OPT_NAME:
        a->name = optarg;
        break;
      case OPT_RUNTIME:
        a->runtime = optarg;
        break;
      case OPT_PLATFORM:
        bld_platform_clear (&a->platform);
        if (bld_platform_parse (optarg, &a->platform, err) < 0)
          return oci_error_prefix (err, "run: --platform");
        ov->platform = &a->platform;
        break;
      default:
        return oci_error_set (err, 0, "run: unknown or incomplete option \"%s\"", argv[optind - 1]);
      }
  if (optind >= argc)
    return oci_error_set (err, 0, "%s", usage);
  ov->env = a->env;
  ov->volumes = a->volumes;
  ov->tmpfs = a->tmpfs;
  ov->entrypoint = a->entrypoint;
  ov->cmd = argv + optind + 1;
  ov->cmd_len = (size_t) (argc - optind - 1);
  return optind;
}

/* The bundle: an overlay of the layer cache for --rm as root (nothing
 * extracted per run; the lease keeps prune off the cache meanwhile), else
 * the image unpacked, self-contained. */
static int
make_bundle (struct bld_store *s, const struct run_args *a, const char *image, const char *bundle, bool *overlay,
             int *lease, struct oci_error *err)
{
  *overlay = false;
  if (a->rm && geteuid () == 0 && private_mount_namespace ())
    {
      if (bld_builds_lock_shared (bld_store_dir (s), lease, err) < 0
          || bld_unpack_overlay (s, image, bundle, &a->ov, overlay, err) < 0)
        return -1;
    }
  if (!*overlay && bld_unpack (s, image, bundle, &a->ov, err) < 0)
    return -1;
  return 0;
}

static void
remove_run (const char *bundle, bool overlay)
{
  struct oci_error e2 = OCI_ERROR_INIT;
  cleanup_free char *rootfs = NULL;
  if (overlay && asprintf (&rootfs, "%s/rootfs", bundle) > 0 && bld_overlay_unmount (rootfs, &e2) < 0)
    {
      fprintf (stderr, "builder: %s\n", oci_error_msg (&e2));
      oci_error_clear (&e2);
    }
  if (bld_remove_tree (bundle, &e2) < 0 && e2.errnum != ENOENT)
    fprintf (stderr, "builder: %s\n", oci_error_msg (&e2));
  oci_error_clear (&e2);
}

/* The container's network (exec/build_net.h, as RUN's): made with its
 * files in BUNDLE/net, then written into config.json. */
static int
run_network (const struct run_args *a, const char *bundle, struct bld_net *net, struct oci_error *err)
{
  cleanup_free char *dir = NULL;
  if (asprintf (&dir, "%s/net", bundle) < 0)
    return oci_error_set (err, ENOMEM, "run");
  if (mkdir (dir, 0700) < 0)
    return oci_error_set (err, errno, "create %s", dir);
  if (bld_net_prepare (net, a->network, dir, a->ov.hostname, err) < 0)
    return oci_error_prefix (err, "run");
  return bld_run_set_network (bundle, net->netns_path, net->resolv_conf, net->hosts, err);
}

static void
net_teardown (struct bld_net *net)
{
  struct oci_error e = OCI_ERROR_INIT;
  if (bld_net_teardown (net, &e) < 0)
    fprintf (stderr, "builder: %s\n", oci_error_msg (&e));
  oci_error_clear (&e);
}

BLD_COMMAND (run)
{
  __attribute__ ((cleanup (run_args_clear))) struct run_args a = { 0 };
  cleanup_store struct bld_store *s = NULL;
  cleanup_free char *runtime = NULL;
  cleanup_free char *rundir = NULL;
  cleanup_free char *bundle = NULL;
  cleanup_free char *name = NULL;
  cleanup_close int lock = -1;
  cleanup_close int lease = -1;
  struct bld_net net = BLD_NET_INIT;
  char id[BLD_RUN_ID_LEN + 1];
  bool overlay = false;
  int status = 0, ret, first;

  if ((first = parse_args (&a, argc, argv, err)) < 0)
    return -1;
  const char *image = argv[first];
  if (bld_run_new_id (id, err) < 0)
    return -1;
  char short_id[BLD_RUN_SHORT_ID_LEN + 1];
  memcpy (short_id, id, BLD_RUN_SHORT_ID_LEN);
  short_id[BLD_RUN_SHORT_ID_LEN] = '\0';
  if (a.name)
    name = strdup (a.name);
  else if (asprintf (&name, "builder-%s", short_id) < 0)
    name = NULL;
  if (name == NULL)
    return oci_error_set (err, ENOMEM, "run");
  if (!valid_id (name))
    return oci_error_set (err, 0, "invalid container name \"%s\"", name);
  char host_name[256] = "";
  /* docker: the short id, or with the host's network the host's name */
  if (a.ov.hostname == NULL && a.network == BLD_NETWORK_HOST && gethostname (host_name, sizeof host_name - 1) == 0)
    a.ov.hostname = host_name;
  if (a.ov.hostname == NULL)
    a.ov.hostname = short_id;
  runtime = a.runtime ? strdup (a.runtime) : bld_default_runtime ();
  if (runtime == NULL)
    return oci_error_set (err, ENOMEM, "run");
  if (bld_cli_open_store (g, true, &s, err) < 0)
    return -1;
  if (a.ov.platform)
    {
      /* the image first (an index without it says so), then its emulator */
      cleanup_image_descriptor struct oci_image_descriptor *d = NULL;
      if (bld_platform_resolve (s, image, a.ov.platform, &d, err) < 0 || bld_emulation_check (a.ov.platform, err) < 0)
        return oci_error_prefix (err, "run");
    }
  {
    cleanup_free char *store = realpath (bld_store_dir (s), NULL);
    if (store == NULL)
      return oci_error_set (err, errno, "store %s", bld_store_dir (s));
    if (bld_store_area_path (store, BLD_STORE_RUN, &rundir, err) < 0)
      return -1;
  }
  if (bld_run_create (rundir, name, &bundle, &lock, err) < 0)
    return -1;
  if (make_bundle (s, &a, image, bundle, &overlay, &lease, err) < 0 || run_network (&a, bundle, &net, err) < 0
      || bld_run_record_start (bundle, name, id, image, runtime, err) < 0)
    {
      net_teardown (&net);
      remove_run (bundle, overlay);
      rmdir (rundir);
      return -1;
    }
  ret = bld_runtime_run_attached (runtime, bundle, name, a.interactive, &status, err);
  net_teardown (&net);
  if (a.rm)
    {
      remove_run (bundle, overlay);
      rmdir (rundir); /* only when no other run uses it */
      return ret < 0 ? -1 : status;
    }
  struct oci_error e2 = OCI_ERROR_INIT;
  if (ret == 0 && bld_run_record_exit (bundle, status, &e2) < 0)
    {
      fprintf (stderr, "builder: %s\n", oci_error_msg (&e2));
      oci_error_clear (&e2);
    }
  fprintf (stderr, "builder: the bundle of %s is kept in %s (builder rm %s removes it)\n", name, bundle, name);
  return ret < 0 ? -1 : status;
}
