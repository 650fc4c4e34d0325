/* update: new linux.resources for a running container, from --resources
 * (a JSON file, or "-" for stdin) or from runc's individual flags. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "common/size.h"
#include "cli/cli.h"
#include "fileutil.h"

/* Sizes as runc takes them (common/size.h); "-1" means unlimited. */
static int
parse_size (const char *flag, const char *text, int64_t *out, struct oci_error *err)
{
  if (strcmp (text, "-1") == 0)
    {
      *out = -1;
      return 0;
    }
  if (cmn_parse_size (text, out) < 0)
    return oci_error_set (err, 0, "update: --%s: expected a size such as 512m or 1g, got \"%s\"", flag, text);
  return 0;
}

static int
parse_number (const char *flag, const char *text, bool is_signed, int64_t *out, struct oci_error *err)
{
  char *end;
  errno = 0;
  long long v = strtoll (text, &end, 10);
  if (*text == '\0' || *end != '\0' || errno || (!is_signed && v < 0))
    return oci_error_set (err, 0, "update: --%s: expected %s, got \"%s\"", flag,
                          is_signed ? "an integer" : "a non-negative integer", text);
  *out = v;
  return 0;
}

/* The sub-objects the flags fill, created on first use. */
static struct oci_linux_resources_memory *
memory_of (struct oci_linux_resources *r)
{
  if (r->memory == NULL)
    r->memory = calloc (1, sizeof *r->memory);
  return r->memory;
}

static struct oci_linux_resources_cpu *
cpu_of (struct oci_linux_resources *r)
{
  if (r->cpu == NULL)
    r->cpu = calloc (1, sizeof *r->cpu);
  return r->cpu;
}

enum
{
  OPT_BLKIO = CLI_LONG_ONLY,
  OPT_CPU_PERIOD,
  OPT_CPU_QUOTA,
  OPT_CPU_SHARE,
  OPT_RT_PERIOD,
  OPT_RT_RUNTIME,
  OPT_CPUS,
  OPT_MEMS,
  OPT_MEMORY,
  OPT_MEMRES,
  OPT_SWAP,
  OPT_PIDS,
  OPT_L3,
  OPT_MEMBW
};

static const struct cli_option update_options[] = {
  { "resources", 'r', CLI_VALUE, "FILE", "runtime-spec linux.resources JSON (\"-\": standard input)" },
  { "blkio-weight", OPT_BLKIO, CLI_VALUE, "N", "block IO weight, 10 to 1000" },
  { "cpu-period", OPT_CPU_PERIOD, CLI_VALUE, "US", "CPU CFS period in microseconds" },
  { "cpu-quota", OPT_CPU_QUOTA, CLI_VALUE, "US", "CPU CFS quota in microseconds per period" },
  { "cpu-share", OPT_CPU_SHARE, CLI_VALUE, "N", "CPU shares (relative weight)" },
  { "cpu-rt-period", OPT_RT_PERIOD, CLI_VALUE, "US", "CPU realtime period in microseconds" },
  { "cpu-rt-runtime", OPT_RT_RUNTIME, CLI_VALUE, "US", "CPU realtime runtime in microseconds per period" },
  { "cpuset-cpus", OPT_CPUS, CLI_VALUE, "LIST", "the CPUs to run on, e.g. 0-3,6" },
  { "cpuset-mems", OPT_MEMS, CLI_VALUE, "LIST", "the memory nodes to use" },
  { "memory", OPT_MEMORY, CLI_VALUE, "BYTES", "memory limit (suffixes k, m, g; -1: none)" },
  { "memory-reservation", OPT_MEMRES, CLI_VALUE, "BYTES", "memory soft limit" },
  { "memory-swap", OPT_SWAP, CLI_VALUE, "BYTES", "memory plus swap limit" },
  { "pids-limit", OPT_PIDS, CLI_VALUE, "N", "maximum number of processes" },
  { "l3-cache-schema", OPT_L3, CLI_VALUE, "SCHEMA", "Intel RDT L3 cache schema" },
  { "mem-bw-schema", OPT_MEMBW, CLI_VALUE, "SCHEMA", "Intel RDT memory bandwidth schema" },
  CLI_OPTIONS_END,
};

const struct cli_help rl_help_update = { "change the container's resource limits", "[command options] <container-id>",
                                         update_options };

/* --memory, --memory-reservation, --memory-swap */
static int
set_memory (struct oci_linux_resources *r, int c, const char *name, struct oci_error *err)
{
  int64_t v = 0;
  if (parse_size (name, optarg, &v, err) < 0)
    return -1;
  if (memory_of (r) == NULL)
    return oci_error_set (err, ENOMEM, "update");
  if (c == OPT_MEMORY)
    r->memory->limit = v, r->memory->has_limit = true;
  else if (c == OPT_MEMRES)
    r->memory->reservation = v, r->memory->has_reservation = true;
  else
    r->memory->swap = v, r->memory->has_swap = true;
  return 0;
}

