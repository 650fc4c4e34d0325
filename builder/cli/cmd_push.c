/* builder push [--creds U:P] [--authfile F] [--tls-verify=BOOL] [--from REPO]
 * [--compression C] NAME REF: an image of the store to a registry, its
 * uncompressed layers compressed on the way (layer_compress.h).  One line
 * per blob on stderr (compressed, present, mounted, uploaded), the
 * manifest digest on stdout.
 * BUILDER_PUSH_CHUNK_SIZE (bytes) sets the size above which blobs go up
 * in chunks (tests use it to exercise chunked uploads on small blobs). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "distribution/registry.h"
#include "image/interrupt.h"
#include "image/store.h"

BLD_COMMAND (push)
{
  cleanup_store struct bld_store *s = NULL;
  cleanup_free char *digest = NULL;
  struct reg_options o;
  const char *chunk = getenv ("BUILDER_PUSH_CHUNK_SIZE");
  int first = bld_cli_registry_args ("push", argc, argv, &o, err);

  if (first < 0)
    return -1;
  if (argc - first != 2)
    return oci_error_set (err, 0,
                          "usage: builder push [--creds USER:PASS] [--authfile FILE] [--tls-verify=false] "
                          "[--from REPO] NAME REF");
  if (chunk && *chunk)
    {
      char *end;
      errno = 0;
      unsigned long long v = strtoull (chunk, &end, 10);
      if (errno || *end || v == 0 || chunk[0] == '-')
        return oci_error_set (err, 0, "BUILDER_PUSH_CHUNK_SIZE: expected a positive number of bytes, got \"%s\"",
                              chunk);
      o.chunk_size = v;
    }
  bld_catch_signals ();
  if (bld_cli_open_store (g, false, &s, err) < 0
      || reg_push (s, argv[first], argv[first + 1], &o, bld_cli_registry_progress, NULL, &digest, err) < 0)
    return -1;
  printf ("%s\n", digest);
  return 0;
}
