/* builder history NAME: the config's history, newest first, with the size
 * of the layer each step made. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "image/image_info.h"
#include "image/store.h"
#include "distribution/platform.h"

const struct cli_help bld_help_history = { "show the history of an image", "NAME", NULL };

BLD_COMMAND (history)
{
  cleanup_store struct bld_store *s = NULL;
  cleanup_image_descriptor struct oci_image_descriptor *d = NULL;
  cleanup_image_manifest struct oci_image_manifest *m = NULL;
  cleanup_image_config struct oci_image_config *cfg = NULL;
  size_t layer;

  if (argc != 2)
    return oci_error_set (err, 0, "usage: builder history NAME");
  if (bld_cli_open_store (g, true, &s, err) < 0 || bld_platform_resolve (s, argv[1], NULL, &d, err) < 0
      || bld_store_read_manifest (s, d, &m, err) < 0 || bld_store_read_config (s, m->config, &cfg, err) < 0)
    return -1;
  /* Layers go with the entries that are not empty_layer, in order. */
  layer = 0;
  for (size_t i = 0; i < cfg->history_len; i++)
    if (!cfg->history[i].empty_layer)
      layer++;
  printf ("%-16s %-50s %-10s %s\n", "CREATED", "CREATED BY", "SIZE", "COMMENT");
  for (size_t k = cfg->history_len; k-- > 0;)
    {
      const struct oci_image_history *h = &cfg->history[k];
      char ago[64], size[32] = "0B";
      const char *by = h->created_by ? h->created_by : "";

      if (!h->empty_layer)
        {
          layer--;
          if (layer < m->layers_len)
            bld_info_size ((uint64_t) m->layers[layer].size, size, sizeof size);
        }
      bld_info_ago (h->created, ago, sizeof ago);
      printf ("%-16s %-50.50s %-10s %s\n", ago, by, size, h->comment ? h->comment : "");
    }
  return 0;
}
