/* `build --progress`: the executor writes plain lines to o->out
 *   "[N/M] INSTRUCTION ARGS"   a step starts
 *   "[N/M] | TEXT"             its output ("CACHED" for a cache hit)
 *   anything else              after the steps (image digest, names)
 * and the stream bld_progress_open returns turns them into the chosen
 * view: plain adds "[N/M] DONE 1.2s" (or ERROR) when a step ends; tty
 * keeps a live view (each step with its timer, the last output lines of
 * the running one) redrawn in place with ANSI escapes, and leaves a
 * summary of the steps when the stream is closed; rawjson writes each
 * event as a line of JSON (build_progress_json.c). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "common/array.h"
#include "exec/build.h"
#include "cleanup.h"
#include "image/layer_write.h"
#include "common/strbuf.h"

#define TAIL_LINES 6

enum step_state
{
  STEP_RUNNING,
  STEP_DONE,
  STEP_CACHED,
  STEP_ERROR
};

struct step
{
  char *label; /* "[N/M]" */
  char *text;  /* the instruction */
  enum step_state state;
  double start, end;
  unsigned n; /* N of [N/M] */
};

struct progress
{
  enum bld_progress_mode mode;
  FILE *dest;
  pthread_mutex_t lock;
  pthread_t ticker;
  bool ticking, stop;
  struct strbuf partial; /* an incomplete line */
  struct step *steps;
  size_t n_steps;
  char *tail[TAIL_LINES]; /* the running step's last output lines */
  size_t n_tail;
  int drawn;      /* lines of the live view on screen */
  unsigned total; /* M of [N/M] */
  double start;
  bool finished; /* a line after the steps came */
};

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static void
tail_clear (struct progress *p)
{
  for (size_t i = 0; i < p->n_tail; i++)
    free (p->tail[i]);
  p->n_tail = 0;
}

static void
tail_push (struct progress *p, const char *line)
{
  char *c = strdup (line);
  if (c == NULL)
    return;
  if (p->n_tail == TAIL_LINES)
    {
      free (p->tail[0]);
      memmove (p->tail, p->tail + 1, (TAIL_LINES - 1) * sizeof *p->tail);
      p->n_tail--;
    }
  p->tail[p->n_tail++] = c;
}

/* The step of label ("[N/M]", len bytes of it), the latest of that label. */
static struct step *
step_of (struct progress *p, const char *label, size_t len)
{
  for (size_t i = p->n_steps; i-- > 0;)
    if (strlen (p->steps[i].label) == len && strncmp (p->steps[i].label, label, len) == 0)
      return &p->steps[i];
  return NULL;
}

/* --progress=rawjson: one event of step s (NULL: none). */
static void
json_event (struct progress *p, const char *event, const struct step *s, const char *text, double duration)
{
  struct bld_progress_event e = { .event = event,
                                  .step = s ? s->n : 0,
                                  .total = p->total,
                                  .name = s && strcmp (event, "start") == 0 ? s->text : NULL,
                                  .text = text,
                                  .duration_ms = duration >= 0 ? (int64_t) (duration * 1000) : -1 };
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_free char *line = NULL;
  size_t len;
  clock_gettime (CLOCK_REALTIME, &e.time);
  if (bld_progress_event_json (&e, &line, &len, &err) < 0)
    {
      oci_error_clear (&err);
      return;
    }
  fprintf (p->dest, "%s\n", line);
}

/* Ends the running step: done, or (at close, no image line came) failed. */
static void
step_end_one (struct progress *p, struct step *s, enum step_state state)
{
  if (s == NULL || s->state != STEP_RUNNING)
    return;
  s->state = state;
  s->end = now ();
  if (p->mode == BLD_PROGRESS_PLAIN)
    fprintf (p->dest, "%s %s %.1fs\n", s->label, state == STEP_ERROR ? "ERROR" : "DONE", s->end - s->start);
  if (p->mode == BLD_PROGRESS_RAWJSON)
    json_event (p, state == STEP_ERROR ? "error" : "done", s, NULL, s->end - s->start);
}

/* Ends every running step (several run at once with --jobs). */
static void
step_end (struct progress *p, enum step_state state)
{
  for (size_t i = 0; i < p->n_steps; i++)
    step_end_one (p, &p->steps[i], state);
}

