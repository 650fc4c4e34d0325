/* RUN's private network's addresses: see net_subnet.h. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/net_subnet.h"
#include "cleanup.h"
#include "fileutil.h"

#define ROUTES_MAX (1 << 20)

static uint32_t
prefix_mask (unsigned prefix)
{
  return prefix == 0 ? 0 : UINT32_C (0xffffffff) << (32 - prefix);
}

int
bld_net_subnet_parse (const char *s, uint32_t *net, unsigned *prefix, struct oci_error *err)
{
  const char *slash = strchr (s, '/');
  char *end = NULL;
  struct in_addr a;
  unsigned long n;

  if (slash == NULL || slash == s || (size_t) (slash - s) >= INET_ADDRSTRLEN)
    goto bad;
  {
    char addr[INET_ADDRSTRLEN];
    memcpy (addr, s, (size_t) (slash - s));
    addr[slash - s] = '\0';
    if (inet_pton (AF_INET, addr, &a) != 1)
      goto bad;
  }
  errno = 0;
  n = strtoul (slash + 1, &end, 10);
  if (slash[1] < '0' || slash[1] > '9' || *end != '\0' || errno != 0 || n < 1 || n > BLD_NET_SUBNET_MAX_PREFIX)
    goto bad;
  *net = ntohl (a.s_addr);
  *prefix = (unsigned) n;
  if ((*net & ~prefix_mask (*prefix)) != 0)
    return oci_error_set (err, 0, "%s=%s: host bits are set (the network of /%u starts at a multiple of its size)",
                          BLD_NET_SUBNET_ENV, s, *prefix);
  return 0;
bad:
  return oci_error_set (err, 0, "%s=%s: not an IPv4 network of /%d or wider (A.B.C.D/N)", BLD_NET_SUBNET_ENV, s,
                        BLD_NET_SUBNET_MAX_PREFIX);
}

bool
bld_net_routes_overlap (const char *routes, uint32_t net, unsigned prefix)
{
  const char *line = routes;

  /* Iface Destination Gateway Flags RefCnt Use Metric Mask ...; the
   * addresses in hex, in the host's byte order of the network's. */
  while (line && *line)
    {
      const char *next = strchr (line, '\n');
      char iface[64];
      unsigned dest, gw, flags, refcnt, use, metric, mask;
      if (sscanf (line, "%63s %x %x %x %u %u %u %x", iface, &dest, &gw, &flags, &refcnt, &use, &metric, &mask) == 8
          && mask != 0 && strncmp (iface, "bldv", 4) != 0)
        {
          uint32_t d = ntohl (dest), m = ntohl (mask);
          uint32_t common = m & prefix_mask (prefix);
          if ((d & common) == (net & common))
            return true;
        }
      line = next ? next + 1 : NULL;
    }
  return false;
}

int
bld_net_subnet (uint32_t *net, struct oci_error *err)
{
  const char *env = getenv (BLD_NET_SUBNET_ENV);
  cleanup_free char *routes = NULL;
  unsigned prefix;
  size_t len;

  if (env && *env)
    return bld_net_subnet_parse (env, net, &prefix, err);
  if (oci_read_file ("/proc/net/route", ROUTES_MAX, &routes, &len, err) < 0)
    return oci_error_prefix (err, "the host's routes");
  for (unsigned second = 89; second <= 99; second++)
    {
      uint32_t candidate = (UINT32_C (10) << 24) | (second << 16);
      if (!bld_net_routes_overlap (routes, candidate, 16))
        {
          *net = candidate;
          return 0;
        }
    }
  return oci_error_set (err, 0, "every network from 10.89.0.0/16 to 10.99.0.0/16 is in use on the host: set %s",
                        BLD_NET_SUBNET_ENV);
}
