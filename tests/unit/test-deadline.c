/* runc-lite/lib/deadline.c: deadlines as poll timeouts. */
#include "config.h"

#include <stdint.h>
#include <time.h>

#include "lib/deadline.h"
#include "tap.h"

int
main (void)
{
  int64_t d = rl_deadline_after_ms (10000);
  int left = rl_deadline_left (d);
  struct timespec pause = { 0, 30 * 1000000 };

  ok (rl_deadline_left (RL_NO_DEADLINE) == -1, "no deadline: -1, poll waits for ever");
  ok (left > 5000 && left <= 10000, "10s from now: about 10000 ms left (%d)", left);
  nanosleep (&pause, NULL);
  ok (rl_deadline_left (d) < left, "the time left shrinks");
  ok (rl_deadline_left (rl_deadline_after_ms (0)) == 0, "a deadline of now: 0 left");
  d = rl_deadline_after_ms (20);
  nanosleep (&pause, NULL);
  ok (rl_deadline_left (d) == 0, "a passed deadline: 0, never negative");
  d = rl_deadline_after_ms (INT64_MAX);
  ok (d == INT64_MAX, "a huge timeout saturates instead of wrapping");
  ok (rl_deadline_left (d) == INT32_MAX, "and is capped at INT32_MAX ms for poll");
  return tap_done ();
}
