/* update: new linux.resources for a running container, from --resources
 * (a JSON file, or "-" for stdin) or from runc's individual flags. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
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

int
cmd_update (struct rl_global *g, int argc, char **argv, struct oci_error *err)
{
  enum { OPT_BLKIO = 256, OPT_CPU_PERIOD, OPT_CPU_QUOTA, OPT_CPU_SHARE, OPT_RT_PERIOD, OPT_RT_RUNTIME,
         OPT_CPUS, OPT_MEMS, OPT_MEMORY, OPT_MEMRES, OPT_SWAP, OPT_PIDS, OPT_L3, OPT_MEMBW };
  static const struct option options[] = {
    { "resources", required_argument, NULL, 'r' },
    { "blkio-weight", required_argument, NULL, OPT_BLKIO },
    { "cpu-period", required_argument, NULL, OPT_CPU_PERIOD },
    { "cpu-quota", required_argument, NULL, OPT_CPU_QUOTA },
    { "cpu-share", required_argument, NULL, OPT_CPU_SHARE },
    { "cpu-rt-period", required_argument, NULL, OPT_RT_PERIOD },
    { "cpu-rt-runtime", required_argument, NULL, OPT_RT_RUNTIME },
    { "cpuset-cpus", required_argument, NULL, OPT_CPUS },
    { "cpuset-mems", required_argument, NULL, OPT_MEMS },
    { "memory", required_argument, NULL, OPT_MEMORY },
    { "memory-reservation", required_argument, NULL, OPT_MEMRES },
    { "memory-swap", required_argument, NULL, OPT_SWAP },
    { "pids-limit", required_argument, NULL, OPT_PIDS },
    { "l3-cache-schema", required_argument, NULL, OPT_L3 },
    { "mem-bw-schema", required_argument, NULL, OPT_MEMBW },
    { NULL, 0, NULL, 0 },
  };
  const struct bind_type *type = oci_runtime_resources_type ();
  struct oci_linux_resources *r = NULL;
  const char *file = NULL, *id;
  int c, ret = -1;
  int64_t v;

  r = calloc (1, sizeof *r);
  if (r == NULL)
    return oci_error_set (err, ENOMEM, "update");
  optind = 0;
  opterr = 0;
  if (cli_check_long_options (argc, argv, options, err) < 0)
    goto out;
  while ((c = getopt_long_only (argc, argv, "+r:", options, NULL)) != -1)
    {
      const char *name = NULL;
      for (const struct option *o = options; o->name; o++)
        if (o->val == c)
          name = o->name;
      switch (c)
        {
        case 'r':
          file = optarg;
          break;
        case OPT_MEMORY:
        case OPT_MEMRES:
        case OPT_SWAP:
          if (parse_size (name, optarg, &v, err) < 0 || memory_of (r) == NULL)
            goto out;
          if (c == OPT_MEMORY)
            r->memory->limit = v, r->memory->has_limit = true;
          else if (c == OPT_MEMRES)
            r->memory->reservation = v, r->memory->has_reservation = true;
          else
            r->memory->swap = v, r->memory->has_swap = true;
          break;
        case OPT_CPU_PERIOD:
        case OPT_CPU_QUOTA:
        case OPT_CPU_SHARE:
        case OPT_RT_PERIOD:
        case OPT_RT_RUNTIME:
          if (parse_number (name, optarg, c == OPT_CPU_QUOTA || c == OPT_RT_RUNTIME, &v, err) < 0
              || cpu_of (r) == NULL)
            goto out;
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
          break;
        case OPT_CPUS:
        case OPT_MEMS:
          if (cpu_of (r) == NULL)
            goto out;
          if (c == OPT_CPUS)
            {
              free (r->cpu->cpus);
              r->cpu->cpus = strdup (optarg);
            }
          else
            {
              free (r->cpu->mems);
              r->cpu->mems = strdup (optarg);
            }
          break;
        case OPT_PIDS:
          if (parse_number (name, optarg, true, &v, err) < 0)
            goto out;
          if (r->pids == NULL && (r->pids = calloc (1, sizeof *r->pids)) == NULL)
            goto oom;
          r->pids->limit = v;
          r->pids->has_limit = true;
          break;
        case OPT_BLKIO:
          if (parse_number (name, optarg, false, &v, err) < 0)
            goto out;
          if (v < 10 || v > 1000)
            {
              oci_error_set (err, 0, "update: --blkio-weight: expected 10 to 1000, got %s", optarg);
              goto out;
            }
          if (r->block_io == NULL && (r->block_io = calloc (1, sizeof *r->block_io)) == NULL)
            goto oom;
          r->block_io->weight = (uint16_t) v;
          r->block_io->has_weight = true;
          break;
        case OPT_L3:
        case OPT_MEMBW:
          oci_error_set (err, 0, "update: --%s: Intel RDT is not supported by this runtime", name);
          goto out;
        default:
          oci_error_set (err, 0, "update: unknown or incomplete option \"%s\"", argv[optind - 1]);
          goto out;
        }
    }
  if (cli_container_id (argc, argv, "update [options] <container-id>", &id, err) < 0)
    goto out;
  if (file)
    {
      /* runc: with --resources, the other flags are ignored */
      cleanup_free char *text = NULL;
      void *doc = NULL;
      size_t len;
      int rr = strcmp (file, "-") == 0 ? oci_read_fd (0, "stdin", OCI_JSON_FILE_MAX, &text, &len, err)
                                       : oci_read_file (file, OCI_JSON_FILE_MAX, &text, &len, err);
      if (rr < 0
          || bind_parse_text (type, strcmp (file, "-") == 0 ? "resources (stdin)" : file, text, len, &doc, err) < 0)
        goto out;
      bind_free (type, r);
      r = doc;
    }
  ret = rl_update (g, id, r, err);
  goto out;
oom:
  oci_error_set (err, ENOMEM, "update");
out:
  bind_free (type, r);
  return ret;
}
