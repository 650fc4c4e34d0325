#include "config.h"
#include "image/image_info.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void
bld_info_duration (int64_t d, char *buf, size_t len)
{
  static const struct
  {
    int64_t secs;
    const char *unit;
  } units[] = { { 365 * 86400, "year" }, { 30 * 86400, "month" }, { 7 * 86400, "week" },
                { 86400, "day" },        { 3600, "hour" },        { 60, "minute" } };

  if (d < 0)
    d = 0;
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (d >= units[i].secs)
      {
        int64_t n = d / units[i].secs;
        snprintf (buf, len, "%lld %s%s", (long long) n, units[i].unit, n == 1 ? "" : "s");
        return;
      }
  snprintf (buf, len, "%lld second%s", (long long) d, d == 1 ? "" : "s");
}

void
bld_info_ago (const char *s, char *buf, size_t len)
{
  struct tm tm;
  char d[64];

  memset (&tm, 0, sizeof tm);
  if (s == NULL || strptime (s, "%Y-%m-%dT%H:%M:%S", &tm) == NULL)
    {
      snprintf (buf, len, "%s", "");
      return;
    }
  bld_info_duration ((int64_t) time (NULL) - (int64_t) timegm (&tm), d, sizeof d);
  snprintf (buf, len, "%s ago", d);
}

void
bld_info_size (uint64_t n, char *buf, size_t len)
{
  static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
  double v = (double) n;
  size_t u = 0;
  while (v >= 1000 && u + 1 < sizeof units / sizeof units[0])
    {
      v /= 1000;
      u++;
    }
  if (u == 0)
    snprintf (buf, len, "%lluB", (unsigned long long) n);
  else
    snprintf (buf, len, "%.3g%s", v, units[u]);
}
