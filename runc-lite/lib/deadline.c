#include "config.h"
#include "deadline.h"

#include <time.h>

static int64_t
now_ms (void)
{
  struct timespec now;
  clock_gettime (CLOCK_MONOTONIC, &now);
  return (int64_t) now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int64_t
rl_deadline_after_ms (int64_t ms)
{
  int64_t now = now_ms ();
  return ms > INT64_MAX - now ? INT64_MAX : now + ms;
}

int
rl_deadline_left (int64_t deadline)
{
  int64_t left;
  if (deadline < 0)
    return -1;
  left = deadline - now_ms ();
  return left <= 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int) left;
}
