/* RUN --mount: cache, bind, tmpfs and secret mounts as config.json mounts
 * of the RUN bundle (standard bind/rbind/ro and tmpfs entries only, so any
 * OCI runtime takes them).  Mount points the rootfs lacked are made by us
 * before the run and removed after it, as BuildKit does, so that nothing
 * of a mount reaches the layer. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/build_ops.h"
#include "exec/build_mounts.h"
#include "cleanup.h"
#include "common/array.h"
#include "common/fs.h"
#include "common/strv.h"
#include "digest.h"
#include "fileutil.h"
#include "frontend/ignore.h"
#include "frontend/recipe_expand.h"
#include "image/store.h"

static int
push (char ***v, size_t *len, const char *s, struct oci_error *err)
{
  return cmn_strv_push (v, len, s) < 0 ? oci_error_set (err, ENOMEM, "out of memory") : 0;
}

static const char *const type_names[] = { "bind", "cache", "tmpfs", "secret", "ssh" };

/* The value of KEY in "k=v,k=v" (a --secret argument). */
static char *
secret_field (const char *spec, const char *key)
{
  size_t kl = strlen (key);
  for (const char *p = spec; p && *p;)
    {
      const char *end = strchr (p, ',');
      size_t n = end ? (size_t) (end - p) : strlen (p);
      if (n > kl && strncmp (p, key, kl) == 0 && p[kl] == '=')
        return strndup (p + kl + 1, n - kl - 1);
      p = end ? end + 1 : NULL;
    }
  return NULL;
}

/* The --secret argument for id; NULL when none. */
static const char *
secret_spec (const struct bld_mount_context *mc, const char *id)
{
  for (size_t i = mc->secrets_len; i-- > 0;)
    {
      cleanup_free char *sid = secret_field (mc->secrets[i], "id");
      if (sid && strcmp (sid, id) == 0)
        return mc->secrets[i];
    }
  return NULL;
}

/* The secret's value: from src=FILE (source=) or env=VAR. */
static int
secret_read (const char *spec, const char *id, char **text, size_t *len, struct oci_error *err)
{
  cleanup_free char *src = secret_field (spec, "src");
  cleanup_free char *source = secret_field (spec, "source");
  cleanup_free char *var = secret_field (spec, "env");
  if (src || source)
    {
      if (oci_read_file (src ? src : source, 500 * 1024, text, len, err) < 0)
        return oci_error_prefix (err, "secret %s", id);
      return 0;
    }
  const char *v = var ? getenv (var) : NULL;
  if (v == NULL)
    return oci_error_set (err, 0, "secret %s: the environment variable %s is not set", id, var ? var : "");
  *len = strlen (v);
  return (*text = strdup (v)) ? 0 : oci_error_set (err, ENOMEM, "out of memory");
}

/* The agent socket given with --ssh ID[=SOCKET]; NULL when none. */
static char *
ssh_source (const struct bld_mount_context *mc, const char *id)
{
  for (size_t i = mc->ssh_len; i-- > 0;)
    {
      const char *e = mc->ssh[i];
      size_t n = strcspn (e, "=");
      if (strlen (id) != n || strncmp (e, id, n) != 0)
        continue;
      if (e[n] == '=')
        return strdup (e + n + 1);
      const char *sock = getenv ("SSH_AUTH_SOCK");
      return sock && *sock ? strdup (sock) : NULL;
    }
  return NULL;
}

int
bld_secret_spec_check (const char *spec, struct oci_error *err)
{
  cleanup_free char *id = secret_field (spec, "id");
  cleanup_free char *src = secret_field (spec, "src");
  cleanup_free char *source = secret_field (spec, "source");
  cleanup_free char *var = secret_field (spec, "env");
  if (id == NULL || *id == '\0' || (src == NULL && source == NULL && var == NULL))
    return oci_error_set (err, 0, "--secret %s: want id=ID,src=FILE or id=ID,env=VARIABLE", spec);
  return 0;
}

