/* Test helper: listens on a unix socket as a --console-socket, receives the
 * pty master (SCM_RIGHTS), writes argv[2] (if given) to it, then copies
 * the pty's output to stdout until it closes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int
main (int argc, char **argv)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  char cbuf[CMSG_SPACE (sizeof (int))], name[256], buf[4096];
  struct iovec iov = { .iov_base = name, .iov_len = sizeof name };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *c;
  int ls, s, master;
  ssize_t n;

  if (argc < 2 || strlen (argv[1]) >= sizeof addr.sun_path)
    {
      fprintf (stderr, "usage: recvtty SOCKET [INPUT]\n");
      return 2;
    }
  strcpy (addr.sun_path, argv[1]);
  ls = socket (AF_UNIX, SOCK_STREAM, 0);
  unlink (argv[1]);
  if (ls < 0 || bind (ls, (struct sockaddr *) &addr, sizeof addr) < 0 || listen (ls, 1) < 0)
    {
      perror ("recvtty: listen");
      return 1;
    }
  /* Tell the test we are ready. */
  printf ("ready\n");
  fflush (stdout);
  s = accept (ls, NULL, NULL);
  if (s < 0 || recvmsg (s, &msg, 0) < 0 || (c = CMSG_FIRSTHDR (&msg)) == NULL || c->cmsg_type != SCM_RIGHTS)
    {
      perror ("recvtty: receive");
      return 1;
    }
  memcpy (&master, CMSG_DATA (c), sizeof master);
  {
    struct winsize ws;
    if (ioctl (master, TIOCGWINSZ, &ws) == 0)
      printf ("winsize %u %u\n", ws.ws_row, ws.ws_col);
  }
  if (argc > 2)
    write (master, argv[2], strlen (argv[2]));
  while ((n = read (master, buf, sizeof buf)) > 0)
    fwrite (buf, 1, (size_t) n, stdout);
  return 0;
}
