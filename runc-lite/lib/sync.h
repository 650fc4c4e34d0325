/* The message protocol between the runtime and the container's init, over
 * a SOCK_SEQPACKET socketpair: one message per packet, a type and an
 * optional text (an error message, for SYNC_ERROR).  No sleeps, no polling:
 * each side blocks on the next packet it expects. */
#ifndef RL_SYNC_H
#define RL_SYNC_H

#include <stddef.h>

#include "error.h"

enum sync_type
{
  SYNC_GO = 1,        /* parent -> init: maps written, cgroup joined */
  SYNC_RUNTIME_HOOKS, /* init -> parent: run prestart/createRuntime now */
  SYNC_HOOKS_DONE,    /* parent -> init: they succeeded */
  SYNC_CREATED,       /* init -> parent: set up, waiting for start */
  SYNC_ERROR,         /* either way: text is the reason; the sender gives up */
  SYNC_START,         /* parent -> init: `run`'s start (it makes no exec fifo) */
};

int sync_socketpair (int fds[2], struct oci_error *err);
int sync_send (int fd, enum sync_type type, const char *text, struct oci_error *err);
/* Sends SYNC_ERROR carrying err's message; used by the init on failure. */
void sync_send_error (int fd, const struct oci_error *err);
/* Receives one message and checks it is `want`.  A SYNC_ERROR from the
 * other side becomes err (its text); EOF becomes "init exited". */
int sync_expect (int fd, enum sync_type want, struct oci_error *err);
/* The same, handing over the message's text (NULL when none). */
int sync_expect_text (int fd, enum sync_type want, char **text, struct oci_error *err);

/* After SYNC_START: waits for the init's execve, which closes its end
 * (close-on-exec): EOF is success, a SYNC_ERROR the reason it failed. */
int sync_expect_exec (int fd, struct oci_error *err);

#endif