static int
expand (const char *in, const struct bld_mount_context *mc, char **out, struct oci_error *err)
{
  *out = NULL;
  if (in == NULL)
    return 0;
  return recipe_expand_word (in, mc->escape, mc->lookup, mc->lookup_data, out, err);
}

/* An absolute, clean target (relative ones are under the working dir). */
static char *
abs_target (const char *cwd, const char *t)
{
  cleanup_free char *r = NULL;
  if (asprintf (&r, "%s/%s", t[0] == '/' ? "" : cwd, t) < 0)
    return NULL;
  return ignore_clean_path (r);
}

static void
spec_clear (struct bld_mount_spec *s)
{
  free (s->target);
  free (s->source);
  free (s->from);
  free (s->id);
  free (s->from_root);
}

int
bld_mounts_expand (const struct bld_mount_context *mc, const struct recipe_mount *m, size_t n, const char *cwd,
                   struct bld_mounts *ms, struct oci_error *err)
{
  size_t n_ssh = 0;
  ms->spec = calloc (n ? n : 1, sizeof *ms->spec);
  if (ms->spec == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    {
      struct bld_mount_spec *s = &ms->spec[i];
      cleanup_free char *t = NULL;
      ms->spec_len++;
      s->m = &m[i];
      if (expand (m[i].target, mc, &t, err) < 0 || expand (m[i].source, mc, &s->source, err) < 0
          || expand (m[i].from, mc, &s->from, err) < 0 || expand (m[i].id, mc, &s->id, err) < 0)
        return -1;
      if (m[i].type == RECIPE_MOUNT_SECRET)
        {
          if (s->id == NULL && t)
            {
              const char *slash = strrchr (t, '/');
              s->id = strdup (slash ? slash + 1 : t);
            }
          if (s->id == NULL || *s->id == '\0')
            return oci_error_set (err, 0, "--mount=type=secret needs id or target");
          if (t == NULL && m[i].env == NULL && asprintf (&t, "/run/secrets/%s", s->id) < 0)
            return oci_error_set (err, ENOMEM, "out of memory");
          if (secret_spec (mc, s->id) == NULL && m[i].required)
            return oci_error_set (err, 0,
                                  "--mount=type=secret: secret %s is required but was not given "
                                  "(--secret id=%s,src=FILE)",
                                  s->id, s->id);
        }
      if (m[i].type == RECIPE_MOUNT_SSH)
        {
          if (s->id == NULL && (s->id = strdup ("default")) == NULL)
            return oci_error_set (err, ENOMEM, "out of memory");
          if (t == NULL && asprintf (&t, "/run/buildkit/ssh_agent.%zu", n_ssh) < 0)
            return oci_error_set (err, ENOMEM, "out of memory");
          n_ssh++;
          cleanup_free char *sock = ssh_source (mc, s->id);
          if (sock == NULL && m[i].required)
            return oci_error_set (err, 0,
                                  "--mount=type=ssh: the SSH agent %s is required but was not given "
                                  "(--ssh %s[=SOCKET])",
                                  s->id, s->id);
        }
      if (t && (s->target = abs_target (cwd, t)) == NULL)
        return oci_error_set (err, ENOMEM, "out of memory");
      if (s->target && strcmp (s->target, "/") == 0)
        return oci_error_set (err, 0, "--mount=type=%s: the target cannot be /", type_names[m[i].type]);
      if (s->from)
        {
          if (mc->from_root (mc->from_data, s->from, &s->from_root, err) < 0)
            return -1;
        }
    }
  return 0;
}

/* The .dockerignore that applies to a bind source: the context's only
 * when it leaves something out. */
static const void *
context_ignore (const struct bld_mount_context *mc, const struct bld_mount_spec *s)
{
  if (s->from_root || mc->ignore == NULL || ignore_count ((const struct ignore *) mc->ignore) == 0)
    return NULL;
  return mc->ignore;
}

/* The bind source opened inside its root (the context or a rootfs). */
static int
bind_source_fd (const struct bld_mount_context *mc, const struct bld_mount_spec *s, struct oci_error *err)
{
  cleanup_close int root = -1;
  if (s->from_root)
    {
      root = open (s->from_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (root < 0)
        return oci_error_set (err, errno, "open %s", s->from_root);
    }
  else if ((root = dup (mc->ctxfd)) < 0)
    return oci_error_set (err, errno, "dup");
  struct oci_error e2 = OCI_ERROR_INIT;
  int fd = bld_open_in_root (root, s->source ? s->source : "/", O_PATH, &e2);
  if (fd < 0)
    {
      int e = e2.errnum;
      oci_error_clear (&e2);
      return oci_error_set (err, e, "--mount=type=bind,source=%s: not found in %s%s", s->source ? s->source : "",
                            s->from ? "the rootfs of " : "the build context", s->from ? s->from : "");
    }
  return fd;
}

int
bld_mounts_key (const struct bld_mount_context *mc, const struct bld_mounts *ms, struct strbuf *key,
                struct oci_error *err)
{
  for (size_t i = 0; i < ms->spec_len; i++)
    {
      const struct bld_mount_spec *s = &ms->spec[i];
      const struct recipe_mount *m = s->m;
      char line[160];
      snprintf (line, sizeof line, "\nmount %s %d %d %o %u %u %llu ", type_names[m->type], m->readonly,
                (int) m->sharing, (unsigned) m->mode, (unsigned) m->uid, (unsigned) m->gid,
                (unsigned long long) m->size);
      strbuf_adds (key, line);
      strbuf_adds (key, s->target ? s->target : "");
      strbuf_addc (key, ' ');
      strbuf_adds (key, s->id ? s->id : "");
      strbuf_addc (key, ' ');
      strbuf_adds (key, m->env ? m->env : "");
      if (m->type != RECIPE_MOUNT_BIND)
        continue;
      /* What is bound is an input of the step, like COPY's sources. */
      char sum[OCI_DIGEST_STRING_MAX];
      cleanup_close int root = -1;
      cleanup_close int src = bind_source_fd (mc, s, err);
      if (src < 0)
        return -1;
      if (s->from_root)
        root = open (s->from_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      else
        root = dup (mc->ctxfd);
      if (root < 0)
        return oci_error_set (err, errno, "open the bind source's root");
      char *srcs[] = { s->source ? s->source : (char *) ".", NULL };
      struct bld_copy_request req = {
        .src_root = root, .sources = srcs, .sources_len = 1, .dest = "/x/", .ignore = context_ignore (mc, s)
      };
      if (bld_copy_checksum (&req, sum, err) < 0)
        return oci_error_prefix (err, "--mount=type=bind,source=%s", srcs[0]);
      strbuf_addc (key, ' ');
      strbuf_adds (key, s->from ? s->from : "");
      strbuf_addc (key, ' ');
      strbuf_adds (key, sum);
    }
  return key->failed ? oci_error_set (err, ENOMEM, "out of memory") : 0;
}

/* Records the existing directory fd (path in the rootfs) as it is. */
static int
note_parent (struct bld_mounts *ms, int fd, const char *path, struct oci_error *err)
{
  struct stat st;
  if (fstat (fd, &st) < 0 || !S_ISDIR (st.st_mode))
    return 0;
  if (array_reserve (&ms->parents, ms->n_parents + 1, sizeof *ms->parents) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  struct bld_stub_parent *p = &ms->parents[ms->n_parents];
  if ((p->path = strdup (path)) == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  p->mode = st.st_mode;
  p->uid = st.st_uid;
  p->gid = st.st_gid;
  ms->n_parents++;
  return 0;
}

/* Creates the missing components of target in rootfd (the last one a
 * directory, or an empty file when file is set), recording each one made
 * so that bld_mounts_finish removes them. */
static int
make_stub (struct bld_mounts *ms, int rootfd, const char *target, bool file, struct oci_error *err)
{
  cleanup_free char *copy = strdup (target);
  if (copy == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  size_t len = strlen (copy);
  for (size_t i = 1; i <= len; i++)
    {
      if (copy[i] != '/' && copy[i] != '\0')
        continue;
      bool last = copy[i] == '\0' || copy[i + strspn (copy + i, "/")] == '\0';
      char saved = copy[i];
      copy[i] = '\0';
      struct oci_error e2 = OCI_ERROR_INIT;
      int fd = bld_open_in_root (rootfd, copy, O_PATH, &e2);
      if (fd >= 0)
        {
          int r = last ? 0 : note_parent (ms, fd, copy, err);
          close (fd);
          if (r < 0)
            return -1;
        }
      else if (e2.errnum == ENOENT)
        {
          char *slash = strrchr (copy, '/');
          cleanup_free char *parent = strndup (copy, (size_t) (slash - copy));
          cleanup_close int pfd = -1;
          if (parent == NULL)
            return oci_error_set (err, ENOMEM, "out of memory");
          if ((pfd = bld_open_in_root (rootfd, *parent ? parent : "/", O_RDONLY | O_DIRECTORY, err)) < 0)
            return -1;
          if (last && file)
            {
              int f = openat (pfd, slash + 1, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
              if (f < 0)
                return oci_error_set (err, errno, "create the mount point %s", copy);
              close (f);
            }
          else if (mkdirat (pfd, slash + 1, 0755) < 0)
            return oci_error_set (err, errno, "create the mount point %s", copy);
          if (push (&ms->stubs, &ms->n_stubs, copy, err) < 0)
            return -1;
        }
      oci_error_clear (&e2);
      copy[i] = saved;
      if (last)
        break;
    }
  return 0;
}

static int
add_mount (struct bld_mounts *ms, const char *type, const char *source, const char *dest, bool ro, const char *extra,
           struct oci_error *err)
{
  struct bld_run_mount *nv = realloc (ms->v, (ms->len + 1) * sizeof *nv);
  if (nv == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  ms->v = nv;
  struct bld_run_mount *r = &nv[ms->len++];
  memset (r, 0, sizeof *r);
  if ((r->type = strdup (type)) == NULL || (r->source = strdup (source)) == NULL
      || (r->destination = strdup (dest)) == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (strcmp (type, "bind") == 0 && push (&r->options, &r->options_len, "rbind", err) < 0)
    return -1;
  if (strcmp (type, "tmpfs") == 0
      && (push (&r->options, &r->options_len, "nosuid", err) < 0
          || push (&r->options, &r->options_len, "nodev", err) < 0))
    return -1;
  if (ro && push (&r->options, &r->options_len, "ro", err) < 0)
    return -1;
  if (extra && push (&r->options, &r->options_len, extra, err) < 0)
    return -1;
  return 0;
}

int
bld_mounts_add_bind (struct bld_mounts *ms, const char *source, const char *dest, bool ro, struct oci_error *err)
{
  return add_mount (ms, "bind", source, dest, ro, NULL, err);
}

int
bld_mounts_add_file (struct bld_mounts *ms, int rootfd, const char *source, const char *dest, struct oci_error *err)
{
  const char *slash = strrchr (dest, '/');
  cleanup_free char *parent = strndup (dest, (size_t) (slash - dest));
  struct stat st;
  if (parent == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  /* A symbolic link (a resolver's file elsewhere) is left as it is. */
  struct oci_error e2 = OCI_ERROR_INIT;
  cleanup_close int pfd = bld_open_in_root (rootfd, *parent ? parent : "/", O_RDONLY | O_DIRECTORY, &e2);
  oci_error_clear (&e2);
  if (pfd >= 0 && fstatat (pfd, slash + 1, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode))
    return 0;
  if (make_stub (ms, rootfd, dest, true, err) < 0)
    return -1;
  return add_mount (ms, "bind", source, dest, true, NULL, err);
}

/* from=[,source=]: a new cache starts as a copy of that directory. */
static int
seed_cache (const struct bld_mount_spec *s, const char *dir, struct oci_error *err)
{
  cleanup_close int root = open (s->from_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int dst = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0 || dst < 0)
    return oci_error_set (err, errno, "open %s", root < 0 ? s->from_root : dir);
  char *srcs[] = { s->source ? s->source : (char *) ".", NULL };
  struct bld_copy_request req = { .src_root = root, .sources = srcs, .sources_len = 1, .dest = "/" };
  if (bld_copy (dst, &req, err) < 0)
    {
      struct oci_error e2 = OCI_ERROR_INIT;
      bld_remove_tree (dir, &e2);
      oci_error_clear (&e2);
      return oci_error_prefix (err, "seed the cache from %s", s->from);
    }
  return 0;
}

/* The persistent directory of a cache mount, created on first use with
 * the mount's mode and owner; the lock per sharing mode. */
static int
cache_dir (const struct bld_mount_context *mc, struct bld_mounts *ms, const struct bld_mount_spec *s, char **out,
           struct oci_error *err)
{
  const struct recipe_mount *m = s->m;
  char d[OCI_DIGEST_STRING_MAX];
  const char *id = s->id ? s->id : s->target;
  cleanup_free char *base = NULL, *dir = NULL, *lock = NULL;
  if (oci_digest_buffer (id, strlen (id), d, err) < 0)
    return -1;
  if (bld_store_area_path (mc->store_dir, BLD_STORE_BUILDCACHE, &base, err) < 0
      || asprintf (&dir, "%s/%s", base, strchr (d, ':') + 1) < 0 || asprintf (&lock, "%s.lock", dir) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (mkdir (base, 0700) < 0 && errno != EEXIST)
    return oci_error_set (err, errno, "mkdir %s", base);
  /* The same cache mounted twice in this RUN: its lock is held already (a
   * second flock, on another open of the file, would wait for it). */
  for (size_t i = 0; i < ms->len; i++)
    if (strcmp (ms->v[i].source, dir) == 0)
      {
        *out = steal_pointer (&dir);
        return 0;
      }
  int lfd = open (lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lfd < 0)
    return oci_error_set (err, errno, "open %s", lock);
  int *nl = realloc (ms->locks, (ms->n_locks + 1) * sizeof *nl);
  if (nl == NULL)
    {
      close (lfd);
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  ms->locks = nl;
  ms->locks[ms->n_locks++] = lfd;
  int op = m->sharing == RECIPE_SHARING_LOCKED    ? LOCK_EX
           : m->sharing == RECIPE_SHARING_PRIVATE ? LOCK_EX | LOCK_NB
                                                  : LOCK_SH;
  int r;
  /* Another build may hold it for long: a signal ends the wait. */
  while ((r = flock (lfd, op)) < 0 && errno == EINTR)
    if (bld_check_interrupted (err) < 0)
      return -1;
  if (r < 0 && errno == EWOULDBLOCK)
    {
      /* private: in use elsewhere, this run gets a fresh directory. */
      free (dir);
      dir = NULL;
      if (asprintf (&dir, "%s/cache%zu", mc->work, ms->len) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
    }
  else if (r < 0)
    return oci_error_set (err, errno, "lock %s", lock);
  if (mkdir (dir, 0755) == 0)
    {
      if (s->from_root && seed_cache (s, dir, err) < 0)
        return -1;
      if (chown (dir, m->has_uid ? m->uid : 0, m->has_gid ? m->gid : 0) < 0
          || chmod (dir, m->has_mode ? m->mode : 0755) < 0)
        return oci_error_set (err, errno, "cache directory %s", dir);
    }
  else if (errno != EEXIST)
    return oci_error_set (err, errno, "mkdir %s", dir);
  *out = steal_pointer (&dir);
  return 0;
}

/* A copy of the secret in the private work dir, with the mount's mode
 * and owner; it is bound read-only and never touches the rootfs. */
static int
secret_file (const struct bld_mount_context *mc, struct bld_mounts *ms, const struct bld_mount_spec *s,
             const char *text, size_t len, char **out, struct oci_error *err)
{
  const struct recipe_mount *m = s->m;
  cleanup_free char *path = NULL;
  if (asprintf (&path, "%s/secret%zu", mc->work, ms->len) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  cleanup_close int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400);
  if (fd < 0 || oci_write_all (fd, text, len) < 0 || fchown (fd, m->has_uid ? m->uid : 0, m->has_gid ? m->gid : 0) < 0
      || fchmod (fd, m->has_mode ? m->mode : 0400) < 0)
    return oci_error_set (err, errno, "write the secret %s", s->id);
  *out = steal_pointer (&path);
  return 0;
}

/* A writable bind: the snapshotter's throw-away rootfs over the source,
 * so that writes reach neither the layer nor the source. */
static int
scratch_root (const struct bld_mount_context *mc, struct bld_mounts *ms, const char *src, char **out,
              struct oci_error *err)
{
  cleanup_free char *dir = NULL;
  struct bld_snapshot *s;
  if (asprintf (&dir, "%s/bind%zu", mc->work, ms->len) < 0
      || array_reserve (&ms->scratch, ms->n_scratch + 1, sizeof *ms->scratch) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (bld_snapshot_scratch (mc->snapshotter, src, dir, &s, err) < 0)
    return -1;
  ms->scratch[ms->n_scratch++] = s;
  if ((*out = strdup (s->root)) == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  return 0;
}

/* A private copy of the bind source (through COPY's walk, .dockerignore
 * applied for the context) at *out. */
static int
copy_source (const struct bld_mount_context *mc, struct bld_mounts *ms, const struct bld_mount_spec *s, bool is_dir,
             char **out, struct oci_error *err)
{
  cleanup_close int root = s->from_root ? open (s->from_root, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : dup (mc->ctxfd);
  cleanup_close int dst = -1;
  cleanup_free char *dir = NULL, *leaf = NULL;
  char *srcs[] = { s->source ? s->source : (char *) ".", NULL };
  struct bld_copy_request req = {
    .src_root = root, .sources = srcs, .sources_len = 1, .ignore = context_ignore (mc, s)
  };
  if (asprintf (&dir, "%s/bindcopy%zu", mc->work, ms->len) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (root < 0 || mkdir (dir, 0755) < 0 || (dst = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return oci_error_set (err, errno, "mkdir %s", dir);
  if (!is_dir)
    {
      const char *slash = strrchr (srcs[0], '/');
      if ((leaf = strdup (slash ? slash + 1 : srcs[0])) == NULL)
        return oci_error_set (err, ENOMEM, "out of memory");
    }
  req.dest = is_dir ? "/" : leaf;
  if (bld_copy (dst, &req, err) < 0)
    return oci_error_prefix (err, "copy the bind source %s", srcs[0]);
  if (is_dir)
    {
      *out = steal_pointer (&dir);
      return 0;
    }
  if (asprintf (out, "%s/%s", dir, leaf) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  return 0;
}

static int
bind_mount (const struct bld_mount_context *mc, struct bld_mounts *ms, const struct bld_mount_spec *s, int rootfd,
            struct oci_error *err)
{
  cleanup_close int fd = bind_source_fd (mc, s, err);
  cleanup_free char *fdpath = NULL, *real = NULL, *src = NULL;
  struct stat st;
  if (fd < 0)
    return -1;
  /* The host path of what the source resolved to inside its root: the
   * runtime, another process, mounts it by name. */
  if (asprintf (&fdpath, "/proc/self/fd/%d", fd) < 0 || (real = realpath (fdpath, NULL)) == NULL)
    return oci_error_set (err, errno, "resolve the bind source %s", s->source ? s->source : "/");
  if (fstat (fd, &st) < 0)
    return oci_error_set (err, errno, "stat %s", real);
  bool is_dir = S_ISDIR (st.st_mode);
  /* The context as the build sees it (without what .dockerignore leaves
   * out) and a writable file are copies; a writable directory gets a
   * throw-away rootfs.  Writes reach neither the layer nor the source. */
  if (context_ignore (mc, s) || (!s->m->readonly && !is_dir))
    {
      if (copy_source (mc, ms, s, is_dir, &src, err) < 0)
        return -1;
    }
  else if (!s->m->readonly && scratch_root (mc, ms, real, &src, err) < 0)
    return -1;
  if (make_stub (ms, rootfd, s->target, !is_dir, err) < 0)
    return -1;
  return add_mount (ms, "bind", src ? src : real, s->target, s->m->readonly, NULL, err);
}

int
bld_mounts_prepare (const struct bld_mount_context *mc, struct bld_mounts *ms, int rootfd, char ***env,
                    size_t *env_len, struct oci_error *err)
{
  for (size_t i = 0; i < ms->spec_len; i++)
    {
      const struct bld_mount_spec *s = &ms->spec[i];
      const struct recipe_mount *m = s->m;
      const char *tn = type_names[m->type];
      int r = 0;
      switch (m->type)
        {
        case RECIPE_MOUNT_CACHE:
          {
            cleanup_free char *dir = NULL;
            r = cache_dir (mc, ms, s, &dir, err) < 0 || make_stub (ms, rootfd, s->target, false, err) < 0
                        || add_mount (ms, "bind", dir, s->target, m->readonly, NULL, err) < 0
                    ? -1
                    : 0;
            break;
          }
        case RECIPE_MOUNT_BIND:
          r = bind_mount (mc, ms, s, rootfd, err);
          break;
        case RECIPE_MOUNT_TMPFS:
          {
            char size[48] = "";
            if (m->has_size)
              snprintf (size, sizeof size, "size=%llu", (unsigned long long) m->size);
            r = make_stub (ms, rootfd, s->target, false, err) < 0
                        || add_mount (ms, "tmpfs", "tmpfs", s->target, false, *size ? size : NULL, err) < 0
                    ? -1
                    : 0;
            break;
          }
        case RECIPE_MOUNT_SECRET:
          {
            const char *spec = secret_spec (mc, s->id);
            cleanup_free char *text = NULL, *file = NULL;
            size_t len;
            if (spec == NULL)
              break;
            if (secret_read (spec, s->id, &text, &len, err) < 0)
              return -1;
            if (m->env)
              {
                cleanup_free char *kv = NULL;
                if (asprintf (&kv, "%s=%s", m->env, text) < 0)
                  return oci_error_set (err, ENOMEM, "out of memory");
                if (push (env, env_len, kv, err) < 0)
                  return -1;
              }
            if (s->target == NULL)
              break;
            r = secret_file (mc, ms, s, text, len, &file, err) < 0 || make_stub (ms, rootfd, s->target, true, err) < 0
                        || add_mount (ms, "bind", file, s->target, true, NULL, err) < 0
                    ? -1
                    : 0;
            break;
          }
        case RECIPE_MOUNT_SSH:
          {
            /* The agent's socket itself (mode, uid and gid are the
             * host's: there is no proxy socket of our own). */
            cleanup_free char *sock = ssh_source (mc, s->id), *kv = NULL;
            bool have = false;
            if (sock == NULL)
              break;
            for (size_t k = 0; k < *env_len; k++)
              have |= strncmp ((*env)[k], "SSH_AUTH_SOCK=", 14) == 0;
            if (!have && asprintf (&kv, "SSH_AUTH_SOCK=%s", s->target) < 0)
              return oci_error_set (err, ENOMEM, "out of memory");
            if (!have && push (env, env_len, kv, err) < 0)
              return -1;
            r = make_stub (ms, rootfd, s->target, true, err) < 0
                        || add_mount (ms, "bind", sock, s->target, false, NULL, err) < 0
                    ? -1
                    : 0;
            break;
          }
        }
      if (r < 0)
        return oci_error_prefix (err, "--mount=type=%s,target=%s", tn, s->target ? s->target : "");
    }
  return 0;
}

int
bld_mounts_finish (struct bld_mounts *ms, int rootfd, struct oci_error *err)
{
  /* Deepest first; a stub the command filled is not ours to remove. */
  for (size_t i = ms->n_stubs; i-- > 0;)
    {
      const char *p = ms->stubs[i];
      const char *slash = strrchr (p, '/');
      cleanup_free char *parent = strndup (p, (size_t) (slash - p));
      if (parent == NULL)
        return oci_error_set (err, ENOMEM, "out of memory");
      struct oci_error e2 = OCI_ERROR_INIT;
      cleanup_close int pfd = bld_open_in_root (rootfd, *parent ? parent : "/", O_RDONLY | O_DIRECTORY, &e2);
      oci_error_clear (&e2);
      if (pfd < 0)
        continue;
      struct stat st;
      if (fstatat (pfd, slash + 1, &st, AT_SYMLINK_NOFOLLOW) < 0)
        continue;
      if (S_ISDIR (st.st_mode))
        unlinkat (pfd, slash + 1, AT_REMOVEDIR);
      else if (S_ISREG (st.st_mode) && st.st_size == 0)
        unlinkat (pfd, slash + 1, 0);
    }
  return 0;
}

static size_t
depth (const char *path)
{
  size_t n = 0;
  for (; *path; path++)
    n += *path == '/';
  return n;
}

static int
deeper_first (const void *a, const void *b)
{
  size_t da = depth (((const struct bld_stub_parent *) a)->path);
  size_t db = depth (((const struct bld_stub_parent *) b)->path);
  return da < db ? 1 : da > db ? -1 : 0;
}

/* Whether the upper dir's directory path holds an xattr of its own (a
 * user's, or overlayfs's opaque marker). */
static bool
has_own_xattrs (const char *path)
{
  cleanup_free char *names = NULL;
  size_t len = 0;
  if (cmn_llistxattr (path, &names, &len) < 0)
    return true;
  for (size_t off = 0; off < len; off += strlen (names + off) + 1)
    if (!cmn_xattr_is_overlay (names + off) || strstr (names + off, ".overlay.opaque") != NULL)
      return true;
  return false;
}

void
bld_mounts_forget_copy_ups (struct bld_mounts *ms, const char *upper)
{
  if (ms->n_parents == 0)
    return;
  qsort (ms->parents, ms->n_parents, sizeof *ms->parents, deeper_first);
  for (size_t i = 0; i < ms->n_parents; i++)
    {
      const struct bld_stub_parent *p = &ms->parents[i];
      cleanup_free char *path = NULL;
      struct stat st;
      if (asprintf (&path, "%s%s", upper, p->path) < 0)
        {
          path = NULL;
          continue;
        }
      if (lstat (path, &st) < 0 || !S_ISDIR (st.st_mode) || st.st_mode != p->mode || st.st_uid != p->uid
          || st.st_gid != p->gid || has_own_xattrs (path))
        continue;
      rmdir (path); /* not when the step left anything in it */
    }
}

void
bld_mounts_clear (struct bld_mounts *ms)
{
  for (size_t i = 0; i < ms->n_scratch; i++)
    bld_snapshot_cleanup (ms->scratch[i]);
  free (ms->scratch);
  for (size_t i = 0; i < ms->n_locks; i++)
    close (ms->locks[i]);
  free (ms->locks);
  for (size_t i = 0; i < ms->len; i++)
    {
      free (ms->v[i].type);
      free (ms->v[i].source);
      free (ms->v[i].destination);
      cmn_strv_clear (&ms->v[i].options, &ms->v[i].options_len);
    }
  free (ms->v);
  cmn_strv_clear (&ms->stubs, &ms->n_stubs);
  for (size_t i = 0; i < ms->n_parents; i++)
    free (ms->parents[i].path);
  free (ms->parents);
  for (size_t i = 0; i < ms->spec_len; i++)
    spec_clear (&ms->spec[i]);
  free (ms->spec);
  memset (ms, 0, sizeof *ms);
}
