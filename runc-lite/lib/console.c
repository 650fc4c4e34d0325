#include "config.h"
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"

int
rl_console_socket_connect (const char *path, struct oci_error *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  int fd;

  if (strlen (path) >= sizeof addr.sun_path)
    return oci_error_set (err, 0, "console socket path too long: %s", path);
  strcpy (addr.sun_path, path);
  fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return oci_error_set (err, errno, "console socket");
  if (connect (fd, (struct sockaddr *) &addr, sizeof addr) < 0)
    {
      int e = errno;
      close (fd);
      return oci_error_set (err, e, "connect to the console socket %s", path);
    }
  return fd;
}

int
rl_console_send_fd (int sock, int fd, char *name, struct oci_error *err)
{
  char cbuf[CMSG_SPACE (sizeof (int))];
  struct iovec iov = { .iov_base = name, .iov_len = strlen (name) };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *c;

  memset (cbuf, 0, sizeof cbuf);
  c = CMSG_FIRSTHDR (&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (c), &fd, sizeof (int));
  if (sendmsg (sock, &msg, MSG_NOSIGNAL) < 0)
    return oci_error_set (err, errno, "send the terminal over the console socket");
  return 0;
}

int
rl_console_receive_fd (int sock, int *fd, struct oci_error *err)
{
  char cbuf[CMSG_SPACE (sizeof (int))], name[4096];
  struct iovec iov = { .iov_base = name, .iov_len = sizeof name };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf };
  struct cmsghdr *c;
  ssize_t n;

  do
    n = recvmsg (sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return oci_error_set (err, errno, "receive the terminal");
  c = CMSG_FIRSTHDR (&msg);
  if (c == NULL || c->cmsg_type != SCM_RIGHTS)
    return oci_error_set (err, 0, "receive the terminal: no file descriptor in the message");
  memcpy (fd, CMSG_DATA (c), sizeof (int));
  return 0;
}

int
rl_console_setup (int sock, const struct oci_console_size *size, bool is_console, struct oci_error *err)
{
  cleanup_close int master = -1, slave = -1;
  char *name;

  master = open ("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (master < 0)
    return oci_error_set (err, errno, "open /dev/ptmx in the container");
  if (unlockpt (master) < 0 || (name = ptsname (master)) == NULL)
    return oci_error_set (err, errno, "unlock the pty");
  slave = open (name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (slave < 0)
    return oci_error_set (err, errno, "open %s", name);
  if (size)
    {
      struct winsize ws = { .ws_row = (unsigned short) size->height, .ws_col = (unsigned short) size->width };
      if (ioctl (slave, TIOCSWINSZ, &ws) < 0)
        return oci_error_set (err, errno, "set the terminal size");
    }
  /* /dev/console must be this pty, never the host's console
   * (CVE-2025-52565): bind the slave over it, creating the file if needed. */
  if (is_console)
  {
    struct stat st;
    if (lstat ("/dev/console", &st) < 0)
      {
        int fd = open ("/dev/console", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0)
          return oci_error_set (err, errno, "create /dev/console");
        close (fd);
      }
    else if (!S_ISREG (st.st_mode) && !S_ISCHR (st.st_mode))
      return oci_error_set (err, 0, "/dev/console in the container is neither a file nor a device");
    if (mount (name, "/dev/console", NULL, MS_BIND, NULL) < 0)
      return oci_error_set (err, errno, "bind %s on /dev/console", name);
  }
  if (setsid () < 0 && errno != EPERM)
    return oci_error_set (err, errno, "setsid");
  if (ioctl (slave, TIOCSCTTY, 0) < 0)
    return oci_error_set (err, errno, "make %s the controlling terminal", name);
  for (int i = 0; i < 3; i++)
    if (dup2 (slave, i) < 0)
      return oci_error_set (err, errno, "dup the terminal to fd %d", i);
  return rl_console_send_fd (sock, master, "/dev/ptmx", err);
}

void
rl_console_resize (int master)
{
  struct winsize ws;
  if (master >= 0 && isatty (0) && ioctl (0, TIOCGWINSZ, &ws) == 0)
    ioctl (master, TIOCSWINSZ, &ws);
}

void
rl_console_proxy_begin (struct rl_console_proxy *px, int master)
{
  px->master = master;
  px->in_open = master >= 0;
  px->out_open = true;
  px->tty = master >= 0 && isatty (0) && tcgetattr (0, &px->saved) == 0;
  if (px->tty)
    {
      struct termios raw = px->saved;
      cfmakeraw (&raw);
      tcsetattr (0, TCSANOW, &raw);
      rl_console_resize (master);
    }
}

void
rl_console_proxy_pump (struct rl_console_proxy *px, short master_revents, short in_revents)
{
  char buf[16384];
  ssize_t n;

  if (px->master >= 0 && (master_revents & (POLLIN | POLLHUP | POLLERR)))
    {
      n = read (px->master, buf, sizeof buf);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
      if (n <= 0)
        {
          /* EIO: every slave fd is closed, all output has been read. */
          close (px->master);
          px->master = -1;
          px->in_open = false;
          return;
        }
      /* A closed stdout (EPIPE) must not stop the draining. */
      if (px->out_open && oci_write_all (1, buf, (size_t) n) < 0)
        px->out_open = false;
    }
  if (px->in_open && (in_revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL)))
    {
      n = read (0, buf, sizeof buf);
      if (n < 0 && (errno == EINTR || errno == EAGAIN))
        return;
      if (n <= 0)
        px->in_open = false; /* our stdin ended; keep copying the output */
      else
        oci_write_all (px->master, buf, (size_t) n);
    }
}

void
rl_console_proxy_end (struct rl_console_proxy *px)
{
  if (px->tty)
    tcsetattr (0, TCSANOW, &px->saved);
  px->tty = false;
  if (px->master >= 0)
    close (px->master);
  px->master = -1;
}
