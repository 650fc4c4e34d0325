/* `builder run`'s containers: see runs.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"
#include "json.h"
#include "runtime.h"
#include "common/fs.h"
#include "common/root_path.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "exec/build_fs.h"
#include "exec/rootless.h"
#include "exec/runs.h"
#include "exec/runtime_driver.h"
#include "exec/runtime_path.h"

#define RUN_RECORD "run.json"
#define RUN_RECORD_MAX (256u * 1024)
/* rm -f: how long a killed container may take to exit, how often we look */
#define RUN_KILL_WAIT_MS 30000
#define RUN_KILL_POLL_MS 50

int
bld_run_new_id (char out[BLD_RUN_ID_LEN + 1], struct oci_error *err)
{
  unsigned char b[BLD_RUN_ID_LEN / 2];
  if (getrandom (b, sizeof b, 0) != (ssize_t) sizeof b)
    return oci_error_set (err, errno, "container id");
  for (size_t i = 0; i < sizeof b; i++)
    snprintf (out + 2 * i, 3, "%02x", b[i]);
  return 0;
}

/* Takes the lock of the bundle directory open on d (dir its path, for
 * the error): 1 when taken, 0 when another holds it (a running
 * container). */
static int
try_lock (int d, const char *dir, bool wait, struct oci_error *err)
{
  int r;
  while ((r = flock (d, wait ? LOCK_EX : LOCK_EX | LOCK_NB)) < 0 && errno == EINTR)
    ;
  if (r < 0)
    return errno == EWOULDBLOCK ? 0 : oci_error_set (err, errno, "lock %s", dir);
  return 1;
}

/* Opens dir and takes its lock (waiting for it with wait): 1 when taken
 * (*fd the holder), 0 when another holds it (a running container). */
static int
lock_bundle_how (const char *dir, bool wait, int *fd, struct oci_error *err)
{
  cleanup_close int d = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d < 0)
    return oci_error_set (err, errno, "open %s", dir);
  int r = try_lock (d, dir, wait, err);
  if (r > 0)
    *fd = steal_fd (&d);
  return r;
}

static int
lock_bundle (const char *dir, int *fd, struct oci_error *err)
{
  return lock_bundle_how (dir, false, fd, err);
}

int
bld_run_create (const char *rundir, const char *name, char **bundle, int *lock_fd, struct oci_error *err)
{
  cleanup_free char *dir = NULL;
  cleanup_close int fd = -1;
  struct stat st;

  if (mkdir (rundir, 0700) < 0 && errno != EEXIST)
    return oci_error_set (err, errno, "create %s", rundir);
  if (asprintf (&dir, "%s/%s", rundir, name) < 0)
    return oci_error_set (err, ENOMEM, "run");
  if (mkdir (dir, 0700) < 0)
    {
      if (errno == EEXIST)
        return oci_error_set (err, 0, "container %s: bundle %s already exists (builder rm %s removes it)", name, dir,
                              name);
      return oci_error_set (err, errno, "create %s", dir);
    }
  /* waits out a ps or prune looking at it */
  int r = lock_bundle_how (dir, true, &fd, err);
  if (r < 0)
    return -1;
  /* prune may have removed the empty directory before we locked it */
  if (r == 0 || fstat (fd, &st) < 0 || st.st_nlink == 0)
    return oci_error_set (err, 0, "container %s: bundle %s was removed while being made", name, dir);
  /* inherited by the runtime: the lock lasts as long as the container */
  if (fcntl (fd, F_SETFD, 0) < 0)
    return oci_error_set (err, errno, "lock %s", dir);
  *bundle = steal_pointer (&dir);
  *lock_fd = steal_fd (&fd);
  return 0;
}

static char *
bundle_file (const char *bundle, const char *leaf)
{
  char *p = NULL;
  return asprintf (&p, "%s/%s", bundle, leaf) < 0 ? NULL : p;
}

