#include "config.h"
#include "copyup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "common/fs.h"

/* Owner, mode (after the owner: chown clears setuid) and times of NAME in
 * DIRFD, or of DIRFD itself when NAME is "". */
static int
copy_attrs (int dirfd, const char *name, const struct stat *st, const char *what, struct oci_error *err)
{
  struct timespec times[2] = { st->st_atim, st->st_mtim };
  int flags = *name ? AT_SYMLINK_NOFOLLOW : AT_EMPTY_PATH;

  if (fchownat (dirfd, name, st->st_uid, st->st_gid, flags) < 0)
    return oci_error_set (err, errno, "tmpcopyup: chown %s/%s", what, name);
  if (!S_ISLNK (st->st_mode))
    {
      int r = *name ? fchmodat (dirfd, name, st->st_mode & 07777, 0) : fchmod (dirfd, st->st_mode & 07777);
      if (r < 0)
        return oci_error_set (err, errno, "tmpcopyup: chmod %s/%s", what, name);
    }
  if ((*name ? utimensat (dirfd, name, times, AT_SYMLINK_NOFOLLOW) : futimens (dirfd, times)) < 0)
    return oci_error_set (err, errno, "tmpcopyup: set the times of %s/%s", what, name);
  return 0;
}

static int
copy_file (int src_dir, int dst_dir, const char *name, const struct stat *st, const char *what,
           struct oci_error *err)
{
  cleanup_close int in = openat (src_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int out = -1;

  if (in < 0)
    return oci_error_set (err, errno, "tmpcopyup: open %s/%s", what, name);
  out = openat (dst_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (out < 0)
    return oci_error_set (err, errno, "tmpcopyup: create %s/%s", what, name);
  if (cmn_copy_data (in, out, st->st_size) < 0)
    return oci_error_set (err, errno, "tmpcopyup: copy %s/%s", what, name);
  return 0;
}

static int
copy_dir (int src_fd, int dst_fd, const char *what, struct oci_error *err)
{
  cleanup_closedir DIR *d = NULL;
  int dup_fd = fcntl (src_fd, F_DUPFD_CLOEXEC, 3);
  struct dirent *e;

  if (dup_fd < 0 || (d = fdopendir (dup_fd)) == NULL)
    {
      int saved = errno;
      if (dup_fd >= 0)
        close (dup_fd);
      return oci_error_set (err, saved, "tmpcopyup: read the directory %s", what);
    }
  while ((e = cmn_readdir (d)) != NULL)
    {
      cleanup_free char *sub = NULL;
      struct stat st;

      if (asprintf (&sub, "%s/%s", what, e->d_name) < 0)
        return oci_error_set (err, ENOMEM, "tmpcopyup");
      if (fstatat (src_fd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return oci_error_set (err, errno, "tmpcopyup: stat %s", sub);
      if (S_ISDIR (st.st_mode))
        {
          cleanup_close int s = -1, t = -1;
          if (mkdirat (dst_fd, e->d_name, 0700) < 0)
            return oci_error_set (err, errno, "tmpcopyup: mkdir %s", sub);
          s = openat (src_fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          t = openat (dst_fd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (s < 0 || t < 0)
            return oci_error_set (err, errno, "tmpcopyup: open the directory %s", sub);
          if (copy_dir (s, t, sub, err) < 0)
            return -1;
          continue; /* its attributes were copied last, by copy_dir */
        }
      if (S_ISREG (st.st_mode))
        {
          if (copy_file (src_fd, dst_fd, e->d_name, &st, what, err) < 0)
            return -1;
        }
      else if (S_ISLNK (st.st_mode))
        {
          cleanup_free char *target = cmn_readlinkat (src_fd, e->d_name);
          if (target == NULL)
            return oci_error_set (err, errno, "tmpcopyup: read the symlink %s", sub);
          if (symlinkat (target, dst_fd, e->d_name) < 0)
            return oci_error_set (err, errno, "tmpcopyup: symlink %s", sub);
        }
      else if (mknodat (dst_fd, e->d_name, st.st_mode & S_IFMT, st.st_rdev) < 0)
        return oci_error_set (err, errno, "tmpcopyup: mknod %s", sub);
      if (copy_attrs (dst_fd, e->d_name, &st, what, err) < 0)
        return -1;
    }
  if (errno != 0)
    return oci_error_set (err, errno, "tmpcopyup: read the directory %s", what);
  {
    struct stat st;
    if (fstat (src_fd, &st) < 0)
      return oci_error_set (err, errno, "tmpcopyup: stat %s", what);
    return copy_attrs (dst_fd, "", &st, what, err);
  }
}

int
rl_copyup_tree (int src_fd, int dst_fd, const char *what, struct oci_error *err)
{
  return copy_dir (src_fd, dst_fd, what, err);
}
