/* `builder run`'s containers, as docker keeps them: each one's bundle is
 * a directory RUNDIR/NAME (.store/run) holding config.json, rootfs/ and a
 * record, run.json: its id (64 hex digits; the short id is the first 12
 * and the default hostname), name, image, runtime, creation time and,
 * once it has exited, its exit status.  While it runs the bundle directory is locked
 * (flock, held by builder and inherited by the runtime), so that `ps`
 * tells running from exited and `rm`/`prune` leave running ones alone. */
#ifndef BUILDER_RUNS_H
#define BUILDER_RUNS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define BLD_RUN_ID_LEN 64
#define BLD_RUN_SHORT_ID_LEN 12

struct bld_run
{
  char *name;                /* the bundle's directory name and the runtime's container id */
  char *id;                  /* 64 hex digits; "" for a bundle without a record */
  char *image;               /* as the user named it */
  char *command;             /* process.args joined by spaces */
  char *runtime;             /* the OCI runtime that runs it; "" when not recorded */
  int64_t created, finished; /* seconds since the epoch; finished 0 while running */
  bool running;
  bool exited; /* exit_code is known */
  int exit_code;
};

/* A new container id: 64 random hex digits. */
int bld_run_new_id (char out[BLD_RUN_ID_LEN + 1], struct oci_error *err);

/* Makes the bundle directory rundir/name (rundir too), mode 0700, and
 * locks it: *lock_fd stays open (not close-on-exec, so the runtime holds
 * the lock too) until the container has exited.  An existing bundle is an
 * error. */
int bld_run_create (const char *rundir, const char *name, char **bundle, int *lock_fd, struct oci_error *err);

/* The container's network in its config.json (after unpack): the network
 * namespace at netns_path (when not NULL; exec/build_net.c made it), and
 * resolv_conf and hosts bound read-only at /etc/resolv.conf and
 * /etc/hosts (unless the image has symbolic links there). */
int bld_run_set_network (const char *bundle, const char *netns_path, const char *resolv_conf, const char *hosts,
                         struct oci_error *err);

/* Writes the record of a created bundle (after unpack: config.json gives
 * the command); runtime: the OCI runtime that will run it (a relative
 * path made absolute). */
int bld_run_record_start (const char *bundle, const char *name, const char *id, const char *image,
                          const char *runtime, struct oci_error *err);
/* Adds the exit status to the record. */
int bld_run_record_exit (const char *bundle, int status, struct oci_error *err);

/* Every bundle in rundir, newest first.  Free with bld_runs_free. */
int bld_runs_list (const char *rundir, struct bld_run **out, size_t *len, struct oci_error *err);
void bld_runs_free (struct bld_run *v, size_t len);

/* Removes the bundle of the container named what (its name, id or a
 * unique id prefix); a running one is refused, in docker's words, unless
 * force: then it is killed (SIGKILL through its recorded runtime, at the
 * runtime's default root, as `builder run` runs it), waited for and
 * deleted from the runtime first, as `docker rm -f` does.  *removed: its
 * name. */
int bld_run_remove (const char *rundir, const char *what, bool force, char **removed, struct oci_error *err);

/* Removes every bundle whose container is not running (`prune`); their
 * names in *removed (NULL-terminated). */
int bld_runs_prune (const char *rundir, char ***removed, size_t *len, struct oci_error *err);

#endif
