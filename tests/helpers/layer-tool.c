/* Drives libbuilder's store and layer code for the bats tests and
 * bench/layer.sh (the builder has no commands for them yet):
 *   layer-tool write ROOT OUT [-c none|gzip|zstd] [-t THREADS] [-l LEVEL] [--diff] [--epoch SECONDS]
 *       prints "diff_id digest size tar_size seconds"
 *   layer-tool apply LAYER ROOT [--overlay]
 *   layer-tool image STORE ROOTFS REF [-c none|gzip|zstd]
 *       writes ROOTFS as a one-layer image named REF, prints the manifest digest
 *   layer-tool stack STORE BASE DIR REF
 *       REF is BASE plus a gzip layer of the tree DIR (written as it is, so
 *       files named .wh.* there are whiteouts), prints the manifest digest */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cleanup.h"
#include "image/layer_apply.h"
#include "image/layer_write.h"
#include "image/store.h"

static int
fail (struct oci_error *err)
{
  fprintf (stderr, "layer-tool: %s\n", oci_error_msg (err));
  return 1;
}

static int
cmd_write (int argc, char **argv, struct oci_error *err)
{
  static const struct option longopts[] = { { "diff", no_argument, NULL, 'd' },
                                            { "epoch", required_argument, NULL, 'e' },
                                            { NULL, 0, NULL, 0 } };
  struct bld_layer_write_options o = { .compression = BLD_COMPRESSION_GZIP };
  struct bld_layer_result r;
  struct timespec t0, t1;
  cleanup_close int fd = -1;
  int c;

  while ((c = getopt_long (argc, argv, "c:t:l:", longopts, NULL)) != -1)
    switch (c)
      {
      case 'c':
        if (bld_compression_parse (optarg, &o.compression, err) < 0)
          return fail (err);
        break;
      case 't':
        o.threads = atoi (optarg);
        break;
      case 'l':
        o.level = atoi (optarg);
        break;
      case 'd':
        o.mode = BLD_LAYER_OVERLAY_DIFF;
        break;
      case 'e':
        o.has_clamp_epoch = true;
        o.clamp_epoch = atoll (optarg);
        break;
      default:
        return 2;
      }
  if (argc - optind != 2)
    return 2;
  fd = open (argv[optind + 1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      oci_error_set (err, errno, "open %s", argv[optind + 1]);
      return fail (err);
    }
  clock_gettime (CLOCK_MONOTONIC, &t0);
  if (bld_layer_write_fd (argv[optind], &o, fd, &r, err) < 0)
    return fail (err);
  clock_gettime (CLOCK_MONOTONIC, &t1);
  printf ("%s %s %lld %llu %.3f\n", r.diff_id, r.digest, (long long) r.size, (unsigned long long) r.tar_size,
          (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9);
  return 0;
}

static int
cmd_apply (int argc, char **argv, struct oci_error *err)
{
  struct bld_layer_apply_options o = { .allow_devices = bld_devices_allowed () };
  struct bld_layer_apply_stats st;
  if (argc == 4 && strcmp (argv[3], "--overlay") == 0)
    o.overlay = true;
  else if (argc != 3)
    return 2;
  if (bld_layer_apply_file (argv[1], argv[2], &o, &st, err) < 0)
    return fail (err);
  printf ("%s %s %llu\n", st.diff_id, st.digest, (unsigned long long) st.entries);
  return 0;
}

static int
cmd_image (int argc, char **argv, struct oci_error *err)
{
  struct bld_layer_write_options o = { .compression = BLD_COMPRESSION_GZIP, .has_clamp_epoch = true };
  cleanup_store struct bld_store *s = NULL;
  cleanup_image_descriptor struct oci_image_descriptor *layer = NULL;
  cleanup_image_descriptor struct oci_image_descriptor *m = NULL;
  cleanup_image_config struct oci_image_config *cfg = NULL;
  struct bld_layer_result r;

  if (argc == 6 && strcmp (argv[4], "-c") == 0)
    {
      if (bld_compression_parse (argv[5], &o.compression, err) < 0)
        return fail (err);
    }
  else if (argc != 4)
    return 2;
  if (bld_store_open (argv[1], true, &s, err) < 0 || bld_layer_write_to_store (s, argv[2], &o, &r, &layer, err) < 0)
    return fail (err);
  {
    cleanup_free char *json = NULL;
    if (asprintf (&json,
                  "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Cmd\":[\"/bin/sh\"]},"
                  "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\"]}}",
                  r.diff_id)
        < 0)
      return 1;
    if (oci_image_config_parse_text ("config", json, strlen (json), &cfg, err) < 0)
      return fail (err);
  }
  if (bld_store_write_image (s, cfg, layer, 1, NULL, argv[3], &m, err) < 0)
    return fail (err);
  printf ("%s\n", m->digest);
  return 0;
}

static int
cmd_stack (int argc, char **argv, struct oci_error *err)
{
  struct bld_layer_write_options o = { .compression = BLD_COMPRESSION_GZIP, .has_clamp_epoch = true };
  cleanup_store struct bld_store *s = NULL;
  cleanup_image_descriptor struct oci_image_descriptor *base = NULL;
  cleanup_image_descriptor struct oci_image_descriptor *layer = NULL;
  cleanup_image_descriptor struct oci_image_descriptor *m = NULL;
  cleanup_image_manifest struct oci_image_manifest *bm = NULL;
  cleanup_image_config struct oci_image_config *cfg = NULL;
  struct oci_image_descriptor *layers;
  struct bld_layer_result r;
  char **ids;
  int rc;

  if (argc != 5)
    return 2;
  if (bld_store_open (argv[1], false, &s, err) < 0 || bld_store_resolve (s, argv[2], &base, err) < 0
      || bld_store_read_manifest (s, base, &bm, err) < 0 || bld_store_read_config (s, bm->config, &cfg, err) < 0
      || bld_layer_write_to_store (s, argv[3], &o, &r, &layer, err) < 0)
    return fail (err);
  /* The new layer's descriptor and diff_id go after the base's (the base
   * manifest's array gets one more element; its free handles the length). */
  layers = realloc (bm->layers, (bm->layers_len + 1) * sizeof *layers);
  ids = realloc (cfg->rootfs->diff_ids, (cfg->rootfs->diff_ids_len + 2) * sizeof *ids);
  if (layers == NULL || ids == NULL)
    return 1;
  bm->layers = layers;
  cfg->rootfs->diff_ids = ids;
  bm->layers[bm->layers_len++] = *layer;
  memset (layer, 0, sizeof *layer);
  ids[cfg->rootfs->diff_ids_len++] = strdup (r.diff_id);
  ids[cfg->rootfs->diff_ids_len] = NULL;
  rc = bld_store_write_image (s, cfg, bm->layers, bm->layers_len, NULL, argv[4], &m, err);
  if (rc < 0)
    return fail (err);
  printf ("%s\n", m->digest);
  return 0;
}

int
main (int argc, char **argv)
{
  cleanup_error struct oci_error err = OCI_ERROR_INIT;
  int rc = 2;

  if (argc >= 2 && strcmp (argv[1], "write") == 0)
    rc = cmd_write (argc - 1, argv + 1, &err);
  else if (argc >= 2 && strcmp (argv[1], "apply") == 0)
    rc = cmd_apply (argc - 1, argv + 1, &err);
  else if (argc >= 2 && strcmp (argv[1], "image") == 0)
    rc = cmd_image (argc - 1, argv + 1, &err);
  else if (argc >= 2 && strcmp (argv[1], "stack") == 0)
    rc = cmd_stack (argc - 1, argv + 1, &err);
  if (rc == 2)
    fprintf (stderr, "usage: layer-tool write ROOT OUT [-c C] [-t N] [-l L] [--diff] [--epoch S] | "
                     "apply LAYER ROOT [--overlay] | image STORE ROOTFS REF [-c C] | stack STORE BASE DIR REF\n");
  return rc;
}
