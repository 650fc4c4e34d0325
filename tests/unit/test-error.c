/* Errors as values: set, prefix, errno text, and one line whatever went
 * into the message. */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "error.h"
#include "tap.h"

int
main (void)
{
  struct oci_error err = OCI_ERROR_INIT;

  ok (oci_error_set (&err, 0, "open %s", "config.json") == -1, "set returns -1");
  is_str (oci_error_msg (&err), "open config.json", "plain message");
  oci_error_set (&err, ENOENT, "open %s", "x");
  is_str (oci_error_msg (&err), "open x: No such file or directory", "errno text appended");
  ok (err.errnum == ENOENT, "errnum kept");
  oci_error_prefix (&err, "layer %d", 2);
  is_str (oci_error_msg (&err), "layer 2: open x: No such file or directory", "prefix");
  ok (err.errnum == ENOENT, "errnum kept through a prefix");

  /* A hostile name or a tool's output cannot make it two lines. */
  oci_error_set (&err, 0, "layer entry %s: refused", "a\nb\rc\x1b[31md\x7f");
  is_str (oci_error_msg (&err), "layer entry a\\nb\\rc\\x1b[31md\\x7f: refused", "control characters escaped");
  oci_error_set (&err, 0, "spec failed: %s", "line one\nline two\n\n");
  is_str (oci_error_msg (&err), "spec failed: line one\\nline two", "trailing line ends dropped");
  oci_error_prefix (&err, "RUN\n");
  is_str (oci_error_msg (&err), "RUN\\n: spec failed: line one\\nline two", "a prefix is escaped too");
  oci_error_set (&err, 0, "tab\tstays");
  is_str (oci_error_msg (&err), "tab\tstays", "a tab stays");
  oci_error_clear (&err);
  ok (err.msg == NULL && err.errnum == 0, "clear");
  return tap_done ();
}