/* process.args of BUNDLE/config.json joined by spaces ("" when absent). */
static char *
bundle_command (const char *bundle)
{
  cleanup_free char *path = bundle_file (bundle, "config.json");
  cleanup_runtime_config struct oci_runtime_config *c = NULL;
  struct oci_error e = OCI_ERROR_INIT;
  struct strbuf b = STRBUF_INIT;

  if (path == NULL || oci_runtime_config_parse_file (path, &c, &e) < 0)
    {
      oci_error_clear (&e);
      return strdup ("");
    }
  for (size_t i = 0; c->process && i < c->process->args_len; i++)
    {
      if (i)
        strbuf_adds (&b, " ");
      strbuf_adds (&b, c->process->args[i]);
    }
  char *s = strbuf_steal (&b);
  return s ? s : strdup ("");
}

/* What run.json holds. */
struct record
{
  const char *id, *name, *image, *command, *runtime;
  int64_t created, finished;
  bool exited;
  int exit_code;
};

static int
write_record (const char *bundle, const struct record *r, struct oci_error *err)
{
  cleanup_json_gen struct json_gen *g = json_gen_new (false);
  cleanup_free char *path = bundle_file (bundle, RUN_RECORD);
  cleanup_free char *text = NULL;
  size_t len;

  if (g == NULL || path == NULL)
    return oci_error_set (err, ENOMEM, "run record");
  json_gen_begin_object (g);
  json_gen_key (g, "id");
  json_gen_string (g, r->id);
  json_gen_key (g, "name");
  json_gen_string (g, r->name);
  json_gen_key (g, "image");
  json_gen_string (g, r->image);
  json_gen_key (g, "command");
  json_gen_string (g, r->command);
  if (r->runtime && *r->runtime)
    {
      json_gen_key (g, "runtime");
      json_gen_string (g, r->runtime);
    }
  json_gen_key (g, "created");
  json_gen_int64 (g, r->created);
  if (r->exited)
    {
      json_gen_key (g, "finished");
      json_gen_int64 (g, r->finished);
      json_gen_key (g, "exitCode");
      json_gen_int64 (g, r->exit_code);
    }
  json_gen_end_object (g);
  if (json_gen_finish (g, &text, &len, err) < 0)
    return -1;
  return oci_write_file_atomic (path, text, len, 0600, err);
}

static bool
member_int (const struct json_value *v, const char *key, int64_t *out)
{
  const struct json_value *m = json_object_get (v, key);
  return m && m->type == JSON_NUMBER && json_number_to_int64 (m->u.number, out) == 0;
}

static void
run_clear (struct bld_run *r)
{
  free (r->name);
  free (r->id);
  free (r->image);
  free (r->command);
  free (r->runtime);
  memset (r, 0, sizeof *r);
}

/* The record of bundle (name: its directory name); a missing or broken
 * record leaves the fields empty. */
static int
read_record (const char *bundle, const char *name, struct bld_run *r, struct oci_error *err)
{
  cleanup_free char *path = bundle_file (bundle, RUN_RECORD);
  cleanup_free char *text = NULL;
  cleanup_json struct json_value *v = NULL;
  struct oci_error e = OCI_ERROR_INIT;
  size_t len;
  int64_t code = 0;

  memset (r, 0, sizeof *r);
  if (path == NULL)
    return oci_error_set (err, ENOMEM, "run record");
  if (oci_read_file (path, RUN_RECORD_MAX, &text, &len, &e) < 0 || json_parse (text, len, &v, &e) < 0)
    oci_error_clear (&e);
  const char *id = json_object_get_string (v, "id"), *image = json_object_get_string (v, "image");
  const char *command = json_object_get_string (v, "command");
  const char *runtime = json_object_get_string (v, "runtime");
  r->name = strdup (name);
  r->id = strdup (id ? id : "");
  r->image = strdup (image ? image : "");
  r->command = strdup (command ? command : "");
  r->runtime = strdup (runtime ? runtime : "");
  member_int (v, "created", &r->created);
  r->exited = member_int (v, "finished", &r->finished) && member_int (v, "exitCode", &code);
  r->exit_code = (int) code;
  if (r->name == NULL || r->id == NULL || r->image == NULL || r->command == NULL || r->runtime == NULL)
    {
      run_clear (r);
      return oci_error_set (err, ENOMEM, "run record");
    }
  return 0;
}

