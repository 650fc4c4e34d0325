/* RUN's private network: BUILDER_NETWORK_SUBNET and the host's routes. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/net_subnet.h"
#include "cleanup.h"
#include "tap.h"

#define IP(a, b, c, d) (((uint32_t) (a) << 24) | ((uint32_t) (b) << 16) | ((uint32_t) (c) << 8) | (uint32_t) (d))

static void
parses (const char *s, uint32_t net, unsigned prefix)
{
  struct oci_error err = OCI_ERROR_INIT;
  uint32_t got = 0;
  unsigned p = 0;
  ok (bld_net_subnet_parse (s, &got, &p, &err) == 0 && got == net && p == prefix, "%s is taken", s);
  oci_error_clear (&err);
}

/* One line, naming the variable, of at most 200 bytes (not the value
 * when that is long). */
static bool
one_short_line (const char *msg)
{
  for (const char *p = msg; *p; p++)
    if ((unsigned char) *p < 0x20 || *p == 0x7f)
      return false;
  return strlen (msg) <= 200 && strstr (msg, BLD_NET_SUBNET_ENV) != NULL;
}

/* s refused with words in the message; name tells s in the test's
 * line. */
static void
refused_as (const char *s, const char *name, const char *words)
{
  struct oci_error err = OCI_ERROR_INIT;
  uint32_t got = 0;
  unsigned p = 0;
  int r = bld_net_subnet_parse (s, &got, &p, &err);
  const char *msg = oci_error_msg (&err);
  bool good = r < 0 && strstr (msg, words) != NULL && one_short_line (msg);
  ok (good, "%s is refused", name);
  if (!good || strchr (msg, '\n') == NULL)
    diag ("%s", msg);
  oci_error_clear (&err);
}

static void
refused (const char *s, const char *words)
{
  refused_as (s, s, words);
}

/* -1: an error (its message in msg, which the caller frees), else
 * whether routes overlap 10.89.0.0/16. */
static int
overlap (const char *routes, size_t len, char **msg)
{
  struct oci_error err = OCI_ERROR_INIT;
  bool overlaps = false;
  *msg = NULL;
  if (bld_net_routes_overlap (routes, len, IP (10, 89, 0, 0), 16, &overlaps, &err) < 0)
    {
      *msg = err.msg;
      return -1;
    }
  return overlaps;
}

static bool
routes_overlap (const char *routes, uint32_t net, unsigned prefix)
{
  struct oci_error err = OCI_ERROR_INIT;
  bool overlaps = false;
  if (bld_net_routes_overlap (routes, strlen (routes), net, prefix, &overlaps, &err) < 0)
    {
      diag ("%s", oci_error_msg (&err));
      oci_error_clear (&err);
      return false;
    }
  return overlaps;
}

/* The limits: a table of BLD_NET_ROUTES_MAX bytes (full lines, the last
 * one a route of 10.89/16) is read, one byte more is refused; so is a
 * line over BLD_NET_ROUTE_LINE_MAX. */
static void
route_limits (void)
{
  const char *route = "eth1\t0000590A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0";
  const char *other = "eth0\t0002A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0";
  size_t n = BLD_NET_ROUTES_MAX / 128;
  cleanup_free char *big = malloc (BLD_NET_ROUTES_MAX + 2);
  cleanup_free char *msg = NULL;
  char line[129];
  int r;

  if (big == NULL)
    abort ();
  for (size_t i = 0; i < n; i++)
    {
      snprintf (line, sizeof line, "%-127s\n", i + 1 < n ? other : route);
      memcpy (big + i * 128, line, 128);
    }
  ok (overlap (big, BLD_NET_ROUTES_MAX, &msg) == 1, "a table of %u bytes is read to its last line",
      BLD_NET_ROUTES_MAX);
  free (msg);
  big[BLD_NET_ROUTES_MAX] = '\n';
  r = overlap (big, BLD_NET_ROUTES_MAX + 1, &msg);
  ok (r < 0 && strstr (msg, "more than") && one_short_line (msg), "one byte more is refused (%s)",
      msg ? msg : "no error");
  free (msg);

  memset (big, ' ', BLD_NET_ROUTE_LINE_MAX + 1);
  memcpy (big + BLD_NET_ROUTE_LINE_MAX + 1, "\n", 1);
  memcpy (big, route, strlen (route));
  ok (overlap (big, BLD_NET_ROUTE_LINE_MAX, &msg) == 1, "a line of %d bytes is read", BLD_NET_ROUTE_LINE_MAX);
  free (msg);
  r = overlap (big, BLD_NET_ROUTE_LINE_MAX + 2, &msg);
  ok (r < 0 && strstr (msg, "line 1 is longer") && one_short_line (msg), "a longer line is refused (%s)",
      msg ? msg : "no error");
  free (msg);
  /* the same after a route that overlaps (fuzz-net-subnet found the
   * error coming for some networks only) */
  n = strlen (route);
  memcpy (big, route, n);
  big[n] = '\n';
  memset (big + n + 1, ' ', BLD_NET_ROUTE_LINE_MAX + 1);
  r = overlap (big, n + 1 + BLD_NET_ROUTE_LINE_MAX + 1, &msg);
  ok (r < 0 && strstr (msg, "line 2 is longer"), "a longer line after a route that overlaps is refused too (%s)",
      msg ? msg : "no error");
  free (msg);
  msg = NULL;
}

int
main (void)
{
  parses ("10.123.0.0/16", IP (10, 123, 0, 0), 16);
  parses ("192.168.16.0/20", IP (192, 168, 16, 0), 20);
  parses ("172.16.0.0/12", IP (172, 16, 0, 0), 12);
  refused ("10.123.0.0/24", "/20 or wider");
  refused ("10.123.0.0/0", "/20 or wider");
  refused ("10.123.0.0", "/20 or wider");
  refused ("10.123.0/16", "/20 or wider");
  refused ("10.123.0.0/16x", "/20 or wider");
  refused ("/16", "/20 or wider");
  refused ("10.123.0.1/16", "host bits");
  /* the limits: the value is not repeated when long or not one line */
  {
    char long_value[4096];
    memset (long_value, '1', sizeof long_value - 1);
    long_value[sizeof long_value - 1] = '\0';
    refused_as (long_value, "4095 digits", "longer than 32 bytes");
    memcpy (long_value, "10.123.0.0/16", 13);
    refused_as (long_value, "10.123.0.0/16 and 4082 digits", "longer than 32 bytes");
  }
  refused_as ("10.123.0.0/16\nforged: line", "a value with a newline", "a control character");
  refused_as ("10.123.0.0/16\033[2J", "a value with an escape", "a control character");

  /* /proc/net/route: little-endian hex, as this machine prints it */
  const char *routes = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
                       "eth0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
                       "eth0\t0002A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
                       "bldv3\t0C00590A\t00000000\t0001\t0\t0\t0\tFCFFFFFF\t0\t0\t0\n";
  ok (!routes_overlap (routes, IP (10, 89, 0, 0), 16), "the default route and builder's own veths do not count");
  ok (routes_overlap (routes, IP (192, 168, 0, 0), 16), "a /24 inside the network overlaps it");
  const char *wide = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
                     "vpn0\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\n";
  ok (routes_overlap (wide, IP (10, 89, 0, 0), 16), "a /8 around the network overlaps it");
  ok (!routes_overlap (wide, IP (172, 16, 0, 0), 16), "a route elsewhere does not");
  ok (!routes_overlap ("", IP (10, 89, 0, 0), 16), "no routes");
  route_limits ();
  return tap_done ();
}
