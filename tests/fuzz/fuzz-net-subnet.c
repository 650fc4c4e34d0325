/* RUN's private network's two parsers of outside input
 * (builder/exec/net_subnet.c).  The first byte chooses: even, the rest is
 * a BUILDER_NETWORK_SUBNET value (up to a NUL, as getenv gives it); odd,
 * the rest is the text of /proc/net/route (exact size, no terminator),
 * asked about 10.89.0.0 with every prefix 0..32 and the candidates
 * bld_net_subnet tries.  Checked: errors are one short line naming the
 * variable; a parsed network prints and parses back to itself; whatever
 * overlaps a network overlaps every wider network around it. */
#include "config.h"

#include <arpa/inet.h>
#include <stdbool.h>

#include "exec/net_subnet.h"
#include "fuzz.h"

static void
check_message (const struct oci_error *err)
{
  const char *msg = oci_error_msg (err);
  FUZZ_ASSERT (err->msg && msg[0], "an error without a message");
  FUZZ_ASSERT (strlen (msg) <= 200, "a message of %zu bytes", strlen (msg));
  FUZZ_ASSERT (strstr (msg, BLD_NET_SUBNET_ENV) != NULL, "the message does not name the variable: %s", msg);
  for (const char *p = msg; *p; p++)
    FUZZ_ASSERT ((unsigned char) *p >= 0x20 && *p != 0x7f, "a control character in the message");
}

static uint32_t
mask_of (unsigned prefix)
{
  return prefix == 0 ? 0 : UINT32_C (0xffffffff) << (32 - prefix);
}

static void
subnet (const char *s)
{
  struct oci_error err = OCI_ERROR_INIT;
  uint32_t net = 0, again_net = 0;
  unsigned prefix = 0, again_prefix = 0;
  struct in_addr a;
  char addr[INET_ADDRSTRLEN];
  char text[INET_ADDRSTRLEN + 16];

  if (bld_net_subnet_parse (s, &net, &prefix, &err) < 0)
    {
      check_message (&err);
      oci_error_clear (&err);
      return;
    }
  FUZZ_ASSERT (prefix >= 1 && prefix <= BLD_NET_SUBNET_MAX_PREFIX, "%s: prefix %u", s, prefix);
  FUZZ_ASSERT ((net & ~mask_of (prefix)) == 0, "%s: host bits set", s);
  FUZZ_ASSERT (strlen (s) <= BLD_NET_SUBNET_MAX_LEN, "%s: longer than the limit", s);
  a.s_addr = htonl (net);
  FUZZ_ASSERT (inet_ntop (AF_INET, &a, addr, sizeof addr) != NULL, "inet_ntop");
  snprintf (text, sizeof text, "%s/%u", addr, prefix);
  FUZZ_ASSERT (bld_net_subnet_parse (text, &again_net, &again_prefix, &err) == 0, "%s -> %s does not parse: %s", s,
               text, oci_error_msg (&err));
  FUZZ_ASSERT (again_net == net && again_prefix == prefix, "%s -> %s parses differently", s, text);
}

/* -1 (the error checked), else whether routes overlap net/prefix. */
static int
overlap (const char *routes, size_t len, uint32_t net, unsigned prefix)
{
  struct oci_error err = OCI_ERROR_INIT;
  bool overlaps = true;

  if (bld_net_routes_overlap (routes, len, net, prefix, &overlaps, &err) < 0)
    {
      check_message (&err);
      oci_error_clear (&err);
      return -1;
    }
  return overlaps;
}

static void
routes (const char *text, size_t len)
{
  const uint32_t base = UINT32_C (0x0a590000); /* 10.89.0.0 */
  int narrower = 0;

  /* from /32 out to /0: once a network overlaps, every wider one does;
   * an error (the text's size) comes at once or not at all */
  for (unsigned prefix = 33; prefix-- > 0;)
    {
      int r = overlap (text, len, base & mask_of (prefix), prefix);
      if (r < 0)
        {
          FUZZ_ASSERT (prefix == 32, "an error for /%u, none for /%u", prefix, prefix + 1);
          return;
        }
      FUZZ_ASSERT (r == 1 || narrower == 0, "overlaps /%u but not the wider /%u", prefix + 1, prefix);
      narrower = r;
    }
  for (unsigned second = 89; second <= 99; second++)
    FUZZ_ASSERT (overlap (text, len, (UINT32_C (10) << 24) | (second << 16), 16) >= 0, "an error for one network");
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  if ((data[0] & 1) == 0)
    {
      cleanup_free char *s = fuzz_string (data + 1, size - 1);
      subnet (s);
    }
  else
    {
      cleanup_free char *text = fuzz_bytes (data + 1, size - 1);
      routes (text, size - 1);
    }
  return 0;
}