int
bld_run_record_start (const char *bundle, const char *name, const char *id, const char *image, const char *runtime,
                      struct oci_error *err)
{
  cleanup_free char *command = bundle_command (bundle);
  /* rm -f runs it from anywhere: a relative path made absolute */
  cleanup_free char *abs = strchr (runtime, '/') && *runtime != '/' ? realpath (runtime, NULL) : NULL;
  struct record r = { .name = name,
                      .id = id,
                      .image = image,
                      .command = command,
                      .runtime = abs ? abs : runtime,
                      .created = (int64_t) time (NULL) };
  if (command == NULL)
    return oci_error_set (err, ENOMEM, "run record");
  return write_record (bundle, &r, err);
}

int
bld_run_record_exit (const char *bundle, int status, struct oci_error *err)
{
  const char *slash = strrchr (bundle, '/');
  struct bld_run r;
  if (read_record (bundle, slash ? slash + 1 : bundle, &r, err) < 0)
    return -1;
  struct record w = { .id = r.id,
                      .name = r.name,
                      .image = r.image,
                      .command = r.command,
                      .runtime = r.runtime,
                      .created = r.created,
                      .finished = (int64_t) time (NULL),
                      .exited = true,
                      .exit_code = status };
  int ret = write_record (bundle, &w, err);
  run_clear (&r);
  return ret;
}

void
bld_runs_free (struct bld_run *v, size_t len)
{
  for (size_t i = 0; i < len; i++)
    run_clear (&v[i]);
  free (v);
}

static int
newest_first (const void *a, const void *b)
{
  const struct bld_run *x = a, *y = b;
  if (x->created != y->created)
    return x->created < y->created ? 1 : -1;
  return strcmp (x->name, y->name);
}

int
bld_runs_list (const char *rundir, struct bld_run **out, size_t *len, struct oci_error *err)
{
  cleanup_closedir DIR *d = opendir (rundir);
  struct bld_run *v = NULL;
  size_t n = 0;
  struct dirent *de;

  *out = NULL;
  *len = 0;
  if (d == NULL)
    return errno == ENOENT ? 0 : oci_error_set (err, errno, "open %s", rundir);
  while ((de = cmn_readdir (d)) != NULL)
    {
      cleanup_free char *bundle = bundle_file (rundir, de->d_name);
      cleanup_close int fd = -1;
      struct stat st;
      if (bundle == NULL)
        goto nomem;
      if (stat (bundle, &st) < 0 || !S_ISDIR (st.st_mode))
        continue;
      struct bld_run *nv = realloc (v, (n + 1) * sizeof *nv);
      if (nv == NULL)
        goto nomem;
      v = nv;
      if (read_record (bundle, de->d_name, &v[n], err) < 0)
        goto fail;
      int r = lock_bundle (bundle, &fd, err);
      if (r < 0)
        {
          n++;
          goto fail;
        }
      v[n++].running = r == 0;
    }
  /* v is NULL for an empty rundir, which qsort may not be given */
  if (n > 1)
    qsort (v, n, sizeof *v, newest_first);
  *out = v;
  *len = n;
  return 0;
nomem:
  oci_error_set (err, ENOMEM, "list %s", rundir);
fail:
  bld_runs_free (v, n);
  return -1;
}

/* Removes rundir/name unless it is locked (running): 1 removed, 0 running. */
static int
remove_bundle (const char *rundir, const char *name, struct oci_error *err)
{
  cleanup_free char *bundle = bundle_file (rundir, name);
  cleanup_close int fd = -1;
  if (bundle == NULL)
    return oci_error_set (err, ENOMEM, "remove %s", name);
  int r = lock_bundle (bundle, &fd, err);
  if (r <= 0)
    return r;
  /* removed while locked: a run that locks after us finds it gone */
  return bld_remove_tree (bundle, err) < 0 ? -1 : 1;
}

