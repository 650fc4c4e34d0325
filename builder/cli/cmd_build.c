/* builder build: the command line over bld_build (build.c). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exec/build.h"
#include "exec/build_mounts.h"
#include "cleanup.h"
#include "exec/runtime_path.h"
#include "cli/cli.h"
#include "cli/cmd_build.h"
#include "image/store.h"
#include "distribution/transfer.h"
#include "fileutil.h"
#include "common/size.h"
#include "cli/build_context.h"
#include "distribution/platform.h"
#include "common/strv.h"

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
push_or_fail (char ***v, size_t *n, char *s, struct oci_error *err)
{
  char **nv = realloc (*v, (*n + 1) * sizeof *nv);
  if (nv == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  *v = nv;
  nv[(*n)++] = s;
  return 0;
}

enum
{
  OPT_BUILD_ARG = CLI_LONG_ONLY,
  OPT_TARGET,
  OPT_NO_CACHE,
  OPT_COMPRESSION,
  OPT_TIMESTAMP,
  OPT_RUNTIME,
  OPT_PROGRESS,
  OPT_SECRET,
  OPT_SSH,
  OPT_OUTPUT,
  OPT_NETWORK,
  OPT_IIDFILE,
  /* cache: --cache-from, --cache-to */
  OPT_CACHE_FROM,
  OPT_CACHE_TO,
  OPT_METADATA_FILE,
  /* docker build's habits */
  OPT_LABEL,
  OPT_PULL,
  OPT_ADD_HOST,
  OPT_ULIMIT,
  OPT_SHM_SIZE,
  OPT_BUILD_CONTEXT,
  OPT_FORMAT,
  /* multi-platform */
  OPT_PLATFORM,
  OPT_JOBS,
  /* metadata: --annotation, --source, --revision, --push, --tls-verify */
  OPT_ANNOTATION,
  OPT_SOURCE,
  OPT_REVISION,
  OPT_PUSH,
  OPT_TLS_VERIFY,
  OPT_PROVENANCE,
};

