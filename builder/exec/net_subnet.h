/* Which IPv4 network RUN's private networks take their /30s from
 * (build_net.c): BUILDER_NETWORK_SUBNET when set, else the first of
 * 10.89.0.0/16 .. 10.99.0.0/16 that no route of the host overlaps (a
 * host already using 10.89/16 would otherwise lose that part of its
 * network to the steps). */
#ifndef BUILDER_NET_SUBNET_H
#define BUILDER_NET_SUBNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define BLD_NET_SUBNET_ENV "BUILDER_NETWORK_SUBNET"
/* A network must hold this many /30s (build_net.c's slots): /20 or wider. */
#define BLD_NET_SUBNET_MAX_PREFIX 20
/* The longest BUILDER_NETWORK_SUBNET value read ("255.255.255.255/20" is
 * 18 bytes). */
#define BLD_NET_SUBNET_MAX_LEN 32
/* The most of /proc/net/route read, and its longest line (the kernel
 * pads each to 127 bytes and a newline). */
#define BLD_NET_ROUTES_MAX (16u << 20)
#define BLD_NET_ROUTE_LINE_MAX 512

/* "A.B.C.D/N" with N <= BLD_NET_SUBNET_MAX_PREFIX and no host bits set:
 * the network (host byte order) and N.  A value longer than
 * BLD_NET_SUBNET_MAX_LEN or with a control character is refused without
 * being repeated in the message. */
int bld_net_subnet_parse (const char *s, uint32_t *net, unsigned *prefix, struct oci_error *err);
/* *overlaps: whether a route of routes (len bytes of /proc/net/route's
 * text, no terminator needed) overlaps net/prefix (prefix 0..32); default
 * routes and builder's own bldv* veths do not count.  A text over
 * BLD_NET_ROUTES_MAX bytes or a line over BLD_NET_ROUTE_LINE_MAX is an
 * error. */
int bld_net_routes_overlap (const char *routes, size_t len, uint32_t net, unsigned prefix, bool *overlaps,
                            struct oci_error *err);
/* The network to use (see above), its base address in *net. */
int bld_net_subnet (uint32_t *net, struct oci_error *err);

#endif