/* rm -f of a running container: SIGKILL through its runtime (again each
 * second: it may still be on its way to being started) until `builder
 * run` lets go of the bundle's lock, the runtime's state of it deleted
 * then, and the bundle removed (unless run --rm did already).
 * The order that makes it safe: `builder run` takes the lock before the
 * bundle has a record and holds it (with the runtime, which inherits it)
 * until it has written the exit status, or removed the bundle for --rm,
 * and returned; it writes nothing there after that.  We take the lock
 * only once all of them have let go and remove the bundle while we hold
 * it, so no record can be written after we removed it: once rm -f has
 * returned, `ps -a` no longer lists the container. */
static int
remove_killed (const char *rundir, const struct bld_run *r, struct oci_error *err)
{
  cleanup_free char *bundle = bundle_file (rundir, r->name);
  cleanup_free char *fallback = *r->runtime ? NULL : bld_default_runtime ();
  const char *runtime = *r->runtime ? r->runtime : fallback;

  if (bundle == NULL || runtime == NULL)
    return oci_error_set (err, ENOMEM, "remove %s", r->name);
  if (bld_rootless_runtime_dir (err) < 0)
    return -1;
  cleanup_close int d = open (bundle, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d < 0)
    return oci_error_set (err, errno, "open %s", bundle);
  for (int ms = 0;; ms += RUN_KILL_POLL_MS)
    {
      if (ms % 1000 == 0)
        bld_runtime_kill (runtime, NULL, r->name);
      int locked = try_lock (d, bundle, false, err);
      if (locked < 0)
        return -1;
      if (locked)
        break;
      if (ms >= RUN_KILL_WAIT_MS)
        return oci_error_set (err, 0, "rm: container %s still runs %d s after SIGKILL", r->name,
                              RUN_KILL_WAIT_MS / 1000);
      nanosleep (&(struct timespec) { .tv_nsec = RUN_KILL_POLL_MS * 1000000L }, NULL);
    }
  bld_runtime_delete (runtime, NULL, r->name);
  if (bld_remove_tree (bundle, err) < 0)
    {
      if (err->errnum != ENOENT)
        return -1;
      oci_error_clear (err);
    }
  return 1;
}

int
bld_run_remove (const char *rundir, const char *what, bool force, char **removed, struct oci_error *err)
{
  struct bld_run *v = NULL;
  size_t n = 0, found = n;
  int ret = -1;

  if (*what == '\0')
    return oci_error_set (err, 0, "rm: an empty container name");
  if (bld_runs_list (rundir, &v, &n, err) < 0)
    return -1;
  found = n;
  for (size_t i = 0; i < n && found == n; i++)
    if (strcmp (v[i].name, what) == 0 || strcmp (v[i].id, what) == 0)
      found = i;
  for (size_t i = 0; i < n && found == n; i++)
    if (strncmp (v[i].id, what, strlen (what)) == 0 && strspn (what, "0123456789abcdef") == strlen (what))
      {
        for (size_t j = i + 1; j < n; j++)
          if (strncmp (v[j].id, what, strlen (what)) == 0)
            {
              oci_error_set (err, 0, "rm: the id prefix %s is ambiguous (%s, %s)", what, v[i].name, v[j].name);
              goto out;
            }
        found = i;
      }
  if (found == n)
    {
      oci_error_set (err, 0, "rm: no such container: %s", what);
      goto out;
    }
  int r = remove_bundle (rundir, v[found].name, err);
  if (r == 0 && force)
    r = remove_killed (rundir, &v[found], err);
  /* docker's words */
  if (r == 0)
    oci_error_set (err, 0,
                   "rm: cannot remove container \"/%s\": container is running: stop the container before removing or "
                   "force remove",
                   v[found].name);
  if (r > 0)
    {
      *removed = steal_pointer (&v[found].name);
      ret = 0;
    }
out:
  bld_runs_free (v, n);
  return ret;
}

