/* RUN's network: what a step gets before the runtime starts.
 *
 * private (as root): a network namespace of its own (/run/netns/builder-N)
 * joined to the host by a veth pair (bldvN on the host, eth0 inside) on
 * a /30 per step of 10.89.0.0/16 or the network net_subnet.h picks, a
 * default route through the host, and
 * masquerade by an nftables table of its own (ip builder-N); N is a slot
 * held by a flock on /run/builder/net/slot-N.lock for the step's life, so
 * parallel builds never share names or addresses, and a slot left by a
 * killed build is cleaned by the next step that takes it.  none: the
 * runtime's own empty namespace (lo only); host: the host's.
 *
 * Every mode gets /etc/resolv.conf and /etc/hosts as files in the work
 * dir, bound read-only into the step (never part of its layer).
 *
 * A rootless build (root of builder's own user namespace, rootless.h)
 * gets its private network from build_net_rootless.c (pasta, else
 * slirp4netns) instead; where neither can give one, the step has none
 * and a warning.  A builder that is not root at all (no user namespace)
 * gives private steps the runtime's empty namespace, as none. */
#ifndef BUILDER_BUILD_NET_H
#define BUILDER_BUILD_NET_H

#include "exec/build.h"
#include "exec/build_net_rootless.h"
#include "error.h"

struct bld_net
{
  enum bld_network mode;
  int slot; /* -1: none held */
  int lock_fd;
  char *netns_path;                 /* private: given to the runtime as the network namespace's path */
  char *resolv_conf, *hosts;        /* to bind at /etc/resolv.conf and /etc/hosts */
  unsigned made;                    /* what teardown removes (NET_MADE_* in build_net.c) */
  struct bld_rootless_net rootless; /* private in a rootless build */
  char *warning;                    /* for the step's output: why private is none */
};

#define BLD_NET_INIT                                                                       \
  {                                                                                        \
    .mode = BLD_NETWORK_NONE, .slot = -1, .lock_fd = -1, .rootless = BLD_ROOTLESS_NET_INIT \
  }

/* Makes the step's network in mode; files go to work (a private dir);
 * hostname is the step's.  On failure what was made stays recorded in n
 * for bld_net_teardown. */
int bld_net_prepare (struct bld_net *n, enum bld_network mode, const char *work, const char *hostname,
                     struct oci_error *err);
/* Removes what bld_net_prepare made (also after its failure, or after a
 * signal) and releases the slot; n is reset. */
int bld_net_teardown (struct bld_net *n, struct oci_error *err);

#endif
