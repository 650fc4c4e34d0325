#include "config.h"
#include "clone_binary.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <string.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
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
  struct statvfs st;
  int seals;
  if (fd < 0)
    return false;
  seals = fcntl (fd, F_GET_SEALS);
  if (seals >= 0)
    return (seals & REQUIRED_SEALS) == REQUIRED_SEALS;
  /* Not a memfd: on a read-only mount (an image-based system's /usr, a
   * read-only bind mount of the binary) every open for writing through
   * /proc/<pid>/exe fails with EROFS, and only the mount's own namespace
   * could make it writable again, never a container's.  crun skips its
   * copy there too. */
  return fstatvfs (fd, &st) == 0 && (st.f_flag & ST_RDONLY) != 0;
}

/* How much of the executable in fd execve and the dynamic loader read:
 * up to the end of the last part a program header names.  What follows
 * (debug information, the section headers) need not be copied: about
 * three quarters of an unstripped build.  Anything unexpected: all. */
static off_t
loaded_size (int fd, off_t file_size)
{
  ElfW (Ehdr) eh;
  off_t end;

  if (pread (fd, &eh, sizeof eh, 0) != (ssize_t) sizeof eh || memcmp (eh.e_ident, ELFMAG, SELFMAG) != 0
      || eh.e_ident[EI_CLASS] != (sizeof (void *) == 8 ? ELFCLASS64 : ELFCLASS32)
      || eh.e_phentsize != sizeof (ElfW (Phdr)) || eh.e_phnum == 0 || eh.e_phnum == PN_XNUM)
    return file_size;
  end = (off_t) (eh.e_phoff + (size_t) eh.e_phnum * sizeof (ElfW (Phdr)));
  for (size_t i = 0; i < eh.e_phnum; i++)
    {
      ElfW (Phdr) ph;
      if (pread (fd, &ph, sizeof ph, (off_t) (eh.e_phoff + i * sizeof ph)) != (ssize_t) sizeof ph)
        return file_size;
      if ((off_t) (ph.p_offset + ph.p_filesz) > end)
        end = (off_t) (ph.p_offset + ph.p_filesz);
    }
  return end < file_size ? end : file_size;
}

/* The copy ends before the section headers: say it has none. */
static int
drop_section_headers (int fd)
{
  ElfW (Ehdr) eh;
  if (pread (fd, &eh, sizeof eh, 0) != (ssize_t) sizeof eh)
    return -1;
  eh.e_shoff = 0;
  eh.e_shnum = 0;
  eh.e_shstrndx = SHN_UNDEF;
  return pwrite (fd, &eh, sizeof eh, 0) == (ssize_t) sizeof eh ? 0 : -1;
}

int
rl_reexec_from_sealed_copy (char **argv, struct oci_error *err)
{
  cleanup_close int self = open ("/proc/self/exe", O_RDONLY | O_CLOEXEC);
  cleanup_close int mfd = -1;
  struct stat st;
  off_t off = 0, size;

  if (self < 0 || fstat (self, &st) < 0)
    return oci_error_set (err, errno, "open /proc/self/exe");
  /* MFD_EXEC (Linux 6.3) keeps the copy executable where vm.memfd_noexec
   * would otherwise forbid it; older kernels reject the flag. */
  mfd = memfd_create ("runc-lite", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
  if (mfd < 0 && errno == EINVAL)
    mfd = memfd_create ("runc-lite", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (mfd < 0)
    return oci_error_set (err, errno, "memfd_create");
  size = loaded_size (self, st.st_size);
  while (off < size)
    {
      ssize_t n = sendfile (mfd, self, &off, (size_t) (size - off));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return oci_error_set (err, n < 0 ? errno : EIO, "copy the runtime binary into a memfd");
    }
  if (size < st.st_size && drop_section_headers (mfd) < 0)
    return oci_error_set (err, errno, "write the runtime's copy");
  if (fcntl (mfd, F_ADD_SEALS, REQUIRED_SEALS) < 0)
    return oci_error_set (err, errno, "seal the runtime's copy");
  fexecve (mfd, argv, environ);
  return oci_error_set (err, errno, "re-execute the runtime from its sealed copy");
}