int
bld_runs_prune (const char *rundir, char ***removed, size_t *len, struct oci_error *err)
{
  cleanup_closedir DIR *d = opendir (rundir);
  struct dirent *de;

  *removed = NULL;
  *len = 0;
  if (d == NULL)
    return errno == ENOENT ? 0 : oci_error_set (err, errno, "open %s", rundir);
  while ((de = cmn_readdir (d)) != NULL)
    {
      struct stat st;
      if (fstatat (dirfd (d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR (st.st_mode))
        continue;
      int r = remove_bundle (rundir, de->d_name, err);
      if (r < 0)
        return -1;
      if (r > 0 && cmn_strv_push (removed, len, de->d_name) < 0)
        return oci_error_set (err, ENOMEM, "prune %s", rundir);
    }
  return 0;
}

/* Whether etc/NAME of the bundle's rootfs is a symbolic link (a resolver's
 * file elsewhere, left alone, as RUN leaves it). */
static bool
etc_symlink (const char *bundle, const char *name)
{
  cleanup_free char *rootfs = bundle_file (bundle, "rootfs");
  cleanup_close int root = rootfs ? open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC) : -1;
  cleanup_close int etc = root >= 0 ? cmn_open_in_root (root, "etc", O_PATH | O_DIRECTORY, 0) : -1;
  struct stat st;
  return etc >= 0 && fstatat (etc, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK (st.st_mode);
}

static int
add_file_bind (struct oci_runtime_config *c, const char *source, const char *dest, struct oci_error *err)
{
  static char *const opts[] = { (char *) "rbind", (char *) "ro" };
  struct oci_mount *n = realloc (c->mounts, (c->mounts_len + 1) * sizeof *n);
  if (n == NULL)
    return oci_error_set (err, ENOMEM, "network");
  c->mounts = n;
  struct oci_mount *m = &c->mounts[c->mounts_len++];
  memset (m, 0, sizeof *m);
  m->destination = strdup (dest);
  m->type = strdup ("bind");
  m->source = strdup (source);
  m->options = cmn_strv_copy (opts, 2);
  m->options_len = 2;
  if (m->destination == NULL || m->type == NULL || m->source == NULL || m->options == NULL)
    return oci_error_set (err, ENOMEM, "network");
  return 0;
}

int
bld_run_set_network (const char *bundle, const char *netns_path, const char *resolv_conf, const char *hosts,
                     struct oci_error *err)
{
  cleanup_free char *path = bundle_file (bundle, "config.json");
  cleanup_runtime_config struct oci_runtime_config *c = NULL;
  cleanup_free char *json = NULL;
  size_t len;

  if (path == NULL)
    return oci_error_set (err, ENOMEM, "network");
  if (oci_runtime_config_parse_file (path, &c, err) < 0)
    return -1;
  for (size_t i = 0; netns_path && c->linux_ && i < c->linux_->namespaces_len; i++)
    if (strcmp (c->linux_->namespaces[i].type, "network") == 0)
      {
        free (c->linux_->namespaces[i].path);
        if ((c->linux_->namespaces[i].path = strdup (netns_path)) == NULL)
          return oci_error_set (err, ENOMEM, "network");
      }
  if ((resolv_conf && !etc_symlink (bundle, "resolv.conf")
       && add_file_bind (c, resolv_conf, "/etc/resolv.conf", err) < 0)
      || (hosts && !etc_symlink (bundle, "hosts") && add_file_bind (c, hosts, "/etc/hosts", err) < 0))
    return -1;
  if (oci_runtime_config_emit (c, true, &json, &len, err) < 0)
    return -1;
  return oci_write_file_atomic (path, json, len, 0644, err);
}