static int
term_width (FILE *f)
{
  struct winsize ws;
  if (ioctl (fileno (f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 20)
    return ws.ws_col;
  return 80;
}

/* One line of the view, cut to the terminal's width. */
static void
draw_line (struct progress *p, int width, const char *fmt, ...)
{
  cleanup_free char *text = NULL;
  va_list ap;
  va_start (ap, fmt);
  int n = vasprintf (&text, fmt, ap);
  va_end (ap);
  if (n < 0)
    return;
  if (n >= width)
    text[width - 1] = '\0';
  fprintf (p->dest, "\r\033[2K%s\n", text);
  p->drawn++;
}

/* "[N/M] INSTRUCTION   [MARK ]1.2s": an instruction too long for the
 * terminal is cut (on a character boundary, with "...") so that the time
 * stays on the line. */
static void
draw_step (struct progress *p, int width, const struct step *s, const char *mark, double elapsed)
{
  char suffix[64];
  int n = snprintf (suffix, sizeof suffix, "%s%s%.1fs", mark, *mark ? " " : "", elapsed);
  int room = width - 1 - (int) strlen (s->label) - 2 - n; /* two spaces, one column spare */
  int pad = width > 60 ? width - 30 : 30;
  size_t len = strlen (s->text);

  if (room < 8)
    room = 8;
  if (pad > room)
    pad = room;
  if (len <= (size_t) room)
    {
      draw_line (p, width, "%s %-*s %s", s->label, pad, s->text, suffix);
      return;
    }
  size_t cut = (size_t) room - 3;
  while (cut > 0 && ((unsigned char) s->text[cut] & 0xC0) == 0x80)
    cut--;
  draw_line (p, width, "%s %.*s... %s", s->label, (int) cut, s->text, suffix);
}

static void
draw (struct progress *p, bool final)
{
  int width = term_width (p->dest);
  double t = now ();
  if (p->drawn > 0)
    fprintf (p->dest, "\033[%dA", p->drawn);
  p->drawn = 0;
  size_t cached = 0;
  for (size_t i = 0; i < p->n_steps; i++)
    cached += p->steps[i].state == STEP_CACHED;
  bool failed = false;
  struct step *last_running = NULL;
  for (size_t i = 0; i < p->n_steps; i++)
    {
      failed |= p->steps[i].state == STEP_ERROR || p->steps[i].state == STEP_RUNNING;
      if (p->steps[i].state == STEP_RUNNING)
        last_running = &p->steps[i];
    }
  draw_line (p, width, "[+] Building %.1fs (%zu/%u, %zu cached)%s", t - p->start, p->n_steps, p->total, cached,
             !final   ? ""
             : failed ? " FAILED"
                      : " FINISHED");
  for (size_t i = 0; i < p->n_steps; i++)
    {
      struct step *s = &p->steps[i];
      double el = (s->state == STEP_RUNNING ? t : s->end) - s->start;
      const char *mark = s->state == STEP_CACHED ? "CACHED" : s->state == STEP_ERROR ? "ERROR" : "";
      if (s->state == STEP_RUNNING && final)
        mark = "ERROR";
      draw_step (p, width, s, mark, el);
      if (!final && s == last_running)
        for (size_t k = 0; k < p->n_tail; k++)
          draw_line (p, width, "  \033[2m| %s\033[0m", p->tail[k]);
    }
  fprintf (p->dest, "\033[J");
  fflush (p->dest);
  if (final)
    p->drawn = 0;
}

static void
steps_clear (struct progress *p)
{
  tail_clear (p);
  for (size_t i = 0; i < p->n_steps; i++)
    {
      free (p->steps[i].label);
      free (p->steps[i].text);
    }
  free (p->steps);
  p->steps = NULL;
  p->n_steps = 0;
}

static void
handle_line (struct progress *p, const char *line)
{
  unsigned n, m;
  int off = -1;
  if (sscanf (line, "[%u/%u]%n", &n, &m, &off) == 2 && off > 0 && line[off] == ' ')
    {
      const char *rest = line + off + 1;
      if (strcmp (rest, BLD_PROGRESS_STEP_END) == 0)
        {
          step_end_one (p, step_of (p, line, (size_t) off), STEP_DONE);
          return;
        }
      if (rest[0] == '|' && rest[1] == ' ')
        {
          struct step *s = step_of (p, line, (size_t) off);
          if (strcmp (rest + 2, "CACHED") == 0 && s)
            {
              s->state = STEP_CACHED;
              s->end = now ();
              if (p->mode == BLD_PROGRESS_RAWJSON)
                json_event (p, "cached", s, NULL, s->end - s->start);
            }
          else if (p->mode == BLD_PROGRESS_RAWJSON)
            json_event (p, "log", s, rest + 2, -1);
          else if (p->mode == BLD_PROGRESS_TTY)
            tail_push (p, rest + 2);
          if (p->mode == BLD_PROGRESS_PLAIN)
            fprintf (p->dest, "%s\n", line);
          return;
        }
      p->total = m;
      if (array_reserve (&p->steps, p->n_steps + 1, sizeof *p->steps) < 0)
        return;
      struct step *ns = p->steps;
      struct step *s = &ns[p->n_steps];
      s->label = strndup (line, (size_t) off);
      s->text = strdup (rest);
      if (s->label == NULL || s->text == NULL)
        {
          free (s->label);
          free (s->text);
          return;
        }
      s->state = STEP_RUNNING;
      s->start = now ();
      s->end = 0;
      s->n = n;
      p->n_steps++;
      tail_clear (p);
      if (p->mode == BLD_PROGRESS_PLAIN)
        fprintf (p->dest, "%s\n", line);
      else if (p->mode == BLD_PROGRESS_RAWJSON)
        json_event (p, "start", s, NULL, -1);
      return;
    }
  /* The next platform of a multi-platform build: the last one's view is
   * left as its summary, the steps start again. */
  if (strncmp (line, BLD_PROGRESS_PLATFORM_LINE, strlen (BLD_PROGRESS_PLATFORM_LINE)) == 0)
    {
      step_end (p, STEP_DONE);
      if (p->mode == BLD_PROGRESS_TTY && p->n_steps && !p->finished)
        draw (p, true);
      steps_clear (p);
      p->finished = false;
      p->start = now ();
      if (p->mode == BLD_PROGRESS_RAWJSON)
        json_event (p, "message", NULL, line, -1);
      else
        fprintf (p->dest, "%s\n", line);
      return;
    }
  /* After the steps: the image's digest and names. */
  step_end (p, STEP_DONE);
  if (p->mode == BLD_PROGRESS_TTY && !p->finished)
    {
      draw (p, true);
      p->finished = true;
    }
  if (p->mode == BLD_PROGRESS_RAWJSON)
    json_event (p, "message", NULL, line, -1);
  else
    fprintf (p->dest, "%s\n", line);
}

static ssize_t
progress_write (void *cookie, const char *buf, size_t size)
{
  struct progress *p = cookie;
  pthread_mutex_lock (&p->lock);
  for (size_t i = 0; i < size; i++)
    {
      if (buf[i] != '\n')
        {
          strbuf_addc (&p->partial, buf[i]);
          continue;
        }
      handle_line (p, p->partial.s ? p->partial.s : "");
      p->partial.len = 0;
      if (p->partial.s)
        p->partial.s[0] = '\0';
    }
  if (p->mode == BLD_PROGRESS_TTY && !p->finished)
    draw (p, false);
  fflush (p->dest);
  pthread_mutex_unlock (&p->lock);
  return (ssize_t) size;
}

/* Redraws the timers while a step is silent. */
static void *
tick (void *data)
{
  struct progress *p = data;
  struct timespec ts = { 0, 200 * 1000 * 1000 };
  for (;;)
    {
      nanosleep (&ts, NULL);
      pthread_mutex_lock (&p->lock);
      if (p->stop)
        {
          pthread_mutex_unlock (&p->lock);
          return NULL;
        }
      if (!p->finished && p->n_steps)
        draw (p, false);
      pthread_mutex_unlock (&p->lock);
    }
}

static int
progress_close (void *cookie)
{
  struct progress *p = cookie;
  pthread_mutex_lock (&p->lock);
  p->stop = true;
  pthread_mutex_unlock (&p->lock);
  if (p->ticking)
    pthread_join (p->ticker, NULL);
  if (p->partial.len)
    handle_line (p, p->partial.s);
  /* A step still running at the end failed (the error follows on stderr). */
  step_end (p, STEP_ERROR);
  if (p->mode == BLD_PROGRESS_TTY && !p->finished)
    draw (p, true);
  fflush (p->dest);
  steps_clear (p);
  strbuf_release (&p->partial);
  pthread_mutex_destroy (&p->lock);
  free (p);
  return 0;
}

int
bld_progress_parse (const char *s, enum bld_progress_mode *out, struct oci_error *err)
{
  if (strcmp (s, "auto") == 0)
    *out = BLD_PROGRESS_AUTO;
  else if (strcmp (s, "plain") == 0)
    *out = BLD_PROGRESS_PLAIN;
  else if (strcmp (s, "tty") == 0)
    *out = BLD_PROGRESS_TTY;
  else if (strcmp (s, "rawjson") == 0)
    *out = BLD_PROGRESS_RAWJSON;
  else
    return oci_error_set (err, 0, "\"%s\" is not auto, plain, tty or rawjson", s);
  return 0;
}

int
bld_progress_open (enum bld_progress_mode mode, FILE *dest, FILE **out, struct oci_error *err)
{
  struct progress *p = calloc (1, sizeof *p);
  cookie_io_functions_t io = { .write = progress_write, .close = progress_close };

  if (p == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (mode == BLD_PROGRESS_AUTO)
    mode = isatty (fileno (dest)) ? BLD_PROGRESS_TTY : BLD_PROGRESS_PLAIN;
  p->mode = mode;
  p->dest = dest;
  p->partial = (struct strbuf) STRBUF_INIT;
  p->start = now ();
  pthread_mutex_init (&p->lock, NULL);
  FILE *f = fopencookie (p, "w", io);
  if (f == NULL)
    {
      pthread_mutex_destroy (&p->lock);
      free (p);
      return oci_error_set (err, errno, "progress stream");
    }
  setvbuf (f, NULL, _IOLBF, 0);
  if (mode == BLD_PROGRESS_TTY)
    {
      /* The ticker never takes SIGINT/SIGTERM/SIGHUP: they must interrupt
       * the main thread's reads (bld_catch_signals). */
      if (bld_thread_start (&p->ticker, tick, p) == 0)
        p->ticking = true;
    }
  *out = f;
  return 0;
}
