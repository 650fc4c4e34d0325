/* builder build: the command line over bld_build (build.c). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec/build.h"
#include "exec/build_mounts.h"
#include "cleanup.h"
#include "exec/runtime_path.h"
#include "cli/cmd_build.h"
#include "image/store.h"
#include "distribution/transfer.h"

static int
parse_epoch (const char *s, int64_t *out, struct oci_error *err)
{
  char *end;
  errno = 0;
  long long v = strtoll (s, &end, 10);
  if (*s == '\0' || *end || errno || v < 0)
    return oci_error_set (err, 0, "invalid timestamp \"%s\": want seconds since the epoch", s);
  *out = v;
  return 0;
}

/* --output type=store | type=oci,dest=DIR | type=oci-archive,dest=FILE;
 * *out is unset (kind stays as is, path NULL) for type=store. */
static int
parse_output (const char *spec, struct bld_transport *out, struct oci_error *err)
{
  cleanup_free char *copy = strdup (spec);
  const char *type = NULL, *dest = NULL;
  char *save = NULL;

  if (copy == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  for (char *kv = strtok_r (copy, ",", &save); kv; kv = strtok_r (NULL, ",", &save))
    {
      if (strncmp (kv, "type=", 5) == 0)
        type = kv + 5;
      else if (strncmp (kv, "dest=", 5) == 0)
        dest = kv + 5;
      else
        return oci_error_set (err, 0, "build: --output %s: unknown key in \"%s\" (want type= and dest=)", spec, kv);
    }
  if (type == NULL)
    return oci_error_set (err, 0, "build: --output %s: no type=", spec);
  if (strcmp (type, "store") == 0)
    {
      if (dest)
        return oci_error_set (err, 0, "build: --output %s: type=store takes no dest", spec);
      return 0;
    }
  if (strcmp (type, "oci") == 0)
    out->kind = BLD_TRANSPORT_OCI_DIR;
  else if (strcmp (type, "oci-archive") == 0)
    out->kind = BLD_TRANSPORT_OCI_ARCHIVE;
  else
    return oci_error_set (err, 0, "build: --output %s: type \"%s\" is not store, oci or oci-archive", spec, type);
  if (dest == NULL || *dest == '\0')
    return oci_error_set (err, 0, "build: --output %s: type=%s needs dest=", spec, type);
  if ((out->path = strdup (dest)) == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  return 0;
}

static void
outputs_free (struct bld_transport **v)
{
  for (struct bld_transport *t = *v; t && t->path; t++)
    bld_transport_clear (t);
  free (*v);
}

static int
push (char ***v, size_t *n, char *s)
{
  char **nv = realloc (*v, (*n + 1) * sizeof *nv);
  if (nv == NULL)
    return -1;
  *v = nv;
  nv[(*n)++] = s;
  return 0;
}

int
cmd_build (const char *store_dir, int argc, char **argv, struct oci_error *err)
{
  enum { OPT_BUILD_ARG = 256, OPT_TARGET, OPT_NO_CACHE, OPT_COMPRESSION, OPT_TIMESTAMP, OPT_RUNTIME, OPT_PROGRESS,
         OPT_SECRET, OPT_SSH, OPT_OUTPUT, OPT_NETWORK };
  static const struct option opts[] = {
    { "file", required_argument, NULL, 'f' },
    { "tag", required_argument, NULL, 't' },
    { "build-arg", required_argument, NULL, OPT_BUILD_ARG },
    { "target", required_argument, NULL, OPT_TARGET },
    { "no-cache", no_argument, NULL, OPT_NO_CACHE },
    { "compression", required_argument, NULL, OPT_COMPRESSION },
    { "timestamp", required_argument, NULL, OPT_TIMESTAMP },
    { "runtime", required_argument, NULL, OPT_RUNTIME },
    { "progress", required_argument, NULL, OPT_PROGRESS },
    { "network", required_argument, NULL, OPT_NETWORK },
    { "secret", required_argument, NULL, OPT_SECRET },
    { "ssh", required_argument, NULL, OPT_SSH },
    { "output", required_argument, NULL, OPT_OUTPUT },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 },
  };
  struct bld_build_options o = { 0 };
  cleanup_free char *runtime = NULL;
  cleanup_free char **tags = NULL;
  cleanup_free char **args = NULL;
  cleanup_free char **secrets = NULL;
  cleanup_free char **ssh = NULL;
  cleanup_store struct bld_store *store = NULL;
  /* Ends with an entry whose path is NULL. */
  __attribute__ ((cleanup (outputs_free))) struct bld_transport *outputs = calloc (1, sizeof *outputs);
  size_t n_outputs = 0;
  char digest[OCI_DIGEST_STRING_MAX];
  enum bld_progress_mode progress = BLD_PROGRESS_AUTO;
  cleanup_fclose FILE *view = NULL;
  int c;

  if (outputs == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  o.compression = BLD_COMPRESSION_GZIP;
  o.out = stdout;
  optind = 0;
  opterr = 0;
  while ((c = getopt_long (argc, argv, "+f:t:h", opts, NULL)) != -1)
    switch (c)
      {
      case 'f':
        o.recipe = optarg;
        break;
      case 't':
        {
          cleanup_free char *norm = NULL;
          if (bld_ref_normalize (optarg, &norm, err) < 0)
            return oci_error_prefix (err, "build: -t %s", optarg);
          if (push (&tags, &o.tags_len, optarg) < 0)
            return oci_error_set (err, ENOMEM, "out of memory");
          break;
        }
      case OPT_BUILD_ARG:
        if (push (&args, &o.build_args_len, optarg) < 0)
          return oci_error_set (err, ENOMEM, "out of memory");
        break;
      case OPT_SECRET:
        if (bld_secret_spec_check (optarg, err) < 0)
          return oci_error_prefix (err, "build");
        if (push (&secrets, &o.secrets_len, optarg) < 0)
          return oci_error_set (err, ENOMEM, "out of memory");
        break;
      case OPT_SSH:
        if (*optarg == '\0' || *optarg == '=')
          return oci_error_set (err, 0, "build: --ssh %s: want ID[=SOCKET]", optarg);
        if (push (&ssh, &o.ssh_len, optarg) < 0)
          return oci_error_set (err, ENOMEM, "out of memory");
        break;
      case OPT_TARGET:
        o.target = optarg;
        break;
      case OPT_NO_CACHE:
        o.no_cache = true;
        break;
      case OPT_COMPRESSION:
        if (bld_compression_parse (optarg, &o.compression, err) < 0)
          return oci_error_prefix (err, "build: --compression");
        break;
      case OPT_TIMESTAMP:
        if (parse_epoch (optarg, &o.timestamp, err) < 0)
          return oci_error_prefix (err, "build");
        o.has_timestamp = true;
        break;
      case OPT_RUNTIME:
        o.runtime = optarg;
        break;
      case OPT_PROGRESS:
        if (bld_progress_parse (optarg, &progress, err) < 0)
          return oci_error_prefix (err, "build: --progress");
        break;
      case OPT_NETWORK:
        /* No network is the default: docker build's is a bridge, but
         * nothing here sets one up (RUN keeps a private, empty netns). */
        if (strcmp (optarg, "host") == 0)
          o.host_network = true;
        else if (strcmp (optarg, "none") == 0 || strcmp (optarg, "default") == 0)
          o.host_network = false;
        else
          return oci_error_set (err, 0, "build: --network: \"%s\" is not host, none or default", optarg);
        break;
      case OPT_OUTPUT:
        {
          struct bld_transport *nv = realloc (outputs, (n_outputs + 2) * sizeof *nv);
          if (nv == NULL)
            return oci_error_set (err, ENOMEM, "out of memory");
          outputs = nv;
          memset (&nv[n_outputs], 0, 2 * sizeof *nv);
          if (parse_output (optarg, &nv[n_outputs], err) < 0)
            return -1;
          if (nv[n_outputs].path)
            n_outputs++;
          break;
        }
      case 'h':
        printf ("Usage: builder build [-f RECIPE] [-t NAME[:TAG]]... [--build-arg K[=V]]... [--target STAGE]\n"
                "                     [--no-cache] [--compression gzip|zstd|none] [--timestamp EPOCH]\n"
                "                     [--runtime PATH] [--progress auto|plain|tty] [--network host|none]\n"
                "                     [--secret id=ID,src=FILE|env=VAR]... [--ssh ID[=SOCKET]]...\n"
                "                     [--output type=store|type=oci,dest=DIR|type=oci-archive,dest=FILE]... CONTEXT\n");
        return 0;
      default:
        return oci_error_set (err, 0, "build: unknown or incomplete option \"%s\"", argv[optind - 1]);
      }
  if (argc - optind != 1)
    return oci_error_set (err, 0, "build: exactly one CONTEXT directory is needed");
  o.context = argv[optind];
  o.tags = tags;
  o.build_args = args;
  o.secrets = secrets;
  o.ssh = ssh;
  if (!o.has_timestamp)
    {
      const char *sde = getenv ("SOURCE_DATE_EPOCH");
      if (sde && *sde)
        {
          if (parse_epoch (sde, &o.timestamp, err) < 0)
            return oci_error_prefix (err, "build: SOURCE_DATE_EPOCH");
          o.has_timestamp = true;
        }
    }
  if (o.runtime == NULL)
    o.runtime = runtime = bld_default_runtime ();
  if (o.runtime == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (bld_store_open (store_dir, true, &store, err) < 0)
    return -1;
  if (bld_progress_open (progress, stdout, &view, err) < 0)
    return -1;
  o.out = view;
  bld_catch_signals ();
  if (bld_build (store, &o, digest, err) < 0)
    {
      /* The view ends (the failed step marked) before the error shows. */
      fclose (steal_pointer (&view));
      if (bld_interrupted == 0)
        return -1;
      /* Cleaned up; the exit status says which signal, as a shell's would. */
      fprintf (stderr, "builder: %s\n", oci_error_msg (err));
      oci_error_clear (err);
      return 128 + bld_interrupted;
    }
  fprintf (view, "writing image %s\n", digest);
  for (size_t i = 0; i < o.tags_len; i++)
    {
      cleanup_free char *norm = NULL;
      if (bld_ref_normalize (o.tags[i], &norm, err) < 0)
        return -1;
      fprintf (view, "naming to %s\n", norm);
    }
  /* The image is in the store; --output also writes it out. */
  for (size_t i = 0; i < n_outputs; i++)
    {
      char *ref = o.tags_len ? o.tags[0] : digest;
      if (bld_save (store, &ref, 1, &outputs[i], err) < 0)
        return oci_error_prefix (err, "build: --output");
      fprintf (view, "exporting to %s\n", outputs[i].path);
    }
  return 0;
}
