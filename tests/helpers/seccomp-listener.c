/* A seccomp agent for tests/bats/process.bats: listens on a unix socket,
 * takes one connection from the runtime (the notify fd by SCM_RIGHTS and
 * the container process state JSON), writes the JSON to a file, then
 * answers every notification with a fixed errno (0: pretend success)
 * until the container's filter has no more users.
 *
 *   seccomp-listener SOCKET STATE_FILE ERRNO
 *
 * SOCKET appears only once it is listening, so a test can wait for it. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void
die (const char *what)
{
  fprintf (stderr, "seccomp-listener: %s: %s\n", what, strerror (errno));
  exit (1);
}

int
main (int argc, char **argv)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  char tmp_path[sizeof addr.sun_path];
  int lsock, conn, notify_fd = -1, answer;
  char *json = NULL;
  size_t len = 0, cap = 0;
  FILE *out;

  if (argc != 4)
    {
      fprintf (stderr, "usage: seccomp-listener SOCKET STATE_FILE ERRNO\n");
      return 2;
    }
  answer = atoi (argv[3]);
  alarm (60); /* never outlive a broken test */
  if (snprintf (tmp_path, sizeof tmp_path, "%s.tmp", argv[1]) >= (int) sizeof tmp_path)
    {
      fprintf (stderr, "seccomp-listener: socket path too long\n");
      return 1;
    }
  memcpy (addr.sun_path, tmp_path, strlen (tmp_path) + 1);
  lsock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (lsock < 0)
    die ("socket");
  unlink (tmp_path);
  if (bind (lsock, (struct sockaddr *) &addr, sizeof addr) < 0)
    die ("bind");
  if (listen (lsock, 1) < 0)
    die ("listen");
  if (rename (tmp_path, argv[1]) < 0)
    die ("rename");
  conn = accept4 (lsock, NULL, NULL, SOCK_CLOEXEC);
  if (conn < 0)
    die ("accept");

  for (;;)
    {
      union
      {
        char b[CMSG_SPACE (sizeof (int))];
        struct cmsghdr align;
      } control;
      struct iovec iov;
      struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
      ssize_t n;

      if (cap - len < 4096)
        {
          cap = cap ? cap * 2 : 8192;
          json = realloc (json, cap);
          if (json == NULL)
            die ("realloc");
        }
      iov.iov_base = json + len;
      iov.iov_len = cap - len - 1;
      msg.msg_control = control.b;
      msg.msg_controllen = sizeof control.b;
      n = recvmsg (conn, &msg, MSG_CMSG_CLOEXEC);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        die ("recvmsg");
      if (n == 0)
        break;
      for (struct cmsghdr *cm = CMSG_FIRSTHDR (&msg); cm; cm = CMSG_NXTHDR (&msg, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_RIGHTS && notify_fd < 0)
          memcpy (&notify_fd, CMSG_DATA (cm), sizeof (int));
      len += (size_t) n;
    }
  close (conn);
  json[len] = '\0';
  out = fopen (argv[2], "w");
  if (out == NULL)
    die (argv[2]);
  fprintf (out, "%s\n", json);
  fclose (out);
  free (json);
  if (notify_fd < 0)
    {
      fprintf (stderr, "seccomp-listener: no fd received\n");
      return 1;
    }

  for (;;)
    {
      struct pollfd pfd = { .fd = notify_fd, .events = POLLIN };
      struct seccomp_notif *req;
      struct seccomp_notif_resp *resp;

      if (poll (&pfd, 1, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          die ("poll");
        }
      if (!(pfd.revents & POLLIN))
        break; /* POLLHUP: no task uses the filter any more */
      if (seccomp_notify_alloc (&req, &resp) != 0)
        die ("seccomp_notify_alloc");
      if (seccomp_notify_receive (notify_fd, req) != 0)
        {
          seccomp_notify_free (req, resp);
          continue; /* the caller went away meanwhile */
        }
      resp->id = req->id;
      resp->val = 0;
      resp->error = answer ? -answer : 0;
      resp->flags = 0;
      seccomp_notify_respond (notify_fd, resp);
      seccomp_notify_free (req, resp);
    }
  return 0;
}
