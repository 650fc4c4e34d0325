#include "config.h"

#include "common/size.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int
cmn_parse_size (const char *text, int64_t *out)
{
  static const char units[] = "bkmgtp";
  const char *u;
  char *end;
  double v, mult = 1;

  errno = 0;
  v = strtod (text, &end);
  /* strtod also takes "inf", "nan" and hex floats: digits only. */
  if (end == text || !(isdigit ((unsigned char) *text) || *text == '.') || errno || v < 0)
    goto bad;
  if (*end != '\0' && (u = strchr (units, tolower ((unsigned char) *end))) != NULL)
    {
      mult = (double) (INT64_C (1) << (10 * (u - units)));
      end++;
      if (u != units && (strcasecmp (end, "b") == 0 || strcasecmp (end, "ib") == 0))
        end += strlen (end);
    }
  if (*end != '\0')
    goto bad;
  if (v * mult >= 9223372036854775807.0)
    {
      errno = ERANGE;
      return -1;
    }
  *out = (int64_t) (v * mult);
  return 0;
bad:
  errno = EINVAL;
  return -1;
}
