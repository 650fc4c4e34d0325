/* builder run [--rm] [-t] [-e K=V]... [-v SRC:DST[:ro]]... [--name ID]
 *             [--runtime PATH] NAME [CMD...]
 * Makes a bundle under the store (.store/run/ID) with the caller's
 * changes (--rm, as root: an overlay of the layer cache; otherwise the
 * image unpacked), runs it with `RUNTIME run --bundle DIR ID` and exits
 * with the container's status. */
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

static int
random_id (char **out, struct oci_error *err)
{
  unsigned char b[6];
  if (getrandom (b, sizeof b, 0) != (ssize_t) sizeof b)
    return oci_error_set (err, errno, "container id");
  if (asprintf (out, "builder-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2], b[3], b[4], b[5]) < 0)
    return oci_error_set (err, ENOMEM, "container id");
  return 0;
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
  /* multi-platform */
  OPT_PLATFORM,
};

static const struct cli_option run_options[] = {
  { "rm", OPT_RM, CLI_NO_VALUE, NULL, "remove the container and its bundle when it exits" },
  { "tty", 't', CLI_NO_VALUE, NULL, "give the process a pseudo-terminal" },
  { "env", 'e', CLI_VALUE, "KEY=VALUE", "add or replace an environment variable (repeatable)" },
  { "volume", 'v', CLI_VALUE, "SRC:DST[:ro]", "bind mount the host's SRC on DST (repeatable)" },
  { "name", OPT_NAME, CLI_VALUE, "ID", "the container id (default: generated)" },
  { "runtime", OPT_RUNTIME, CLI_VALUE, "PATH", "the OCI runtime (default: the runc-lite beside builder)" },
  /* multi-platform */
  { "platform", OPT_PLATFORM, CLI_VALUE, "OS/ARCH[/VARIANT]",
    "an index's image for this platform (default: the host's); another architecture runs under QEMU" },
  CLI_OPTIONS_END,
};

const struct cli_help bld_help_run = { "run an image in a new container (through runc-lite)",
                                       "[command options] NAME [COMMAND [ARG...]]", run_options };

BLD_COMMAND (run)
{
  cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
  struct bld_unpack_overrides ov = { 0 };
  cleanup_store struct bld_store *s = NULL;
  cleanup_free char *id = NULL;
  cleanup_free char *runtime = NULL;
  cleanup_free char *rundir = NULL;
  cleanup_free char *bundle = NULL;
  cleanup_free char **env = NULL;
  cleanup_free char **volumes = NULL;
  __attribute__ ((cleanup (bld_platform_clear))) struct bld_platform platform = { 0 };
  bool rm = false;
  int c, status = 0, ret = -1;

  if (cli_getopt_start (&p, run_options, CLI_STYLE_GNU, argc, argv, err) < 0)
    return -1;
  while ((c = cli_getopt_next (&p)) != -1)
    switch (c)
      {
      case OPT_RM:
        rm = true;
        break;
      case 't':
        ov.terminal = true;
        break;
      case 'e':
        if (push (&env, &ov.env_len, optarg, err) < 0)
          return -1;
        break;
      case 'v':
        if (push (&volumes, &ov.volumes_len, optarg, err) < 0)
          return -1;
        break;
      case OPT_NAME:
        free (id);
        id = strdup (optarg);
        break;
      case OPT_RUNTIME:
        free (runtime);
        runtime = strdup (optarg);
        break;
      case OPT_PLATFORM:
        bld_platform_clear (&platform);
        if (bld_platform_parse (optarg, &platform, err) < 0)
          return oci_error_prefix (err, "run: --platform");
        ov.platform = &platform;
        break;
      default:
        return oci_error_set (err, 0, "run: unknown or incomplete option \"%s\"", argv[optind - 1]);
      }
  if (optind >= argc)
    return oci_error_set (err, 0,
                          "usage: builder run [--rm] [-t] [-e K=V]... [-v SRC:DST[:ro]]... [--name ID] "
                          "[--runtime PATH] NAME [CMD...]");
  ov.env = env;
  ov.volumes = volumes;
  ov.cmd = argv + optind + 1;
  ov.cmd_len = (size_t) (argc - optind - 1);
  if (id == NULL && random_id (&id, err) < 0)
    return -1;
  if (!valid_id (id))
    return oci_error_set (err, 0, "invalid container name \"%s\"", id);
  if (runtime == NULL)
    runtime = bld_default_runtime ();
  if (runtime == NULL)
    return oci_error_set (err, ENOMEM, "run");
  if (bld_cli_open_store (g, true, &s, err) < 0)
    return -1;
  if (ov.platform)
    {
      /* the image first (an index without it says so), then its emulator */
      cleanup_image_descriptor struct oci_image_descriptor *d = NULL;
      if (bld_platform_resolve (s, argv[optind], ov.platform, &d, err) < 0
          || bld_emulation_check (ov.platform, err) < 0)
        return oci_error_prefix (err, "run");
    }
  {
    cleanup_free char *store = realpath (bld_store_dir (s), NULL);
    if (store == NULL)
      return oci_error_set (err, errno, "store %s", bld_store_dir (s));
    if (bld_store_area_path (store, BLD_STORE_RUN, &rundir, err) < 0)
      return -1;
    if (asprintf (&bundle, "%s/%s", rundir, id) < 0)
      return oci_error_set (err, ENOMEM, "run");
  }
  if (mkdir (rundir, 0700) < 0 && errno != EEXIST)
    return oci_error_set (err, errno, "create %s", rundir);
  if (access (bundle, F_OK) == 0)
    return oci_error_set (err, 0, "container %s: bundle %s already exists", id, bundle);
  /* --rm: the rootfs is an overlay of the layer cache, nothing is
   * extracted per run (the lease keeps prune off the cache meanwhile);
   * a kept bundle is a self-contained unpacked one. */
  bool overlay = false;
  cleanup_close int lease = -1;
  if (rm && geteuid () == 0 && private_mount_namespace ())
    {
      if (bld_builds_lock_shared (bld_store_dir (s), &lease, err) < 0
          || bld_unpack_overlay (s, argv[optind], bundle, &ov, &overlay, err) < 0)
        return -1;
    }
  if (!overlay && bld_unpack (s, argv[optind], bundle, &ov, err) < 0)
    return -1;
  ret = bld_runtime_run_attached (runtime, bundle, id, &status, err);
  if (rm)
    {
      struct oci_error e2 = OCI_ERROR_INIT;
      cleanup_free char *rootfs = NULL;
      if (overlay && asprintf (&rootfs, "%s/rootfs", bundle) > 0 && bld_overlay_unmount (rootfs, &e2) < 0)
        {
          fprintf (stderr, "builder: %s\n", oci_error_msg (&e2));
          oci_error_clear (&e2);
        }
      if (bld_remove_tree (bundle, &e2) < 0)
        fprintf (stderr, "builder: %s\n", oci_error_msg (&e2));
      oci_error_clear (&e2);
      rmdir (rundir); /* only when no other run uses it */
    }
  else
    fprintf (stderr, "builder: the bundle of %s is kept in %s\n", id, bundle);
  return ret < 0 ? -1 : status;
}
