/* tmpcopyup (crun's mount extension, which podman asks for on --tmpfs and
 * --read-only): a fresh tmpfs starts with the content of the directory it
 * covers. */
#ifndef RL_COPYUP_H
#define RL_COPYUP_H

#include "error.h"

/* Copies the tree under directory SRC_FD into directory DST_FD (both
 * opened O_RDONLY|O_DIRECTORY): files, directories, symlinks, fifos,
 * sockets and device nodes, with their owners, modes (setuid, sticky...)
 * and times; DST_FD itself takes SRC_FD's owner, mode and times.
 * Nothing is followed: symlinks are copied as links.  WHAT names the
 * tree in errors. */
int rl_copyup_tree (int src_fd, int dst_fd, const char *what, struct oci_error *err);

#endif
