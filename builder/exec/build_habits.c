/* docker build's habits in the executor: the options' parsers (--pull,
 * --format, --ulimit, --add-host, K=V), --label over the image's Labels,
 * the warning for a --build-arg no ARG takes, FROM shown expanded, and
 * RUN's --ulimit, --shm-size and --add-host in its config.json. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cleanup.h"
#include "common/strbuf.h"
#include "exec/build_internal.h"

int
bld_pull_parse (const char *s, enum bld_pull *out, struct oci_error *err)
{
  /* bare --pull (and buildah's --pull=true) is always; false, missing */
  if (s == NULL || strcmp (s, "always") == 0 || strcmp (s, "true") == 0)
    *out = BLD_PULL_ALWAYS;
  else if (strcmp (s, "missing") == 0 || strcmp (s, "false") == 0)
    *out = BLD_PULL_MISSING;
  else if (strcmp (s, "never") == 0)
    *out = BLD_PULL_NEVER;
  else
    return oci_error_set (err, 0, "build: --pull=%s: want always, missing or never", s);
  return 0;
}

int
bld_format_parse (const char *s, enum bld_image_format *out, struct oci_error *err)
{
  if (strcmp (s, "oci") == 0)
    *out = BLD_FORMAT_OCI;
  else if (strcmp (s, "docker") == 0)
    *out = BLD_FORMAT_DOCKER;
  else
    return oci_error_set (err, 0, "build: --format %s: want oci or docker", s);
  return 0;
}

static const struct
{
  const char *name;
  int resource;
} ulimit_names[] = {
  { "core", RLIMIT_CORE },         { "cpu", RLIMIT_CPU },
  { "data", RLIMIT_DATA },         { "fsize", RLIMIT_FSIZE },
  { "locks", RLIMIT_LOCKS },       { "memlock", RLIMIT_MEMLOCK },
  { "msgqueue", RLIMIT_MSGQUEUE }, { "nice", RLIMIT_NICE },
  { "nofile", RLIMIT_NOFILE },     { "nproc", RLIMIT_NPROC },
  { "rss", RLIMIT_RSS },           { "rtprio", RLIMIT_RTPRIO },
  { "rttime", RLIMIT_RTTIME },     { "sigpending", RLIMIT_SIGPENDING },
  { "stack", RLIMIT_STACK },
};
#define N_ULIMITS (sizeof ulimit_names / sizeof ulimit_names[0])

static int
ulimit_value (const char *s, size_t len, int64_t *out)
{
  char *end;
  if (len == 2 && strncmp (s, "-1", 2) == 0)
    {
      *out = -1;
      return 0;
    }
  if (len == 0 || s[0] < '0' || s[0] > '9')
    return -1;
  errno = 0;
  unsigned long long v = strtoull (s, &end, 10);
  if (errno || (size_t) (end - s) != len || v > INT64_MAX)
    return -1;
  *out = (int64_t) v;
  return 0;
}

int
bld_ulimit_parse (const char *spec, int *resource, int64_t *soft, int64_t *hard, struct oci_error *err)
{
  const char *eq = strchr (spec, '='), *v, *colon;
  size_t i;
  if (eq == NULL)
    return oci_error_set (err, 0, "build: --ulimit %s: want NAME=SOFT[:HARD]", spec);
  for (i = 0; i < N_ULIMITS; i++)
    if (strlen (ulimit_names[i].name) == (size_t) (eq - spec) && strncmp (spec, ulimit_names[i].name, eq - spec) == 0)
      break;
  if (i == N_ULIMITS)
    return oci_error_set (err, 0, "build: --ulimit %s: unknown limit \"%.*s\"", spec, (int) (eq - spec), spec);
  *resource = ulimit_names[i].resource;
  v = eq + 1;
  colon = strchr (v, ':');
  if (ulimit_value (v, colon ? (size_t) (colon - v) : strlen (v), soft) < 0
      || ulimit_value (colon ? colon + 1 : v, strlen (colon ? colon + 1 : v), hard) < 0)
    return oci_error_set (err, 0, "build: --ulimit %s: the limits are numbers (or -1, unlimited)", spec);
  if (*hard != -1 && (*soft == -1 || *soft > *hard))
    return oci_error_set (err, 0, "build: --ulimit %s: the soft limit is above the hard one", spec);
  return 0;
}