/* The --cpu-* numbers. */
static int
set_cpu (struct oci_linux_resources *r, int c, const char *name, struct oci_error *err)
{
  int64_t v = 0;
  if (parse_number (name, optarg, c == OPT_CPU_QUOTA || c == OPT_RT_RUNTIME, &v, err) < 0)
    return -1;
  if (cpu_of (r) == NULL)
    return oci_error_set (err, ENOMEM, "update");
  if (c == OPT_CPU_PERIOD)
    r->cpu->period = (uint64_t) v, r->cpu->has_period = true;
  else if (c == OPT_CPU_QUOTA)
    r->cpu->quota = v, r->cpu->has_quota = true;
  else if (c == OPT_CPU_SHARE)
    r->cpu->shares = (uint64_t) v, r->cpu->has_shares = true;
  else if (c == OPT_RT_PERIOD)
    r->cpu->realtime_period = (uint64_t) v, r->cpu->has_realtime_period = true;
  else
    r->cpu->realtime_runtime = v, r->cpu->has_realtime_runtime = true;
  return 0;
}

/* --cpuset-cpus, --cpuset-mems */
static int
set_cpuset (struct oci_linux_resources *r, int c, struct oci_error *err)
{
  char **field;
  if (cpu_of (r) == NULL)
    return oci_error_set (err, ENOMEM, "update");
  field = c == OPT_CPUS ? &r->cpu->cpus : &r->cpu->mems;
  free (*field);
  *field = strdup (optarg);
  return 0;
}

/* One of the individual flags (key c, its value in optarg) into r. */
static int
update_option (struct oci_linux_resources *r, int c, const char *word, struct oci_error *err)
{
  const struct cli_option *opt = cli_option_find (update_options, c);
  const char *name = opt ? opt->name : NULL;
  int64_t v = 0;

  switch (c)
    {
    case OPT_MEMORY:
    case OPT_MEMRES:
    case OPT_SWAP:
      return set_memory (r, c, name, err);
    case OPT_CPU_PERIOD:
    case OPT_CPU_QUOTA:
    case OPT_CPU_SHARE:
    case OPT_RT_PERIOD:
    case OPT_RT_RUNTIME:
      return set_cpu (r, c, name, err);
    case OPT_CPUS:
    case OPT_MEMS:
      return set_cpuset (r, c, err);
    case OPT_PIDS:
      if (parse_number (name, optarg, true, &v, err) < 0)
        return -1;
      if (r->pids == NULL && (r->pids = calloc (1, sizeof *r->pids)) == NULL)
        return oci_error_set (err, ENOMEM, "update");
      r->pids->limit = v;
      r->pids->has_limit = true;
      return 0;
    case OPT_BLKIO:
      if (parse_number (name, optarg, false, &v, err) < 0)
        return -1;
      if (v < 10 || v > 1000)
        return oci_error_set (err, 0, "update: --blkio-weight: expected 10 to 1000, got %s", optarg);
      if (r->block_io == NULL && (r->block_io = calloc (1, sizeof *r->block_io)) == NULL)
        return oci_error_set (err, ENOMEM, "update");
      r->block_io->weight = (uint16_t) v;
      r->block_io->has_weight = true;
      return 0;
    case OPT_L3:
    case OPT_MEMBW:
      return oci_error_set (err, 0, "update: --%s: Intel RDT is not supported by this runtime", name);
    default:
      return oci_error_set (err, 0, "update: unknown or incomplete option \"%s\"", word);
    }
}

/* --resources FILE ("-": stdin) instead of the flags, as runc does. */
static int
read_resources (const char *file, struct oci_linux_resources **r, struct oci_error *err)
{
  const struct bind_type *type = oci_runtime_resources_type ();
  bool is_stdin = strcmp (file, "-") == 0;
  cleanup_free char *text = NULL;
  void *doc = NULL;
  size_t len;

  if ((is_stdin ? oci_read_fd (0, "stdin", OCI_JSON_FILE_MAX, &text, &len, err)
                : oci_read_file (file, OCI_JSON_FILE_MAX, &text, &len, err))
          < 0
      || bind_parse_text (type, is_stdin ? "resources (stdin)" : file, text, len, &doc, err) < 0)
    return -1;
  bind_free (type, *r);
  *r = doc;
  return 0;
}

int
cmd_update (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
  const struct bind_type *type = oci_runtime_resources_type ();
  struct oci_linux_resources *r = NULL;
  const char *file = NULL, *id;
  int c, ret = -1;

  r = calloc (1, sizeof *r);
  if (r == NULL)
    return oci_error_set (err, ENOMEM, "update");
  if (cli_getopt_start (&p, update_options, CLI_STYLE_GO, argc, argv, err) < 0)
    goto out;
  while ((c = cli_getopt_next (&p)) != -1)
    {
      if (c == 'r')
        file = optarg;
      else if (update_option (r, c, argv[optind - 1], err) < 0)
        goto out;
    }
  if (cli_container_id (argc, argv, "update [options] <container-id>", &id, err) < 0)
    goto out;
  /* runc: with --resources, the other flags are ignored */
  if (file && read_resources (file, &r, err) < 0)
    goto out;
  ret = rl_update (g, id, r, err);
out:
  bind_free (type, r);
  return ret;
}
