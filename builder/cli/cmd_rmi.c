/* builder rmi IMAGE...: removes names (NAME[:TAG]) or, given an image id
 * or a unique prefix of one, the image with every name it has (as docker
 * rmi); the blobs stay until `prune`. */
#include "config.h"

#include <stdio.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "common/strv.h"
#include "image/store.h"

const struct cli_help bld_help_rmi = { "remove image names, or images by id", "NAME[:TAG]|ID...", NULL };

static int
rmi_one (struct bld_store *s, const char *arg, struct oci_error *err)
{
  cleanup_image_match struct bld_image_match m = { 0 };
  char **names = NULL;
  size_t n_names = 0;

  if (bld_store_lookup (s, arg, &m, err) < 0)
    return -1;
  if (m.by_name || m.id[0] == '\0')
    {
      /* A name (or a digest of an index): the name goes. */
      cleanup_free char *ref = NULL;
      if (bld_ref_normalize (arg, &ref, err) < 0 || bld_store_untag (s, ref, err) < 0)
        return -1;
      printf ("Untagged: %s\n", ref);
      return 0;
    }
  int ret = bld_store_remove_image (s, m.id, &names, &n_names, err);
  if (ret == 0)
    {
      for (size_t i = 0; i < n_names; i++)
        printf ("Untagged: %s\n", names[i]);
      printf ("Deleted: %s\n", m.id);
    }
  cmn_strv_free_n (names, n_names);
  return ret;
}

BLD_COMMAND (rmi)
{
  cleanup_store struct bld_store *s = NULL;

  if (argc < 2)
    return oci_error_set (err, 0, "usage: builder rmi IMAGE...");
  if (bld_cli_open_store (g, true, &s, err) < 0)
    return -1;
  for (int i = 1; i < argc; i++)
    if (rmi_one (s, argv[i], err) < 0)
      return -1;
  return 0;
}
