/* RUN's private network in a rootless build: a network namespace of ours
 * (bind-mounted on a file of the step's work dir, which the runtime is
 * told to join) with pasta (package passt) giving it the host's
 * addresses and routes and outbound access through user-mode sockets; the
 * gateway's address reaches the host's loopback. */
#ifndef BUILDER_BUILD_NET_ROOTLESS_H
#define BUILDER_BUILD_NET_ROOTLESS_H

#include <stdbool.h>
#include <sys/types.h>

#include "cleanup.h"
#include "error.h"

struct bld_rootless_net
{
  char *ns_path; /* the namespace's file: config.json's linux.namespaces path */
  pid_t pasta;   /* the daemon, -1 when none */
  pid_t slirp;   /* slirp4netns (where pasta is not installed), -1 when none */
  bool mounted;
};
#define BLD_ROOTLESS_NET_INIT \
  {                           \
    NULL, -1, -1, false       \
  }

/* Makes the namespace under work and starts pasta (else slirp4netns) on
 * it.  -1 with err when either fails (the tool's own message in it). */
int bld_rootless_net_start (const char *work, struct bld_rootless_net *n, struct oci_error *err);

/* Stops pasta, unmounts and removes the namespace's file (idempotent). */
void bld_rootless_net_stop (struct bld_rootless_net *n);

static inline void
bld_rootless_net_cleanup (struct bld_rootless_net *n)
{
  bld_rootless_net_stop (n);
}
#define cleanup_rootless_net __attribute__ ((cleanup (bld_rootless_net_cleanup)))

#endif
