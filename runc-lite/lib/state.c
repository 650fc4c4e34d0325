#include "config.h"
#include "state.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "common/fs.h"
#include "fileutil.h"
#include "freezer.h"

#define STATE_FILE "state.json"

/* The public fields first, in runc's order; the table for `state` output
 * is the same list cut short. */
#define PUBLIC_FIELDS                                                                             \
  F_STRING (struct rl_state, "ociVersion", oci_version), F_STRING (struct rl_state, "id", id),    \
      F_INT (struct rl_state, "pid", pid), F_STRING (struct rl_state, "status", status),          \
      F_STRING (struct rl_state, "bundle", bundle), F_STRING (struct rl_state, "rootfs", rootfs), \
      F_STRING (struct rl_state, "created", created), F_UINT (struct rl_state, "owner", owner),   \
      F_STRING_MAP (struct rl_state, "annotations", annotations)

static const struct bind_field state_fields[] = {
  PUBLIC_FIELDS,
  F_UINT (struct rl_state, "pidStartTime", pid_start_time),
  F_STRINGS (struct rl_state, "cgroupDirs", cgroup_dirs),
  F_STRING (struct rl_state, "config", config),
};
static const struct bind_field public_fields[] = { PUBLIC_FIELDS };

BIND_TYPE (rl_state_type, struct rl_state, state_fields, NULL);
BIND_TYPE (rl_state_public_type, struct rl_state, public_fields, NULL);

void
rl_state_free (struct rl_state *s)
{
  bind_free (&rl_state_type, s);
}

void
rl_state_freep (struct rl_state **s)
{
  rl_state_free (*s);
}

static const char *const status_names[] = {
  [RL_CREATING] = "creating", [RL_CREATED] = "created", [RL_RUNNING] = "running",
  [RL_PAUSED] = "paused",     [RL_STOPPED] = "stopped",
};

const char *
rl_status_name (enum rl_status s)
{
  return status_names[s];
}

int
rl_id_validate (const char *id, struct oci_error *err)
{
  if (id == NULL || *id == '\0')
    return oci_error_set (err, 0, "container id cannot be empty");
  if (strcmp (id, ".") == 0 || strcmp (id, "..") == 0)
    return oci_error_set (err, 0, "invalid container id \"%s\"", id);
  if (strlen (id) > 1024)
    return oci_error_set (err, 0, "invalid container id: longer than 1024 characters");
  for (const char *c = id; *c; c++)
    if (!(isascii ((unsigned char) *c) && isalnum ((unsigned char) *c)) && strchr ("_.+-", *c) == NULL)
      return oci_error_set (err, 0, "invalid container id \"%s\": only [A-Za-z0-9_.+-] are allowed", id);
  return 0;
}

