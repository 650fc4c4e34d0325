/* runc-lite/lib/util.c: the /proc/loadavg reading behind
 * rl_step_aside_from_child, and that the hop leaves the caller's CPU mask
 * as it was. */
#include "config.h"

#include <sched.h>
#include <string.h>

#include "lib/util.h"
#include "tap.h"

int
main (void)
{
  cpu_set_t before, after;

  ok (rl_loadavg_runnable ("0.00 0.01 0.05 2/153 4242\n") == 2, "idle machine: 2 runnable");
  ok (rl_loadavg_runnable ("3.10 2.00 1.00 17/900 1\n") == 17, "loaded machine: 17 runnable");
  ok (rl_loadavg_runnable ("0.00 0.01 0.05") == -1, "no fourth field: unknown");
  ok (rl_loadavg_runnable ("0.00 0.01 0.05 x/153 1") == -1, "not a number: unknown");
  ok (rl_loadavg_runnable ("0.00 0.01 0.05 7") == -1, "no slash after the count: unknown");
  ok (rl_loadavg_runnable ("0.00 0.01 0.05 99999999999999999999/1 1") == -1, "overflow: unknown");
  ok (rl_loadavg_runnable ("") == -1, "empty: unknown");

  ok (sched_getaffinity (0, sizeof before, &before) == 0, "read the CPU mask");
  rl_step_aside_from_child ();
  ok (sched_getaffinity (0, sizeof after, &after) == 0, "read it again");
  ok (CPU_EQUAL (&before, &after), "the CPU mask is the same after the hop (%d CPUs)", CPU_COUNT (&after));
  return tap_done ();
}
