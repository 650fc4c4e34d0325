/* Test helper: validates a document with the oci-spec library.
 *   oci-validate config|state|features FILE   ("-" reads stdin)
 * Prints nothing and exits 0 when valid; prints the error and exits 1. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "bind.h"
#include "cleanup.h"
#include "fileutil.h"
#include "runtime.h"

int
main (int argc, char **argv)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_free char *text = NULL;
  const struct bind_type *t = NULL;
  void *doc = NULL;
  size_t len;

  if (argc != 3)
    {
      fprintf (stderr, "usage: oci-validate config|state|features FILE\n");
      return 2;
    }
  if (strcmp (argv[1], "config") == 0)
    t = &oci_runtime_config_type;
  else if (strcmp (argv[1], "state") == 0)
    t = &oci_runtime_state_type;
  else if (strcmp (argv[1], "features") == 0)
    t = &oci_runtime_features_type;
  else
    {
      fprintf (stderr, "oci-validate: unknown document type %s\n", argv[1]);
      return 2;
    }
  if ((strcmp (argv[2], "-") == 0 ? oci_read_fd (0, "stdin", OCI_JSON_FILE_MAX, &text, &len, &err)
                                  : oci_read_file (argv[2], OCI_JSON_FILE_MAX, &text, &len, &err))
          < 0
      || bind_parse_text (t, argv[2], text, len, &doc, &err) < 0)
    {
      printf ("%s\n", oci_error_msg (&err));
      oci_error_clear (&err);
      return 1;
    }
  bind_free (t, doc);
  return 0;
}
