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

static uint32_t
prefix_mask (unsigned prefix)
{
  return prefix == 0 ? 0 : UINT32_C (0xffffffff) << (32 - prefix);
}

/* Whether s has a control character (a newline would break the error's
 * one line). */
static bool
has_control (const char *s)
{
  for (; *s; s++)
    if ((unsigned char) *s < 0x20 || *s == 0x7f)
      return true;
  return false;
}

int
bld_net_subnet_parse (const char *s, uint32_t *net, unsigned *prefix, struct oci_error *err)
{
  const char *slash;
  char *end = NULL;
  struct in_addr a;
  unsigned long n;

  if (strnlen (s, BLD_NET_SUBNET_MAX_LEN + 1) > BLD_NET_SUBNET_MAX_LEN)
    return oci_error_set (err, 0, "%s: longer than %d bytes: not an IPv4 network (A.B.C.D/N)", BLD_NET_SUBNET_ENV,
                          BLD_NET_SUBNET_MAX_LEN);
  if (has_control (s))
    return oci_error_set (err, 0, "%s: a control character in the value: not an IPv4 network (A.B.C.D/N)",
                          BLD_NET_SUBNET_ENV);
  slash = strchr (s, '/');
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

/* Whether one line of /proc/net/route (NUL-terminated, no newline) is a
 * route that counts and overlaps net/prefix. */
static bool
route_overlaps (const char *line, uint32_t net, unsigned prefix)
{
  /* Iface Destination Gateway Flags RefCnt Use Metric Mask ...; the
   * addresses in hex, in the host's byte order of the network's. */
  char iface[64];
  unsigned dest, gw, flags, refcnt, use, metric, mask;
  if (sscanf (line, "%63s %x %x %x %u %u %u %x", iface, &dest, &gw, &flags, &refcnt, &use, &metric, &mask) != 8
      || mask == 0 || strncmp (iface, "bldv", 4) == 0)
    return false;
  uint32_t d = ntohl (dest), m = ntohl (mask);
  uint32_t common = m & prefix_mask (prefix);
  return (d & common) == (net & common);
}

int
bld_net_routes_overlap (const char *routes, size_t len, uint32_t net, unsigned prefix, bool *overlaps,
                        struct oci_error *err)
{
  size_t pos = 0, lineno = 0;

  *overlaps = false;
  if (len > BLD_NET_ROUTES_MAX)
    return oci_error_set (err, 0, "the host's routes: more than %u bytes (set %s)", BLD_NET_ROUTES_MAX,
                          BLD_NET_SUBNET_ENV);
  /* Line by line through a copy: sscanf on the whole text would measure
   * all of it for every line. */
  while (pos < len)
    {
      const char *nl = memchr (routes + pos, '\n', len - pos);
      size_t n = nl ? (size_t) (nl - (routes + pos)) : len - pos;
      char line[BLD_NET_ROUTE_LINE_MAX + 1];
      lineno++;
      if (n > BLD_NET_ROUTE_LINE_MAX)
        return oci_error_set (err, 0, "the host's routes: line %zu is longer than %d bytes (set %s)", lineno,
                              BLD_NET_ROUTE_LINE_MAX, BLD_NET_SUBNET_ENV);
      memcpy (line, routes + pos, n);
      line[n] = '\0';
      /* on to the end: a line too long is an error whatever the network */
      if (route_overlaps (line, net, prefix))
        *overlaps = true;
      pos += n + 1;
    }
  return 0;
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
  if (oci_read_file ("/proc/net/route", BLD_NET_ROUTES_MAX, &routes, &len, err) < 0)
    return oci_error_prefix (err, "the host's routes (or set %s)", BLD_NET_SUBNET_ENV);
  for (unsigned second = 89; second <= 99; second++)
    {
      uint32_t candidate = (UINT32_C (10) << 24) | (second << 16);
      bool overlaps;
      if (bld_net_routes_overlap (routes, len, candidate, 16, &overlaps, err) < 0)
        return -1;
      if (!overlaps)
        {
          *net = candidate;
          return 0;
        }
    }
  return oci_error_set (err, 0, "every network from 10.89.0.0/16 to 10.99.0.0/16 is in use on the host: set %s",
                        BLD_NET_SUBNET_ENV);
}