static const struct cli_option build_options[] = {
  { "file", 'f', CLI_VALUE, "RECIPE", "the recipe (default: Recipe, Dockerfile or Containerfile in CONTEXT)" },
  { "tag", 't', CLI_VALUE, "NAME[:TAG]", "name the image (repeatable)" },
  { "build-arg", OPT_BUILD_ARG, CLI_VALUE, "KEY[=VALUE]",
    "set an ARG (without =VALUE: from the environment; repeatable)" },
  { "target", OPT_TARGET, CLI_VALUE, "STAGE", "build up to this stage instead of the last one" },
  { "no-cache", OPT_NO_CACHE, CLI_NO_VALUE, NULL, "rebuild every step instead of using the step cache" },
  { "compression", OPT_COMPRESSION, CLI_VALUE, "gzip|zstd|none",
    "compress the image's layers in the store (default none: compressed by push, save, --output; gzip for these)" },
  { "timestamp", OPT_TIMESTAMP, CLI_VALUE, "EPOCH",
    "the time of the image and its files (default $SOURCE_DATE_EPOCH)" },
  { "runtime", OPT_RUNTIME, CLI_VALUE, "PATH", "the OCI runtime for RUN (default: the runc-lite beside builder)" },
  { "progress", OPT_PROGRESS, CLI_VALUE, "auto|plain|tty|rawjson",
    "tty: a live view redrawn in place; plain: lines; rawjson: a JSON object per event (default auto: tty on a "
    "terminal)" },
  { "network", OPT_NETWORK, CLI_VALUE, "private|none|host",
    "RUN's network (default private: its own namespace with NAT to the outside, also called default; none: lo "
    "only; RUN --network wins)" },
  { "secret", OPT_SECRET, CLI_VALUE, "id=ID,src=FILE|env=VAR", "a secret for RUN --mount=type=secret (repeatable)" },
  { "ssh", OPT_SSH, CLI_VALUE, "ID[=SOCKET]",
    "an SSH agent for RUN --mount=type=ssh (default $SSH_AUTH_SOCK; repeatable)" },
  { "output", OPT_OUTPUT, CLI_VALUE, "type=T[,dest=PATH]",
    "also write the image to PATH: T=oci (a layout) or oci-archive (repeatable)" },
  { "iidfile", OPT_IIDFILE, CLI_VALUE, "FILE", "write the image id (sha256:HEX) to FILE" },
  /* cache: the exported step cache (docs/cache.md) */
  { "cache-from", OPT_CACHE_FROM, CLI_VALUE, "type=registry,ref=REF|type=local,src=DIR|REF",
    "also take steps from this exported cache (repeatable)" },
  { "cache-to", OPT_CACHE_TO, CLI_VALUE, "type=registry,ref=REF|type=local,dest=DIR|type=inline",
    "export the build's step cache (mode=max: every stage's steps; repeatable)" },
  { "metadata-file", OPT_METADATA_FILE, CLI_VALUE, "FILE",
    "write the result as JSON to FILE (image and config digests, names, caches)" },
  /* docker build's habits */
  { "label", OPT_LABEL, CLI_VALUE, "KEY=VALUE", "a label of the image, over LABEL's (repeatable)" },
  { "quiet", 'q', CLI_NO_VALUE, NULL, "print only the image id" },
  { "pull", OPT_PULL, CLI_BOOL, "always|missing|never",
    "take FROM's image from its source (oci:DIR, a registry) again: always (bare --pull), when missing "
    "(default), never" },
  { "add-host", OPT_ADD_HOST, CLI_VALUE, "HOST:IP", "a line of RUN's /etc/hosts (repeatable)" },
  { "ulimit", OPT_ULIMIT, CLI_VALUE, "NAME=SOFT[:HARD]", "a resource limit of RUN (nofile, nproc, ...; repeatable)" },
  { "shm-size", OPT_SHM_SIZE, CLI_VALUE, "SIZE", "the size of RUN's /dev/shm (default 64m)" },
  { "build-context", OPT_BUILD_CONTEXT, CLI_VALUE, "NAME=DIR",
    "a directory that FROM NAME, COPY --from=NAME and RUN --mount from=NAME take (repeatable)" },
  { "format", OPT_FORMAT, CLI_VALUE, "oci|docker", "the image's manifest and media types (default oci)" },
  /* multi-platform */
  { "platform", OPT_PLATFORM, CLI_VALUE, "OS/ARCH[/VARIANT],...",
    "the target platforms (default: the host's); several give an image index, RUN under QEMU emulation" },
  { "jobs", OPT_JOBS, CLI_VALUE, "N", "build up to N independent stages at once (default: the number of cores)" },
  /* metadata: annotations and --push (docs/ci.md) */
  { "annotation", OPT_ANNOTATION, CLI_VALUE, "[manifest:|index:]KEY=VALUE",
    "an annotation on the image's manifest or index (repeatable)" },
  { "source", OPT_SOURCE, CLI_VALUE, "URL", "the org.opencontainers.image.source annotation" },
  { "revision", OPT_REVISION, CLI_VALUE, "REV", "the org.opencontainers.image.revision annotation" },
  { "push", OPT_PUSH, CLI_NO_VALUE, NULL, "push every -t name to its registry after the build" },
  { "tls-verify", OPT_TLS_VERIFY, CLI_VALUE, "BOOL", "--push: verify the registry's certificate (default true)" },
  { "provenance", OPT_PROVENANCE, CLI_NO_VALUE, NULL,
    "attach a provenance record to the image (an OCI artifact referring to it; pushed with --push)" },
  /* -h in a cluster (-hq) or --he: `builder build --help` is handled by
   * main before the command parses anything */
  { "help", 'h', CLI_NO_VALUE, NULL, NULL },
  CLI_OPTIONS_END,
};

const struct cli_help bld_help_build = { "build an image from a recipe (Dockerfile syntax)",
                                         "[command options] CONTEXT", build_options };

/* What the options fill besides the build's options: the lists they point
 * to, the outputs (ended by an entry whose path is NULL), the view. */
