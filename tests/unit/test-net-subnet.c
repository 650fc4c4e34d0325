/* RUN's private network: BUILDER_NETWORK_SUBNET and the host's routes. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "exec/net_subnet.h"
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

static void
refused (const char *s, const char *words)
{
  struct oci_error err = OCI_ERROR_INIT;
  uint32_t got = 0;
  unsigned p = 0;
  int r = bld_net_subnet_parse (s, &got, &p, &err);
  const char *msg = oci_error_msg (&err);
  ok (r < 0 && strstr (msg, words) != NULL && strstr (msg, BLD_NET_SUBNET_ENV) != NULL, "%s is refused (%s)", s, msg);
  oci_error_clear (&err);
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

  /* /proc/net/route: little-endian hex, as this machine prints it */
  const char *routes = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
                       "eth0\t00000000\t0102A8C0\t0003\t0\t0\t0\t00000000\t0\t0\t0\n"
                       "eth0\t0002A8C0\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n"
                       "bldv3\t0C00590A\t00000000\t0001\t0\t0\t0\tFCFFFFFF\t0\t0\t0\n";
  ok (!bld_net_routes_overlap (routes, IP (10, 89, 0, 0), 16),
      "the default route and builder's own veths do not count");
  ok (bld_net_routes_overlap (routes, IP (192, 168, 0, 0), 16), "a /24 inside the network overlaps it");
  const char *wide = "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\n"
                     "vpn0\t0000000A\t00000000\t0001\t0\t0\t0\t000000FF\n";
  ok (bld_net_routes_overlap (wide, IP (10, 89, 0, 0), 16), "a /8 around the network overlaps it");
  ok (!bld_net_routes_overlap (wide, IP (172, 16, 0, 0), 16), "a route elsewhere does not");
  ok (!bld_net_routes_overlap ("", IP (10, 89, 0, 0), 16), "no routes");
  return tap_done ();
}
