#include "config.h"
#include "freezer.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"
#include "util.h"

/* The file that controls freezing: v1's freezer.state is preferred (on a
 * hybrid host the v2 hierarchy has no processes' controllers but still a
 * cgroup.freeze, which would also work; one is enough). */
static char *
freezer_file (char *const *dirs, size_t n, bool *v1)
{
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < n; i++)
      {
        char *path = NULL;
        if (asprintf (&path, "%s/%s", dirs[i], pass == 0 ? "freezer.state" : "cgroup.freeze") < 0)
          return NULL;
        if (access (path, F_OK) == 0)
          {
            *v1 = pass == 0;
            return path;
          }
        free (path);
      }
  return NULL;
}

static bool
read_frozen (const char *path, bool v1)
{
  cleanup_free char *text = NULL;
  struct oci_error err = OCI_ERROR_INIT;
  size_t len;
  if (oci_read_file (path, 4096, &text, &len, &err) < 0)
    {
      oci_error_clear (&err);
      return false;
    }
  if (v1)
    return strncmp (text, "FROZEN", 6) == 0;
  /* v2: cgroup.freeze is what was asked; cgroup.events says when done */
  return text[0] == '1';
}

/* v2: "frozen 1" in cgroup.events once every task is stopped. */
static bool
v2_events_frozen (const char *freeze_path, bool want)
{
  cleanup_free char *events = strdup (freeze_path), *text = NULL;
  struct oci_error err = OCI_ERROR_INIT;
  size_t len;
  char *slash = events ? strrchr (events, '/') : NULL, *line;
  if (slash == NULL)
    return false;
  strcpy (slash + 1, "events");
  if (oci_read_file (events, 4096, &text, &len, &err) < 0)
    {
      oci_error_clear (&err);
      return false;
    }
  line = strstr (text, "frozen ");
  return line && (line[7] == '1') == want;
}

int
rl_freezer_set (char *const *dirs, size_t n, bool frozen, struct oci_error *err)
{
  bool v1 = false;
  cleanup_free char *path = freezer_file (dirs, n, &v1);

  if (path == NULL)
    return oci_error_set (err, 0, "the container's cgroup has no freezer");
  if (rl_write_file (path, v1 ? (frozen ? "FROZEN" : "THAWED") : (frozen ? "1" : "0"), err) < 0)
    return -1;
  /* v1 goes through FREEZING; v2 reports completion in cgroup.events.
   * Bounded wait: a task stuck in the kernel must not hang us forever. */
  for (int i = 0; i < 10000; i++)
    {
      struct timespec ts = { 0, 1000000 };
      if (v1)
        {
          cleanup_free char *text = NULL;
          size_t len;
          if (oci_read_file (path, 4096, &text, &len, err) < 0)
            return -1;
          if (strncmp (text, frozen ? "FROZEN" : "THAWED", 6) == 0)
            return 0;
          if (frozen && strncmp (text, "FREEZING", 8) == 0 && i % 100 == 99)
            rl_write_file (path, "FROZEN", err); /* nudge, as the kernel docs suggest */
          oci_error_clear (err);
        }
      else if (v2_events_frozen (path, frozen))
        return 0;
      nanosleep (&ts, NULL);
    }
  return oci_error_set (err, 0, "%s: still not %s after 10s", path, frozen ? "frozen" : "thawed");
}

bool
rl_freezer_is_frozen (char *const *dirs, size_t n)
{
  bool v1 = false;
  cleanup_free char *path = freezer_file (dirs, n, &v1);
  return path && read_frozen (path, v1);
}
