/* Whole-file reads with a size bound, and crash-safe writes. */
#ifndef OCI_FILEUTIL_H
#define OCI_FILEUTIL_H

#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* No spec document we read is anywhere near this; a bigger one is an
 * attack or a mistake, refused before it is parsed. */
#define OCI_JSON_FILE_MAX (64u * 1024 * 1024)

/* Reads the whole of path (at most max bytes) into a NUL-terminated buffer. */
int oci_read_file (const char *path, size_t max, char **out, size_t *len, struct oci_error *err);
int oci_read_fd (int fd, const char *what, size_t max, char **out, size_t *len, struct oci_error *err);
/* The same for a file someone else may have put there (a layout given to
 * load): it must be a regular file, and a FIFO does not block the open. */
int oci_read_regular_file (const char *path, size_t max, char **out, size_t *len, struct oci_error *err);

/* Writes data to path atomically: a temporary file in the same directory,
 * fsync, rename over path, fsync of the directory.  Readers see the old
 * content or the new one, never a half-written file. */
int oci_write_file_atomic (const char *path, const void *data, size_t len, mode_t mode, struct oci_error *err);
/* The same without the two fsyncs: readers still see the old content or
 * the new one, never a half-written file, but after a crash of the
 * machine (not of the program) the new content may be lost.  For state
 * that dies with the machine anyway: a container's state.json. */
int oci_replace_file (const char *path, const void *data, size_t len, mode_t mode, struct oci_error *err);

/* write(2) until done, retrying on EINTR. */
int oci_write_all (int fd, const void *data, size_t len);

#endif
