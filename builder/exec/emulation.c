/* QEMU user emulation through binfmt_misc: is it there for a platform. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "distribution/platform.h"
#include "exec/emulation.h"
#include "fileutil.h"

/* QEMU's name of a Go architecture (qemu-NAME-static, binfmt qemu-NAME). */
static const char *
qemu_name (const char *arch)
{
  static const struct
  {
    const char *go, *qemu;
  } map[] = {
    { "amd64", "x86_64" },    { "arm64", "aarch64" },       { "arm", "arm" },         { "386", "i386" },
    { "ppc64le", "ppc64le" }, { "s390x", "s390x" },         { "riscv64", "riscv64" }, { "mips64le", "mips64el" },
    { "mips64", "mips64" },   { "loong64", "loongarch64" },
  };
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (strcmp (map[i].go, arch) == 0)
      return map[i].qemu;
  return NULL;
}

/* The entry's text: "enabled" or "disabled" first, a "flags: ..." line. */
static int
entry_usable (const char *path, const char *text, const char *platform, struct oci_error *err)
{
  if (strncmp (text, "enabled", 7) != 0)
    return oci_error_set (err, 0, "%s programs: %s is disabled (echo 1 > %s)", platform, path, path);
  const char *flags = strstr (text, "\nflags:");
  if (flags == NULL)
    return oci_error_set (err, 0, "%s programs: %s has no flags line", platform, path);
  flags += 7;
  size_t n = strcspn (flags, "\n");
  if (memchr (flags, 'F', n) == NULL)
    return oci_error_set (err, 0,
                          "%s programs: %s is registered without the F (fix binary) flag, so a container cannot "
                          "find its interpreter; register it again with F (qemu-user-static's "
                          "/usr/lib/binfmt.d entry has it)",
                          platform, path);
  return 0;
}

int
bld_emulation_check (const struct bld_platform *p, struct oci_error *err)
{
  if (bld_platform_is_host (p))
    return 0;
  if (strcmp (p->os, "linux") != 0)
    return oci_error_set (err, 0, "%s programs: only linux programs can run here", p->text);
  const char *q = qemu_name (p->arch);
  if (q == NULL)
    return oci_error_set (err, 0, "%s programs: no QEMU user emulator is known for architecture %s", p->text,
                          p->arch);
  const char *dir = getenv ("BUILDER_BINFMT_MISC");
  if (dir == NULL || *dir == '\0')
    dir = "/proc/sys/fs/binfmt_misc";
  cleanup_free char *entry = NULL, *status = NULL, *emulator = NULL, *text = NULL;
  size_t len;
  if (asprintf (&entry, "%s/qemu-%s", dir, q) < 0 || asprintf (&status, "%s/status", dir) < 0
      || asprintf (&emulator, "/usr/bin/qemu-%s-static", q) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (oci_read_regular_file (entry, 4096, &text, &len, err) == 0)
    return entry_usable (entry, text, p->text, err);
  int e = err->errnum;
  oci_error_clear (err);
  if (e != ENOENT)
    return oci_error_set (err, e, "%s programs: read %s", p->text, entry);
  if (access (status, F_OK) < 0)
    return oci_error_set (err, 0,
                          "%s programs need QEMU user emulation: binfmt_misc is not mounted on %s (mount -t "
                          "binfmt_misc binfmt_misc %s; Debian's qemu-user-static then registers qemu-%s)",
                          p->text, dir, dir, q);
  if (access (emulator, X_OK) < 0)
    return oci_error_set (err, 0, "%s programs need QEMU user emulation: no %s; install Debian's qemu-user-static",
                          p->text, emulator);
  return oci_error_set (err, 0,
                        "%s programs need QEMU user emulation: qemu-%s is not registered in %s (Debian's "
                        "qemu-user-static registers it at boot: systemd-binfmt, or write "
                        "/usr/lib/binfmt.d/qemu-%s.conf to %s/register)",
                        p->text, q, dir, q, dir);
}