int
bld_add_host_check (const char *spec, struct oci_error *err)
{
  const char *colon = strchr (spec, ':');
  if (colon == NULL || colon == spec || colon[1] == '\0' || strpbrk (spec, " \t\n#") != NULL)
    return oci_error_set (err, 0, "build: --add-host %s: want HOST:IP", spec);
  return 0;
}

int
bld_key_value_check (const char *option, const char *spec, struct oci_error *err)
{
  const char *eq = strchr (spec, '=');
  if (eq == NULL || eq == spec)
    return oci_error_set (err, 0, "build: %s %s: want KEY=VALUE", option, spec);
  return 0;
}

/* ---- in the build ---- */

int
build_apply_labels (struct build *b, struct stage_st *s, struct oci_error *err)
{
  struct oci_image_exec_config *c = stage_exec_cfg (s);
  if (c == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < b->o->labels_len; i++)
    {
      const char *kv = b->o->labels[i];
      cleanup_free char *k = strndup (kv, strcspn (kv, "="));
      if (k == NULL)
        return oci_error_set (err, ENOMEM, "out of memory");
      if (stage_label_set (s, &c->labels, k, kv + strlen (k) + 1, err) < 0)
        return -1;
    }
  return 0;
}

/* A --build-arg that names no ARG of the stages built (nor a global ARG,
 * nor one of the predefined proxy ARGs): docker's warning. */
void
build_warn_unused_args (struct build *b)
{
  static const char *const predefined[] = { "HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "FTP_PROXY",
                                            "ftp_proxy",  "NO_PROXY",   "no_proxy",    "ALL_PROXY",   "all_proxy" };
  cleanup_strbuf struct strbuf sb = STRBUF_INIT;
  const struct recipe_plan *p = b->plan;
  if (b->o->warn == NULL)
    return;
  for (size_t i = 0; i < b->o->build_args_len; i++)
    {
      const char *a = b->o->build_args[i];
      size_t n = strcspn (a, "=");
      bool used = false;
      for (size_t k = 0; !used && k < sizeof predefined / sizeof predefined[0]; k++)
        used = strlen (predefined[k]) == n && strncmp (predefined[k], a, n) == 0;
      for (size_t k = 0; !used && k < p->global_args.len; k++)
        used = strlen (p->global_args.v[k].key) == n && strncmp (p->global_args.v[k].key, a, n) == 0;
      for (size_t k = 0; !used && k < p->order_len; k++)
        for (size_t j = p->stages[p->order[k]].first; !used && j < p->stages[p->order[k]].end; j++)
          {
            const struct recipe_instruction *in = &b->r->v[j];
            for (size_t m = 0; in->kind == RECIPE_ARG && !used && m < in->kvs.len; m++)
              used = strlen (in->kvs.v[m].key) == n && strncmp (in->kvs.v[m].key, a, n) == 0;
          }
      if (used)
        continue;
      strbuf_adds (&sb, sb.len ? " " : "");
      strbuf_add (&sb, a, n);
    }
  if (sb.len && !sb.failed)
    fprintf (b->o->warn, "[Warning] One or more build-args [%s] were not consumed\n", sb.s);
}

/* FROM as the progress shows it: the image as expanded (FROM ${BASE}). */
char *
build_from_text (struct build *b, size_t si, const struct recipe_instruction *in)
{
  const struct recipe_stage *rs = &b->plan->stages[si];
  struct strbuf sb = STRBUF_INIT;
  if (in->from.image.text && strcmp (in->from.image.text, rs->base) == 0)
    return strdup (in->args); /* nothing expanded: as written */
  if (rs->platform)
    {
      strbuf_adds (&sb, "--platform=");
      strbuf_adds (&sb, rs->platform);
      strbuf_addc (&sb, ' ');
    }
  strbuf_adds (&sb, rs->base);
  if (in->from.stage_name)
    {
      strbuf_adds (&sb, " AS ");
      strbuf_adds (&sb, in->from.stage_name);
    }
  return strbuf_steal (&sb);
}
