/* Which IPv4 network RUN's private networks take their /30s from
 * (build_net.c): BUILDER_NETWORK_SUBNET when set, else the first of
 * 10.89.0.0/16 .. 10.99.0.0/16 that no route of the host overlaps (a
 * host already using 10.89/16 would otherwise lose that part of its
 * network to the steps). */
#ifndef BUILDER_NET_SUBNET_H
#define BUILDER_NET_SUBNET_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

#define BLD_NET_SUBNET_ENV "BUILDER_NETWORK_SUBNET"
/* A network must hold this many /30s (build_net.c's slots): /20 or wider. */
#define BLD_NET_SUBNET_MAX_PREFIX 20

/* "A.B.C.D/N" with N <= BLD_NET_SUBNET_MAX_PREFIX and no host bits set:
 * the network (host byte order) and N. */
int bld_net_subnet_parse (const char *s, uint32_t *net, unsigned *prefix, struct oci_error *err);
/* Whether a route of routes (the text of /proc/net/route) overlaps
 * net/prefix; default routes and builder's own bldv* veths do not count. */
bool bld_net_routes_overlap (const char *routes, uint32_t net, unsigned prefix);
/* The network to use (see above), its base address in *net. */
int bld_net_subnet (uint32_t *net, struct oci_error *err);

#endif
