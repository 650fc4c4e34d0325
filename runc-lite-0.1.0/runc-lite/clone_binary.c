#include "config.h"
#include "clone_binary.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif

#define REQUIRED_SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

extern char **environ;

bool
rl_running_from_sealed_copy (void)
{
  cleanup_close int fd = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  int seals;
  if (fd < 0)
    return false;
  seals = fcntl (fd, F_GET_SEALS);
  return seals >= 0 && (seals & REQUIRED_SEALS) == REQUIRED_SEALS;
}

int
rl_reexec_from_sealed_copy (char **argv, struct oci_error *err)
{
  cleanup_close int self = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  cleanup_close int mfd = -1;
  struct stat st;
  off_t off = 0;

  if (self < 0 || fstat (self, &st) < 0)
    return oci_error_set (err, errno, "open /proc/self/exe");
  /* MFD_EXEC (Linux 6.3) keeps the copy executable where vm.memfd_noexec
   * would otherwise forbid it; older kernels reject the flag. */
  mfd = memfd_create ("runc-lite", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (mfd < 0 && errno == EINVAL)
    mfd = memfd_create ("runc-lite", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return oci_error_set (err, errno, "memfd_create");
  while (off < st.st_size)
    {
      ssize_t n = sendfile (mfd, self, &off, (size_t) (st.st_size - off));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return oci_error_set (err, n < 0 ? errno : EIO, "copy the runtime binary into a memfd");
    }
  if (fcntl (mfd, F_ADD_SEALS, REQUIRED_SEALS) < 0)
    return oci_error_set (err, errno, "seal the runtime's copy");
  fexecve (mfd, argv, environ);
  return oci_error_set (err, errno, "re-execute the runtime from its sealed copy");
}
