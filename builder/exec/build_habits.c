/* docker build's habits in the executor: the options' parsers (--pull,
 * --format, --ulimit, --add-host, K=V), --label over the image's Labels,
 * the warning for a --build-arg no ARG takes, FROM shown expanded, and
 * RUN's --ulimit and --shm-size in its config.json, --add-host in its hosts. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"
#include "runtime.h"
#include "common/strbuf.h"
#include "distribution/reference.h"
#include "distribution/registry.h"
#include "exec/build_internal.h"
#include "image/layer_write.h"
#include "image/store.h"

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

/* ---- RUN's config.json ---- */

static int
run_rlimits (struct oci_process *p, char **ulimits, size_t n, struct oci_error *err)
{
  for (size_t i = 0; i < n; i++)
    {
      int res;
      int64_t soft, hard;
      size_t k, len = strcspn (ulimits[i], "=");
      cleanup_free char *type = NULL;
      if (bld_ulimit_parse (ulimits[i], &res, &soft, &hard, err) < 0)
        return -1;
      if (asprintf (&type, "RLIMIT_%.*s", (int) len, ulimits[i]) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      for (char *t = type; *t; t++)
        *t = (char) (*t >= 'a' && *t <= 'z' ? *t - 'a' + 'A' : *t);
      for (k = 0; k < p->rlimits_len && strcmp (p->rlimits[k].type, type) != 0; k++)
        ;
      if (k == p->rlimits_len)
        {
          struct oci_rlimit *nv = realloc (p->rlimits, (k + 1) * sizeof *nv);
          if (nv == NULL)
            return oci_error_set (err, ENOMEM, "out of memory");
          p->rlimits = nv;
          nv[k] = (struct oci_rlimit) { .type = steal_pointer (&type) };
          p->rlimits_len++;
        }
      p->rlimits[k].soft = soft < 0 ? UINT64_MAX : (uint64_t) soft;
      p->rlimits[k].hard = hard < 0 ? UINT64_MAX : (uint64_t) hard;
      p->rlimits[k].has_soft = p->rlimits[k].has_hard = true;
    }
  return 0;
}

/* /dev/shm's size= option. */
static int
run_shm_size (struct oci_runtime_config *c, int64_t size, struct oci_error *err)
{
  for (size_t i = 0; i < c->mounts_len; i++)
    {
      struct oci_mount *m = &c->mounts[i];
      char *opt = NULL;
      size_t k;
      if (strcmp (m->destination, "/dev/shm") != 0)
        continue;
      if (asprintf (&opt, "size=%lldk", (long long) ((size + 1023) / 1024)) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      for (k = 0; k < m->options_len && strncmp (m->options[k], "size=", 5) != 0; k++)
        ;
      if (k == m->options_len)
        {
          char **nv = realloc (m->options, (k + 2) * sizeof *nv);
          if (nv == NULL)
            {
              free (opt);
              return oci_error_set (err, ENOMEM, "out of memory");
            }
          m->options = nv;
          nv[k + 1] = NULL;
          m->options_len++;
        }
      else
        free (m->options[k]);
      m->options[k] = opt;
    }
  return 0;
}

int
bld_run_config_habits (struct oci_runtime_config *c, const struct bld_run_request *r, struct oci_error *err)
{
  if (c->process && run_rlimits (c->process, r->ulimits, r->ulimits_len, err) < 0)
    return -1;
  if (r->shm_size > 0 && run_shm_size (c, r->shm_size, err) < 0)
    return -1;
  return 0;
}

/* --add-host's lines after the hosts file's own (docker's order). */
int
build_hosts_append (const char *path, char **add_hosts, size_t n, struct oci_error *err)
{
  cleanup_strbuf struct strbuf sb = STRBUF_INIT;
  if (n == 0)
    return 0;
  for (size_t i = 0; i < n; i++)
    {
      const char *h = add_hosts[i], *colon = strchr (h, ':');
      strbuf_adds (&sb, colon + 1);
      strbuf_addc (&sb, '\t');
      strbuf_add (&sb, h, (size_t) (colon - h));
      strbuf_addc (&sb, '\n');
    }
  if (sb.failed)
    return oci_error_set (err, ENOMEM, "out of memory");
  cleanup_close int fd = open (path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0 || oci_write_all (fd, sb.s, sb.len) < 0)
    return oci_error_set (err, errno, "--add-host: write %s", path);
  return 0;
}

void
build_run_key_habits (struct build *b, struct strbuf *key)
{
  const struct bld_build_options *o = b->o;
  for (size_t i = 0; i < o->add_hosts_len; i++)
    {
      strbuf_adds (key, "\nadd-host=");
      strbuf_adds (key, o->add_hosts[i]);
    }
  for (size_t i = 0; i < o->ulimits_len; i++)
    {
      strbuf_adds (key, "\nulimit=");
      strbuf_adds (key, o->ulimits[i]);
    }
  if (o->shm_size > 0)
    {
      char n[32];
      snprintf (n, sizeof n, "\nshm-size=%lld", (long long) o->shm_size);
      strbuf_adds (key, n);
    }
}

/* ---- --pull: FROM's image from its source ---- */

/* A registry on this machine speaks plain HTTP here (as docker's
 * insecure-registries default for 127.0.0.0/8). */
static bool
loopback_host (const char *ref)
{
  return strncmp (ref, "localhost", 9) == 0 || strncmp (ref, "127.", 4) == 0 || strncmp (ref, "[::1]", 5) == 0;
}

int
build_pull_base (struct build *b, const char *ref, struct oci_error *err)
{
  cleanup_image_descriptor struct oci_image_descriptor *desc = NULL;
  cleanup_free char *digest = NULL;
  struct oci_error e = OCI_ERROR_INIT;
  bool present = bld_store_resolve (b->store, ref, &desc, &e) == 0;
  /* Only a name with a registry host has a source to pull from. */
  bool source = bld_ref_has_host (ref);
  oci_error_clear (&e);
  if (b->o->pull == BLD_PULL_NEVER && !present)
    return oci_error_set (err, 0, "%s is not in the store, and --pull=never takes it from nowhere else", ref);
  if (!source || b->o->pull == BLD_PULL_NEVER || (b->o->pull == BLD_PULL_MISSING && present))
    return 0;
  struct reg_options o = { .tls_verify = !loopback_host (ref) };
  /* a line of the FROM step's output */
  fprintf (b->o->out, "[%zu/%zu] | pulling %s\n", b->step, b->nsteps, ref);
  fflush (b->o->out);
  if (reg_pull (b->store, ref, NULL, &o, NULL, NULL, &digest, err) < 0)
    return oci_error_prefix (err, "pull");
  return 0;
}

/* ---- --format docker ---- */

/* The Docker media type of a layer's (NULL: it has none, zstd); static
 * storage, for the descriptors' char *. */
static char *
docker_layer_type (const char *oci)
{
  static char gzip[] = DOCKER_MEDIA_TYPE_LAYER_GZIP, tar[] = DOCKER_MEDIA_TYPE_LAYER,
              foreign[] = DOCKER_MEDIA_TYPE_LAYER_FOREIGN_GZIP;
  if (strcmp (oci, OCI_MEDIA_TYPE_IMAGE_LAYER_GZIP) == 0 || strcmp (oci, gzip) == 0)
    return gzip;
  if (strcmp (oci, OCI_MEDIA_TYPE_IMAGE_LAYER) == 0 || strcmp (oci, tar) == 0)
    return tar;
  if (strcmp (oci, OCI_MEDIA_TYPE_IMAGE_LAYER_NONDISTRIBUTABLE_GZIP) == 0 || strcmp (oci, foreign) == 0)
    return foreign;
  return NULL;
}

/* The image's layers as --format wants them: *out NULL for oci (use
 * s->layers), else a copy with Docker's media types (the store writes
 * the manifest and config as Docker's too). */
int
build_format_layers (struct build *b, struct stage_st *s, struct oci_image_descriptor **out, struct oci_error *err)
{
  *out = NULL;
  bld_store_set_docker_format (b->store, b->o->format == BLD_FORMAT_DOCKER);
  if (b->o->format != BLD_FORMAT_DOCKER)
    return 0;
  struct oci_image_descriptor *v = calloc (s->n_layers + 1, sizeof *v);
  if (v == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < s->n_layers; i++)
    {
      char *t = docker_layer_type (s->layers[i].media_type);
      if (t == NULL)
        {
          free (v);
          return oci_error_set (err, 0, "--format docker: layer %s is %s, which Docker's manifest has no type for",
                                s->layers[i].digest, s->layers[i].media_type);
        }
      /* A shallow copy: the strings stay the stage's. */
      v[i] = s->layers[i];
      v[i].media_type = t;
    }
  *out = v;
  return 0;
}

/* ---- --build-context NAME=DIR ---- */

const char *
build_context_dir (const struct build *b, const char *name)
{
  size_t n = strlen (name);
  const char *found = NULL;
  for (size_t i = 0; i < b->o->build_contexts_len; i++)
    if (strncmp (b->o->build_contexts[i], name, n) == 0 && b->o->build_contexts[i][n] == '=')
      found = b->o->build_contexts[i] + n + 1; /* the last one given wins */
  return found;
}

int
build_context_root (struct stage_st *s, const char *name, const char *dir, struct oci_error *err)
{
  struct stat st;
  if (stat (dir, &st) < 0)
    return oci_error_set (err, errno, "--build-context %s=%s", name, dir);
  if (!S_ISDIR (st.st_mode))
    return oci_error_set (err, ENOTDIR, "--build-context %s=%s", name, dir);
  if ((s->rootfs = realpath (dir, NULL)) == NULL)
    return oci_error_set (err, errno, "--build-context %s=%s", name, dir);
  return 0;
}

/* FROM NAME: the directory as the stage's one layer (over an empty
 * config, as FROM scratch). */
int
build_context_base (struct build *b, struct stage_st *s, const char *name, const char *dir, struct oci_error *err)
{
  struct bld_layer_write_options lo = { .compression = b->o->compression };
  struct bld_layer_result res;
  cleanup_image_descriptor struct oci_image_descriptor *desc = NULL;
  cleanup_free char *path = NULL, *real = NULL;
  struct stage_st probe = { 0 };
  if (build_context_root (&probe, name, dir, err) < 0)
    return -1;
  real = probe.rootfs;
  if (b->o->has_timestamp)
    {
      lo.has_clamp_epoch = true;
      lo.clamp_epoch = b->o->timestamp;
    }
  if (bld_layer_write_to_store (b->store, real, &lo, &res, &desc, err) < 0
      || bld_store_blob_path (b->store, desc->digest, desc->size, false, &path, err) < 0
      || bld_layer_cache_ensure (b->layers_dir, path, desc->digest, res.diff_id, err) < 0)
    return oci_error_prefix (err, "--build-context %s=%s", name, dir);
  return stage_add_layer (b, s, desc->media_type, desc->digest, desc->size, res.diff_id, err);
}
