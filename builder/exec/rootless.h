/* Rootless builds: an ordinary user's builder runs as root of a user
 * namespace of its own (the ranges of /etc/subuid and /etc/subgid mapped
 * by newuidmap/newgidmap, as buildah and podman do) with a private mount
 * namespace; overlay mounts, chown to the image's ids and the runtime
 * then work as they do for root, and the files' owners seen inside are
 * the image's ids. */
#ifndef BUILDER_ROOTLESS_H
#define BUILDER_ROOTLESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "error.h"

/* One subordinate id range. */
struct bld_subid_range
{
  unsigned long start, count;
};

/* The first range of /etc/subuid or /etc/subgid's text (lines
 * "NAME_OR_ID:START:COUNT", '#' comments) that names name or id.
 * Returns 1 when found, 0 when not (pure; unit tested). */
int bld_subid_find (const char *text, const char *name, unsigned long id, struct bld_subid_range *out);

/* Called by an unprivileged builder before it does anything: forks a
 * child that enters a new user namespace (our uid and gid as 0, the
 * subordinate ranges as 1..N; without a range, only ours) and a new mount
 * namespace.  Returns 0 in the child, which goes on as root there (as
 * the user, outside any, where the kernel refuses a user namespace); in the
 * parent, returns 1 once the child has ended with *exit_status its status
 * (signals it gets are handed to the child).  -1 with err when the
 * namespace cannot be made. */
int bld_rootless_enter (int *exit_status, struct oci_error *err);

/* Whether this process entered its user namespace (bld_rootless_enter):
 * uid 0 here is an ordinary user outside. */
bool bld_rootless_active (void);

/* In that namespace, without XDG_RUNTIME_DIR: sets it to a private
 * $TMPDIR/builder-run-UID (made now), where a runtime run there keeps its
 * state (as podman); for `run`, whose runtime has no --root of ours. */
int bld_rootless_runtime_dir (struct oci_error *err);

/* Whether that namespace maps only the user's own ids (no subordinate
 * range): no other owner can be given, not even devpts's group tty. */
bool bld_rootless_own_ids_only (void);

#endif
