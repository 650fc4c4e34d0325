/* Values in instructions and their flags: booleans, numbers, sizes,
 * modes, ports, durations; see recipe_parse.h and recipe_parse_internal.h. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cleanup.h"
#include "frontend/recipe_parse_internal.h"

int
recipe_parse_bool (const char *s, bool *b)
{
  static const char *const t[] = { "1", "t", "T", "TRUE", "true", "True" };
  static const char *const f[] = { "0", "f", "F", "FALSE", "false", "False" };
  for (size_t i = 0; i < 6; i++)
    {
      if (strcmp (s, t[i]) == 0)
        return *b = true, 0;
      if (strcmp (s, f[i]) == 0)
        return *b = false, 0;
    }
  return -1;
}


int
recipe_check_chmod (const char *s, mode_t *mode, struct oci_error *err)
{
  unsigned long m = 0;
  if (*s == '\0' || strlen (s) > 5)
    return oci_error_set (err, 0, "invalid chmod \"%s\": want an octal mode such as 0755", s);
  for (const char *p = s; *p; p++)
    {
      if (*p < '0' || *p > '7')
        return oci_error_set (err, 0, "invalid chmod \"%s\": want an octal mode such as 0755", s);
      m = m * 8 + (*p - '0');
    }
  if (m > 07777)
    return oci_error_set (err, 0, "invalid chmod \"%s\": want an octal mode such as 0755", s);
  *mode = m;
  return 0;
}

int
recipe_parse_uint (const char *s, int base, uint64_t max, uint64_t *out)
{
  char *end;
  if (*s == '\0' || *s == '-' || *s == '+' || isspace ((unsigned char) *s))
    return -1;
  errno = 0;
  unsigned long long v = strtoull (s, &end, base);
  if (errno || *end || v > max)
    return -1;
  *out = v;
  return 0;
}

int
recipe_check_port (const char *s, struct recipe_port *port, struct oci_error *err)
{
  cleanup_free char *copy = strdup (s);
  uint64_t a, b;
  if (copy == NULL)
    return recipe_oom (err);
  char *proto = strchr (copy, '/');
  if (proto)
    {
      *proto++ = '\0';
      for (char *p = proto; *p; p++)
        *p = tolower ((unsigned char) *p);
      if (strcmp (proto, "tcp") != 0 && strcmp (proto, "udp") != 0 && strcmp (proto, "sctp") != 0)
        return oci_error_set (err, 0, "invalid port \"%s\": protocol must be tcp, udp or sctp", s);
    }
  char *dash = strchr (copy, '-');
  if (dash)
    *dash++ = '\0';
  if (recipe_parse_uint (copy, 10, 65535, &a) < 0 || (dash && recipe_parse_uint (dash, 10, 65535, &b) < 0))
    return oci_error_set (err, 0, "invalid port \"%s\": want port[-port][/protocol]", s);
  if (!dash)
    b = a;
  if (b < a)
    return oci_error_set (err, 0, "invalid port range \"%s\": end before start", s);
  port->start = a;
  port->end = b;
  port->proto = strdup (proto ? proto : "tcp");
  return port->proto ? 0 : recipe_oom (err);
}

int
recipe_parse_duration (const char *s, int64_t *ns, struct oci_error *err)
{
  static const struct
  {
    const char *unit;
    double scale;
  } units[] = {
    { "ns", 1 },   { "us", 1e3 }, { "\xc2\xb5s", 1e3 }, { "\xce\xbcs", 1e3 },
    { "ms", 1e6 }, { "s", 1e9 },  { "m", 60e9 },        { "h", 3600e9 },
  };
  const char *p = s;
  double total = 0;
  bool neg = false;

  if (*p == '-' || *p == '+')
    neg = *p++ == '-';
  if (strcmp (p, "0") == 0)
    return *ns = 0, 0;
  if (*p == '\0')
    return oci_error_set (err, 0, "invalid duration \"%s\"", s);
  while (*p)
    {
      const char *start = p;
      double v = 0, frac = 0, scale = 1;
      while (isdigit ((unsigned char) *p))
        v = v * 10 + (*p++ - '0');
      if (*p == '.')
        for (p++; isdigit ((unsigned char) *p); p++)
          frac = frac * 10 + (*p - '0'), scale *= 10;
      if (p == start || (p == start + 1 && *start == '.'))
        return oci_error_set (err, 0, "invalid duration \"%s\"", s);
      size_t k, ulen = 0;
      for (k = 0; k < sizeof (units) / sizeof (units[0]); k++)
        {
          ulen = strlen (units[k].unit);
          if (strncmp (p, units[k].unit, ulen) == 0 && !(units[k].unit[0] == 'm' && ulen == 1 && p[1] == 's'))
            break;
        }
      if (k == sizeof (units) / sizeof (units[0]))
        return oci_error_set (err, 0, "invalid duration \"%s\": %s", s, *p ? "unknown unit" : "missing unit");
      total += (v + frac / scale) * units[k].scale;
      p += ulen;
    }
  if (total > 9.2e18)
    return oci_error_set (err, 0, "invalid duration \"%s\": out of range", s);
  *ns = (int64_t) (neg ? -total : total);
  return 0;
}

/* ---- RUN --mount ---- */

int
recipe_size_in_bytes (const char *s, uint64_t *out)
{
  char *end;
  errno = 0;
  if (!isdigit ((unsigned char) *s))
    return -1;
  double v = strtod (s, &end);
  if (errno)
    return -1;
  while (*end == ' ')
    end++;
  double m = 1;
  switch (tolower ((unsigned char) *end))
    {
    case 'k':
      m = 1024.0;
      end++;
      break;
    case 'm':
      m = 1024.0 * 1024;
      end++;
      break;
    case 'g':
      m = 1024.0 * 1024 * 1024;
      end++;
      break;
    case 't':
      m = 1024.0 * 1024 * 1024 * 1024;
      end++;
      break;
    case 'p':
      m = 1024.0 * 1024 * 1024 * 1024 * 1024;
      end++;
      break;
    default:
      break;
    }
  if (m > 1 && tolower ((unsigned char) *end) == 'i')
    end++;
  if (tolower ((unsigned char) *end) == 'b')
    end++;
  if (*end || v * m > 1.8e19)
    return -1;
  *out = (uint64_t) (v * m);
  return 0;
}
