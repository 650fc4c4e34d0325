/* --jobs: independent stages build at once, as BuildKit's solver runs
 * independent vertices.  The workers share the build's state under one
 * lock (b->lock) that a worker gives up only while RUN's process runs
 * (build_unlock): the time a build spends in RUN steps overlaps, the
 * executor's own state (the step cache, the store, the snapshotter, the
 * layer cache) is touched by one worker at a time. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec/build_internal.h"

enum stage_state
{
  STAGE_WAITING,
  STAGE_RUNNING,
  STAGE_BUILT
};

struct jobs
{
  struct build *b;
  pthread_mutex_t lock; /* b->lock */
  pthread_cond_t changed;
  enum stage_state *state; /* by stage index */
  size_t active;           /* workers not finished */
  bool failed;
  struct oci_error err; /* the first failure */
};

void
build_unlock (struct build *b)
{
  if (b->lock)
    pthread_mutex_unlock (b->lock);
}

void
build_relock (struct build *b, struct stage_st *s)
{
  if (b->lock == NULL)
    return;
  pthread_mutex_lock (b->lock);
  b->cur = s;
  b->step = s->step;
}

/* The next stage whose stages are built; *pending whether any waits. */
static size_t
next_ready (struct jobs *j, bool *pending, bool *running)
{
  const struct recipe_plan *p = j->b->plan;
  *pending = *running = false;
  for (size_t k = 0; k < p->order_len; k++)
    {
      size_t si = p->order[k];
      const struct recipe_stage *rs = &p->stages[si];
      bool ready = true;
      *running |= j->state[si] == STAGE_RUNNING;
      if (j->state[si] != STAGE_WAITING)
        continue;
      *pending = true;
      for (size_t d = 0; d < rs->deps_len && ready; d++)
        ready = rs->deps[d] == si || j->state[rs->deps[d]] == STAGE_BUILT;
      if (ready)
        return si;
    }
  return SIZE_MAX;
}

static void
fail (struct jobs *j, struct oci_error *e)
{
  if (!j->failed)
    {
      j->failed = true;
      j->err = *e;
      *e = (struct oci_error) OCI_ERROR_INIT;
    }
  oci_error_clear (e);
}

static void *
worker (void *data)
{
  struct jobs *j = data;
  pthread_mutex_lock (&j->lock);
  while (!j->failed)
    {
      bool pending, running;
      size_t si = next_ready (j, &pending, &running);
      if (si == SIZE_MAX && !pending)
        break;
      if (si == SIZE_MAX)
        {
          if (!running)
            {
              /* nothing runs that could make a waiting stage ready */
              struct oci_error e = OCI_ERROR_INIT;
              oci_error_set (&e, 0, "the stages wait for each other");
              fail (j, &e);
              break;
            }
          pthread_cond_wait (&j->changed, &j->lock);
          continue;
        }
      struct oci_error e = OCI_ERROR_INIT;
      j->state[si] = STAGE_RUNNING;
      if (build_stage (j->b, si, &e) < 0)
        fail (j, &e);
      j->state[si] = STAGE_BUILT;
      pthread_cond_broadcast (&j->changed);
    }
  j->active--;
  pthread_cond_broadcast (&j->changed);
  pthread_mutex_unlock (&j->lock);
  return NULL;
}

/* Waits for the workers; a signal that interrupted the build is passed on
 * to each of them until they are done, so that a worker blocked reading
 * its RUN's output sees it (EINTR) wherever the kernel delivered it. */
static void
wait_workers (struct jobs *j, pthread_t *t, size_t n)
{
  pthread_mutex_lock (&j->lock);
  while (j->active > 0)
    {
      struct timespec ts;
      clock_gettime (CLOCK_REALTIME, &ts);
      ts.tv_nsec += 100 * 1000 * 1000;
      if (ts.tv_nsec >= 1000000000)
        {
          ts.tv_sec++;
          ts.tv_nsec -= 1000000000;
        }
      pthread_cond_timedwait (&j->changed, &j->lock, &ts);
      if (bld_interrupted)
        for (size_t i = 0; i < n; i++)
          pthread_kill (t[i], bld_interrupted);
    }
  pthread_mutex_unlock (&j->lock);
  for (size_t i = 0; i < n; i++)
    pthread_join (t[i], NULL);
}

int
build_stages_parallel (struct build *b, unsigned jobs, struct oci_error *err)
{
  struct jobs j = { .b = b, .err = OCI_ERROR_INIT };
  size_t n = jobs < b->plan->order_len ? jobs : b->plan->order_len, started = 0;
  pthread_t *t = calloc (n, sizeof *t);
  j.state = calloc (b->plan->stages_len, sizeof *j.state);
  if (t == NULL || j.state == NULL)
    {
      free (t);
      free (j.state);
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  pthread_mutex_init (&j.lock, NULL);
  pthread_cond_init (&j.changed, NULL);
  b->lock = &j.lock;
  b->cancel = &j.failed;
  int ret = 0;
  pthread_mutex_lock (&j.lock);
  for (; started < n; started++)
    {
      int e = pthread_create (&t[started], NULL, worker, &j);
      if (e != 0)
        {
          if (started == 0)
            ret = oci_error_set (err, e, "start a build worker");
          break;
        }
      j.active++;
    }
  pthread_mutex_unlock (&j.lock);
  wait_workers (&j, t, started);
  b->lock = NULL;
  b->cancel = NULL;
  pthread_cond_destroy (&j.changed);
  pthread_mutex_destroy (&j.lock);
  free (t);
  free (j.state);
  if (ret == 0 && j.failed)
    {
      oci_error_clear (err);
      *err = j.err;
      ret = -1;
    }
  return ret;
}
