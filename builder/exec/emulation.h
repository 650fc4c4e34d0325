/* RUN for another architecture: QEMU user emulation through binfmt_misc
 * (Debian's qemu-user-static registers its emulators there). */
#ifndef BUILDER_EMULATION_H
#define BUILDER_EMULATION_H

#include "error.h"

struct bld_platform;

/* 0 when p's programs can run here: p is the host's architecture, or
 * binfmt_misc (BUILDER_BINFMT_MISC, default /proc/sys/fs/binfmt_misc)
 * has an enabled qemu-ARCH entry with the F (fix binary) flag, which a
 * container's own mount namespace needs; else an error saying what is
 * missing and naming qemu-user-static. */
int bld_emulation_check (const struct bld_platform *p, struct oci_error *err);

#endif