int
rl_root_open (const char *root, bool create, struct oci_error *err)
{
  int fd;

  if (create && mkdir (root, 0700) < 0 && errno != EEXIST)
    {
      /* Create missing parents too (e.g. /run/runc-lite under a fresh /run). */
      cleanup_free char *copy = strdup (root);
      if (copy == NULL)
        return oci_error_set (err, ENOMEM, "create %s", root);
      for (char *p = copy + 1; *p; p++)
        if (*p == '/')
          {
            *p = '\0';
            if (mkdir (copy, 0755) < 0 && errno != EEXIST)
              return oci_error_set (err, errno, "create state directory %s", copy);
            *p = '/';
          }
      if (mkdir (root, 0700) < 0 && errno != EEXIST)
        return oci_error_set (err, errno, "create state directory %s", root);
    }
  fd = open (root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return oci_error_set (err, errno, "open state directory %s", root);
  return fd;
}

int
rl_container_dir_create (int rootfd, const char *id, struct oci_error *err)
{
  int fd;

  /* 0711: an init in a user namespace (not root on the host) must reach
   * the exec fifo in here; every file inside stays 0600. */
  if (mkdirat (rootfd, id, 0711) < 0)
    {
      if (errno == EEXIST)
        return oci_error_set (err, 0, "container \"%s\" already exists", id);
      return oci_error_set (err, errno, "create the state directory of container %s", id);
    }
  fd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return oci_error_set (err, errno, "open the state directory of container %s", id);
  if (flock (fd, LOCK_EX) < 0)
    {
      close (fd);
      return oci_error_set (err, errno, "lock the state directory of container %s", id);
    }
  return fd;
}

int
rl_container_dir_open (int rootfd, const char *id, bool lock, struct oci_error *err)
{
  int fd = openat (rootfd, id, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return oci_error_set (err, 0, "container \"%s\" does not exist", id);
      return oci_error_set (err, errno, "open the state directory of container %s", id);
    }
  if (lock && flock (fd, LOCK_EX) < 0)
    {
      close (fd);
      return oci_error_set (err, errno, "lock the state directory of container %s", id);
    }
  return fd;
}

int
rl_container_dir_remove (int rootfd, const char *id, int dirfd, struct oci_error *err)
{
  struct stat named, locked;
  int copy;
  cleanup_closedir DIR *d = NULL;
  struct dirent *de;

  /* The lock was taken on an open directory: when ROOT/ID is another one
   * by now (deleted while we waited for the lock, and the id made again),
   * it is not ours to empty or remove. */
  if (fstatat (rootfd, id, &named, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? 0 : oci_error_set (err, errno, "stat the state directory of container %s", id);
  if (fstat (dirfd, &locked) < 0)
    return oci_error_set (err, errno, "stat the state directory of container %s", id);
  if (named.st_dev != locked.st_dev || named.st_ino != locked.st_ino)
    return 0;
  copy = fcntl (dirfd, F_DUPFD_CLOEXEC, 0);
  if (copy < 0 || (d = fdopendir (copy)) == NULL)
    {
      int e = errno;
      if (copy >= 0)
        close (copy);
      return oci_error_set (err, e, "read the state directory of container %s", id);
    }
  /* The directory holds only plain files and the fifo. */
  while ((de = cmn_readdir (d)) != NULL)
    if (unlinkat (dirfd, de->d_name, 0) < 0 && errno != ENOENT)
      return oci_error_set (err, errno, "remove %s of container %s", de->d_name, id);
  if (unlinkat (rootfd, id, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return oci_error_set (err, errno, "remove the state directory of container %s", id);
  return 0;
}

int
rl_state_load (int dirfd, const char *id, struct rl_state **out, struct oci_error *err)
{
  cleanup_close int fd = openat (dirfd, STATE_FILE, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_free char *text = NULL;
  size_t len;
  void *s = NULL;

  *out = NULL;
  if (fd < 0)
    {
      if (errno == ENOENT)
        return oci_error_set (err, ENOENT, "container \"%s\" is still being created", id);
      return oci_error_set (err, errno, "open the state of container %s", id);
    }
  if (oci_read_fd (fd, STATE_FILE, OCI_JSON_FILE_MAX, &text, &len, err) < 0)
    return -1;
  if (bind_parse_text (&rl_state_type, STATE_FILE, text, len, &s, err) < 0)
    return oci_error_prefix (err, "container %s", id);
  *out = s;
  return 0;
}

int
rl_state_save (int dirfd, const struct rl_state *s, struct oci_error *err)
{
  cleanup_free char *text = NULL, *path = NULL;
  size_t len;

  if (bind_emit (&rl_state_type, s, false, &text, &len, err) < 0)
    return -1;
  if (asprintf (&path, "/proc/self/fd/%d/" STATE_FILE, dirfd) < 0)
    return oci_error_set (err, ENOMEM, "state path");
  /* Atomic (temporary file, rename) but not fsynced, as runc and crun:
   * a crash of the runtime leaves the old state or the new one; a crash
   * of the machine takes the container's processes with it. */
  return oci_replace_file (path, text, len, 0600, err);
}

int
rl_proc_start_time (pid_t pid, uint64_t *out)
{
  cleanup_free char *path = NULL, *text = NULL;
  struct oci_error err = OCI_ERROR_INIT;
  char *p, state;
  size_t len;
  int field;

  if (asprintf (&path, "/proc/%d/stat", pid) < 0)
    return -1;
  if (oci_read_file (path, 64 * 1024, &text, &len, &err) < 0)
    {
      oci_error_clear (&err);
      return -1;
    }
  /* The command name (field 2) may hold spaces and parentheses: fields
   * are counted from the last ')'. */
  p = strrchr (text, ')');
  if (p == NULL || sscanf (p + 1, " %c", &state) != 1)
    return -1;
  if (state == 'Z' || state == 'X')
    return -1;
  for (field = 2; *p && field < 22; p++)
    if (*p == ' ')
      field++;
  if (field != 22 || sscanf (p, "%lu", (unsigned long *) out) != 1)
    return -1;
  return 0;
}

enum rl_status
rl_state_status (int dirfd, const struct rl_state *s)
{
  uint64_t start;
  struct stat st;

  if (!s->has_pid || s->pid <= 0)
    return RL_STOPPED;
  if (rl_proc_start_time ((pid_t) s->pid, &start) < 0)
    return RL_STOPPED;
  if (s->has_pid_start_time && start != s->pid_start_time)
    return RL_STOPPED; /* the pid now belongs to another process */
  if (fstatat (dirfd, RL_EXEC_FIFO, &st, AT_SYMLINK_NOFOLLOW) == 0)
    return RL_CREATED;
  if (rl_freezer_is_frozen (s->cgroup_dirs, s->cgroup_dirs_len))
    return RL_PAUSED;
  return RL_RUNNING;
}

char *
rl_now_rfc3339 (void)
{
  struct timespec ts;
  struct tm tm;
  char *out = NULL;

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  /* Not strftime: it would load the time zone (/etc/localtime) for a UTC
   * stamp. */
  if (asprintf (&out, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec)
      < 0)
    return NULL;
  return out;
}
