#include "config.h"
#include "sync.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cleanup.h"

/* A packet is the type byte followed by the text; bounded so a confused
 * peer cannot make us allocate without limit. */
#define SYNC_MAX_PACKET 65536

int
sync_socketpair (int fds[2], struct oci_error *err)
{
  if (socketpair (AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
    return oci_error_set (err, errno, "socketpair");
  return 0;
}

int
sync_send (int fd, enum sync_type type, const char *text, struct oci_error *err)
{
  size_t tlen = text ? strnlen (text, SYNC_MAX_PACKET - 1) : 0;
  cleanup_free char *buf = malloc (tlen + 1);
  ssize_t n;

  if (buf == NULL)
    return oci_error_set (err, ENOMEM, "sync message");
  buf[0] = (char) type;
  if (tlen)
    memcpy (buf + 1, text, tlen);
  do
    n = send (fd, buf, tlen + 1, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return oci_error_set (err, errno, "send to the container's init");
  return 0;
}

void
sync_send_error (int fd, const struct oci_error *err)
{
  struct oci_error ignored = OCI_ERROR_INIT;
  sync_send (fd, SYNC_ERROR, oci_error_msg (err), &ignored);
  oci_error_clear (&ignored);
}

int
sync_expect (int fd, enum sync_type want, struct oci_error *err)
{
  return sync_expect_text (fd, want, NULL, err);
}

/* One packet into a fresh NUL-terminated buffer; its length, 0 at EOF. */
static ssize_t
receive (int fd, char **out, struct oci_error *err)
{
  char *buf = malloc (SYNC_MAX_PACKET + 1);
  ssize_t n;

  *out = buf;
  if (buf == NULL)
    return oci_error_set (err, ENOMEM, "sync message");
  do
    n = recv (fd, buf, SYNC_MAX_PACKET, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return oci_error_set (err, errno, "receive from the container's init");
  buf[n] = '\0';
  return n;
}

int
sync_expect_text (int fd, enum sync_type want, char **text, struct oci_error *err)
{
  cleanup_free char *buf = NULL;
  ssize_t n = receive (fd, &buf, err);

  if (n < 0)
    return -1;
  if (n == 0)
    return oci_error_set (err, 0, "the container's init exited during set-up");
  if ((unsigned char) buf[0] == SYNC_ERROR)
    return oci_error_set (err, 0, "%s", buf + 1);
  if ((unsigned char) buf[0] != want)
    return oci_error_set (err, 0, "protocol error: message %d where %d was expected", buf[0], (int) want);
  if (text)
    {
      *text = n > 1 ? strdup (buf + 1) : NULL;
      if (n > 1 && *text == NULL)
        return oci_error_set (err, ENOMEM, "sync message");
    }
  return 0;
}

int
sync_expect_exec (int fd, struct oci_error *err)
{
  cleanup_free char *buf = NULL;
  ssize_t n = receive (fd, &buf, err);

  if (n <= 0)
    return (int) n; /* EOF: the init's end closed at its execve */
  if ((unsigned char) buf[0] == SYNC_ERROR)
    return oci_error_set (err, 0, "%s", buf + 1);
  return oci_error_set (err, 0, "protocol error: message %d where the exec was expected", buf[0]);
}