struct build_args
{
  struct bld_build_options *o;
  char **tags, **args, **secrets, **ssh;
  struct bld_transport *outputs;
  size_t n_outputs;
  const char *iidfile;
  enum bld_progress_mode progress;
  /* cache: --cache-from, --cache-to */
  struct bld_cache_spec *cache_from, *cache_to;
  char **cache_from_specs, **cache_to_specs; /* as given, for --metadata-file */
  const char *metadata_file;
  /* docker build's habits */
  bool quiet;
  char **labels, **add_hosts, **ulimits, **build_contexts;
  struct bld_platform *platforms; /* --platform */
  size_t n_platforms;
  /* metadata: --annotation, --push */
  char **annotations;
  bool push, tls_verify, provenance;
  struct bld_build_record record;
};

/* --cache-from / --cache-to: one more spec, parsed and as given. */
static int
add_cache_spec (struct build_args *a, bool to, char *spec, struct oci_error *err)
{
  struct bld_cache_spec **v = to ? &a->cache_to : &a->cache_from;
  size_t *n = to ? &a->o->cache_to_len : &a->o->cache_from_len, given = *n;
  struct bld_cache_spec *nv = realloc (*v, (*n + 1) * sizeof *nv);
  if (nv == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  *v = nv;
  if (bld_cache_spec_parse (spec, to, &nv[*n], err) < 0)
    return oci_error_prefix (err, "build");
  (*n)++;
  if (to)
    a->o->cache_to = nv;
  else
    a->o->cache_from = nv;
  return push_or_fail (to ? &a->cache_to_specs : &a->cache_from_specs, &given, spec, err);
}

static void
build_args_free (struct build_args *a)
{
  free (a->tags);
  free (a->args);
  free (a->secrets);
  free (a->ssh);
  outputs_free (&a->outputs);
  for (size_t i = 0; i < a->o->cache_from_len; i++)
    bld_cache_spec_clear (&a->cache_from[i]);
  for (size_t i = 0; i < a->o->cache_to_len; i++)
    bld_cache_spec_clear (&a->cache_to[i]);
  free (a->cache_from);
  free (a->cache_to);
  free (a->cache_from_specs);
  free (a->cache_to_specs);
  free (a->labels);
  free (a->add_hosts);
  free (a->ulimits);
  free (a->build_contexts);
  bld_platforms_free (a->platforms, a->n_platforms);
  free (a->annotations); /* metadata */
  free (a->record.recipe_path);
  cmn_strv_free_n (a->record.bases, a->record.bases_len);
}

/* --output: one more entry in a->outputs (none for type=store). */
static int
add_output (struct build_args *a, const char *spec, struct oci_error *err)
{
  struct bld_transport *nv = realloc (a->outputs, (a->n_outputs + 2) * sizeof *nv);
  if (nv == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  a->outputs = nv;
  memset (&nv[a->n_outputs], 0, 2 * sizeof *nv);
  if (parse_output (spec, &nv[a->n_outputs], err) < 0)
    return -1;
  if (nv[a->n_outputs].path)
    a->n_outputs++;
  return 0;
}

/* docker build's habits: 1 when c is none of them. */
static int
build_habit_option (struct build_args *a, int c, struct oci_error *err)
{
  struct bld_build_options *o = a->o;
  switch (c)
    {
    case OPT_LABEL:
      if (bld_key_value_check ("--label", optarg, err) < 0)
        return -1;
      return push_or_fail (&a->labels, &o->labels_len, optarg, err);
    case 'q':
      a->quiet = true;
      return 0;
    case OPT_PULL:
      return bld_pull_parse (optarg, &o->pull, err);
    case OPT_ADD_HOST:
      if (bld_add_host_check (optarg, err) < 0)
        return -1;
      return push_or_fail (&a->add_hosts, &o->add_hosts_len, optarg, err);
    case OPT_ULIMIT:
      {
        int res;
        int64_t soft, hard;
        if (bld_ulimit_parse (optarg, &res, &soft, &hard, err) < 0)
          return -1;
        return push_or_fail (&a->ulimits, &o->ulimits_len, optarg, err);
      }
    case OPT_SHM_SIZE:
      if (cmn_parse_size (optarg, &o->shm_size) < 0 || o->shm_size <= 0)
        return oci_error_set (err, 0, "build: --shm-size %s: want a size such as 64m", optarg);
      return 0;
    case OPT_BUILD_CONTEXT:
      if (bld_key_value_check ("--build-context", optarg, err) < 0)
        return -1;
      return push_or_fail (&a->build_contexts, &o->build_contexts_len, optarg, err);
    case OPT_FORMAT:
      return bld_format_parse (optarg, &o->format, err);
    default:
      return 1;
    }
}

/* One option: key c, its value in optarg; word is the command line's. */
static int
build_option (struct build_args *a, int c, const char *word, struct oci_error *err)
{
  struct bld_build_options *o = a->o;
  switch (c)
    {
    case 'f':
      o->recipe = optarg;
      return 0;
    case 't':
      {
        cleanup_free char *norm = NULL;
        if (bld_ref_normalize (optarg, &norm, err) < 0)
          return oci_error_prefix (err, "build: -t %s", optarg);
        return push_or_fail (&a->tags, &o->tags_len, optarg, err);
      }
    case OPT_BUILD_ARG:
      return push_or_fail (&a->args, &o->build_args_len, optarg, err);
    case OPT_SECRET:
      if (bld_secret_spec_check (optarg, err) < 0)
        return oci_error_prefix (err, "build");
      return push_or_fail (&a->secrets, &o->secrets_len, optarg, err);
    case OPT_SSH:
      if (*optarg == '\0' || *optarg == '=')
        return oci_error_set (err, 0, "build: --ssh %s: want ID[=SOCKET]", optarg);
      return push_or_fail (&a->ssh, &o->ssh_len, optarg, err);
    case OPT_TARGET:
      o->target = optarg;
      return 0;
    case OPT_NO_CACHE:
      o->no_cache = true;
      return 0;
    case OPT_COMPRESSION:
      if (bld_compression_parse (optarg, &o->compression, err) < 0)
        return oci_error_prefix (err, "build: --compression");
      return 0;
    case OPT_TIMESTAMP:
      if (parse_epoch (optarg, &o->timestamp, err) < 0)
        return oci_error_prefix (err, "build");
      o->has_timestamp = true;
      return 0;
    case OPT_RUNTIME:
      o->runtime = optarg;
      return 0;
    case OPT_PROGRESS:
      if (bld_progress_parse (optarg, &a->progress, err) < 0)
        return oci_error_prefix (err, "build: --progress");
      return 0;
    case OPT_NETWORK:
      if (bld_network_parse (optarg, &o->network) < 0)
        return oci_error_set (err, 0, "build: --network: \"%s\" is not private, none, host or default", optarg);
      return 0;
    case OPT_IIDFILE:
      a->iidfile = optarg;
      return 0;
    case OPT_OUTPUT:
      return add_output (a, optarg, err);
    /* cache */
    case OPT_CACHE_FROM:
    case OPT_CACHE_TO:
      return add_cache_spec (a, c == OPT_CACHE_TO, optarg, err);
    case OPT_METADATA_FILE:
      a->metadata_file = optarg;
      return 0;
    /* multi-platform */
    case OPT_PLATFORM:
      bld_platforms_free (a->platforms, a->n_platforms);
      a->platforms = NULL;
      a->n_platforms = 0;
      if (bld_platforms_parse (optarg, &a->platforms, &a->n_platforms, err) < 0)
        return oci_error_prefix (err, "build: --platform");
      return 0;
    case OPT_JOBS:
      {
        char *end;
        errno = 0;
        unsigned long n = strtoul (optarg, &end, 10);
        if (*optarg < '0' || *optarg > '9' || *end || errno || n == 0 || n > 1024)
          return oci_error_set (err, 0, "build: --jobs \"%s\": want a number from 1 to 1024", optarg);
        o->jobs = (unsigned) n;
        return 0;
      }
    /* metadata */
    case OPT_ANNOTATION:
      {
        cleanup_free char *k = NULL, *v = NULL;
        enum bld_annotation_target t;
        if (bld_annotation_parse (optarg, &t, &k, &v, err) < 0)
          return oci_error_prefix (err, "build");
        return push_or_fail (&a->annotations, &o->annotations_len, optarg, err);
      }
    case OPT_SOURCE:
      o->source = optarg;
      return 0;
    case OPT_REVISION:
      o->revision = optarg;
      return 0;
    case OPT_PUSH:
      a->push = true;
      return 0;
    case OPT_PROVENANCE:
      a->provenance = true;
      o->record = &a->record;
      return 0;
    case OPT_TLS_VERIFY:
      if (strcmp (optarg, "true") != 0 && strcmp (optarg, "false") != 0)
        return oci_error_set (err, 0, "build: --tls-verify %s: want true or false", optarg);
      a->tls_verify = strcmp (optarg, "true") == 0;
      return 0;
    default:
      {
        int r = build_habit_option (a, c, err);
        if (r <= 0)
          return r;
      }
      return oci_error_set (err, 0, "build: unknown or incomplete option \"%s\"", word);
    }
}

/* Parses the command line into a; 1 when it asked for help (printed). */
static int
parse_build_args (int argc, char **argv, struct build_args *a, struct oci_error *err)
{
  cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
  int c;

  a->o->compression = BLD_COMPRESSION_NONE;
  long cores = sysconf (_SC_NPROCESSORS_ONLN);
  a->o->jobs = cores > 0 ? (unsigned) cores : 1;
  a->o->out = stdout;
  a->progress = BLD_PROGRESS_AUTO;
  a->tls_verify = true;
  a->outputs = calloc (1, sizeof *a->outputs);
  if (a->outputs == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (cli_getopt_start (&p, build_options, CLI_STYLE_GNU_ANYWHERE, argc, argv, err) < 0)
    return -1;
  while ((c = cli_getopt_next (&p)) != -1)
    {
      if (c == 'h')
        {
          cli_help_print (stdout, "builder", "build", &bld_help_build);
          return 1;
        }
      if (build_option (a, c, argv[optind - 1], err) < 0)
        return -1;
    }
  if (argc - optind != 1)
    return oci_error_set (err, 0, "build: exactly one CONTEXT directory is needed");
  a->o->context = argv[optind];
  a->o->tags = a->tags;
  a->o->build_args = a->args;
  a->o->secrets = a->secrets;
  a->o->ssh = a->ssh;
  a->o->labels = a->labels;
  a->o->add_hosts = a->add_hosts;
  a->o->ulimits = a->ulimits;
  a->o->build_contexts = a->build_contexts;
  a->o->annotations = a->annotations;
  if (a->push && a->o->tags_len == 0)
    return oci_error_set (err, 0, "build: --push needs a name (-t) to push to");
  /* index: annotations need an index: several platforms */
  for (size_t i = 0; a->n_platforms <= 1 && i < a->o->annotations_len; i++)
    if (strncmp (a->annotations[i], "index:", 6) == 0)
      return oci_error_set (err, 0, "build: --annotation %s: this build makes one manifest, no index (one platform)",
                            a->annotations[i]);
  return 0;
}

/* The build's warnings, held until the progress view has ended (a live
 * view would be broken by a line of stderr) and then written to stderr. */
struct held_warnings
{
  FILE *f;
  char *text;
  size_t len;
};

static void
held_warnings_flush (struct held_warnings *w)
{
  if (w->f)
    fclose (w->f);
  if (w->text && w->len)
    fwrite (w->text, 1, w->len, stderr);
  free (w->text);
}

int
cmd_build (const char *store_dir, int argc, char **argv, struct oci_error *err)
{
  struct bld_build_options o = { 0 };
  __attribute__ ((cleanup (build_args_free))) struct build_args a = { .o = &o };
  cleanup_free char *runtime = NULL;
  cleanup_store struct bld_store *store = NULL;
  char digest[OCI_DIGEST_STRING_MAX], id[OCI_DIGEST_STRING_MAX];
  cleanup_image_descriptor struct oci_image_descriptor *desc = NULL;
  __attribute__ ((cleanup (held_warnings_flush))) struct held_warnings warnings = { 0 };
  cleanup_fclose FILE *quiet_out = NULL; /* -q's sink, closed after the view */
  cleanup_fclose FILE *view = NULL;
  cleanup_build_context struct build_context ctx = { 0 };
  int r;

  if ((r = parse_build_args (argc, argv, &a, err)) != 0)
    return r < 0 ? -1 : 0;
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
  if (build_context_prepare (store_dir, &o.context, &o.recipe, &ctx, err) < 0)
    return -1;
  /* -q: the build's lines go nowhere, the id alone to stdout. */
  if (a.quiet && (quiet_out = fopen ("/dev/null", "we")) == NULL)
    return oci_error_set (err, errno, "build: open /dev/null");
  if (bld_progress_open (a.quiet ? BLD_PROGRESS_PLAIN : a.progress, a.quiet ? quiet_out : stdout, &view, err) < 0)
    return -1;
  if ((warnings.f = open_memstream (&warnings.text, &warnings.len)) == NULL)
    return oci_error_set (err, errno, "build: open_memstream");
  o.warn = warnings.f;
  o.out = view;
  bld_catch_signals ();
  if (bld_build_platforms (store, &o, a.platforms, a.n_platforms, digest, err) < 0)
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
  /* As docker: the image id (the config digest) is what is shown. */
  if (bld_store_resolve (store, digest, &desc, err) < 0 || bld_store_image_id (store, desc, id, err) < 0)
    return oci_error_prefix (err, "build");
  if (id[0] == '\0') /* several platforms: the index is the image */
    snprintf (id, sizeof id, "%s", digest);
  fprintf (view, "writing image %s\n", id);
  if (a.quiet)
    printf ("%s\n", id);
  if (a.iidfile && oci_write_file_atomic (a.iidfile, id, strlen (id), 0644, err) < 0)
    return oci_error_prefix (err, "build: --iidfile");
  /* metadata: --push, before --metadata-file (which names what it pushed) */
  cleanup_strv char **pushed = NULL;
  if (a.push && bld_build_push (store, o.tags, o.tags_len, a.tls_verify, view, &pushed, err) < 0)
    return oci_error_prefix (err, "build: --push");
  char prov[OCI_DIGEST_STRING_MAX] = "";
  if (a.provenance
      && bld_build_provenance (store, &o, desc, a.push ? o.tags : NULL, a.push ? o.tags_len : 0, a.tls_verify, prov,
                               err)
             < 0)
    return oci_error_prefix (err, "build: --provenance");
  /* cache: --metadata-file */
  if (a.metadata_file)
    {
      struct bld_build_metadata m = { .manifest = desc,
                                      .config_digest = id,
                                      .tags = o.tags,
                                      .tags_len = o.tags_len,
                                      .cache_from = a.cache_from_specs,
                                      .cache_to = a.cache_to_specs,
                                      .cache_from_len = o.cache_from_len,
                                      .cache_to_len = o.cache_to_len,
                                      .pushed = pushed,
                                      .provenance = prov };
      if (bld_write_metadata_file (a.metadata_file, &m, err) < 0)
        return oci_error_prefix (err, "build");
    }
  for (size_t i = 0; i < o.tags_len; i++)
    {
      cleanup_free char *norm = NULL;
      if (bld_ref_normalize (o.tags[i], &norm, err) < 0)
        return -1;
      fprintf (view, "naming to %s\n", norm);
    }
  /* The image is in the store; --output also writes it out. */
  for (size_t i = 0; i < a.n_outputs; i++)
    {
      char *ref = o.tags_len ? o.tags[0] : digest;
      struct bld_compress_options co = { o.compression != BLD_COMPRESSION_NONE ? o.compression
                                                                               : BLD_COMPRESSION_GZIP };
      if (bld_save (store, &ref, 1, &a.outputs[i], &co, err) < 0)
        return oci_error_prefix (err, "build: --output");
      fprintf (view, "exporting to %s\n", a.outputs[i].path);
    }
  return 0;
}
