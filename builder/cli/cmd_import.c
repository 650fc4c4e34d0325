/* builder import ROOTFS.tar|DIR NAME: a root filesystem as a one-layer
 * image.  A tar is extracted and written again through the layer writer,
 * so the layer is the same whatever tool made the tar. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "fileutil.h"
#include "json.h"
#include "image/layer_apply.h"
#include "image/layer_write.h"
#include "distribution/platform.h"
#include "image/store.h"
#include "exec/build_fs.h"
#include "image/unpack.h"

/* SOURCE_DATE_EPOCH when set (reproducible builds), else now. */
static int
creation_time (int64_t *epoch, bool *from_env, struct oci_error *err)
{
  const char *s = getenv ("SOURCE_DATE_EPOCH");
  char *end;

  *from_env = false;
  if (s == NULL || *s == '\0')
    {
      *epoch = (int64_t) time (NULL);
      return 0;
    }
  errno = 0;
  *epoch = strtoll (s, &end, 10);
  if (errno || *end || *epoch < 0)
    return oci_error_set (err, 0, "invalid SOURCE_DATE_EPOCH \"%s\"", s);
  *from_env = true;
  return 0;
}

static int
make_config (const char *diff_id, int64_t epoch, const char *source, const struct json_value *exec,
             struct oci_image_config **out, struct oci_error *err)
{
  cleanup_json_gen struct json_gen *g = json_gen_new (false);
  cleanup_free char *text = NULL;
  const char *arch, *variant;
  char created[64];
  struct tm tm;
  time_t t = (time_t) epoch;
  size_t len;

  if (g == NULL)
    return oci_error_set (err, ENOMEM, "image config");
  gmtime_r (&t, &tm);
  strftime (created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm);
  bld_host_platform (&arch, &variant);
  json_gen_begin_object (g);
  json_gen_key (g, "created");
  json_gen_string (g, created);
  json_gen_key (g, "architecture");
  json_gen_string (g, arch);
  if (variant)
    {
      json_gen_key (g, "variant");
      json_gen_string (g, variant);
    }
  json_gen_key (g, "os");
  json_gen_string (g, "linux");
  /* The execution parameters: the caller's (--config), with PATH as the
   * default Env. */
  json_gen_key (g, "config");
  json_gen_begin_object (g);
  if (json_object_get (exec, "Env") == NULL)
    {
      json_gen_key (g, "Env");
      json_gen_begin_array (g);
      json_gen_string (g, BLD_DEFAULT_PATH);
      json_gen_end_array (g);
    }
  for (size_t i = 0; exec && i < exec->u.object.len; i++)
    {
      json_gen_key (g, exec->u.object.keys[i]);
      json_gen_value (g, exec->u.object.values[i]);
    }
  json_gen_end_object (g);
  json_gen_key (g, "rootfs");
  json_gen_begin_object (g);
  json_gen_key (g, "type");
  json_gen_string (g, "layers");
  json_gen_key (g, "diff_ids");
  json_gen_begin_array (g);
  json_gen_string (g, diff_id);
  json_gen_end_array (g);
  json_gen_end_object (g);
  json_gen_key (g, "history");
  json_gen_begin_array (g);
  json_gen_begin_object (g);
  json_gen_key (g, "created");
  json_gen_string (g, created);
  json_gen_key (g, "created_by");
  json_gen_string (g, "builder import");
  json_gen_key (g, "comment");
  json_gen_string (g, source);
  json_gen_end_object (g);
  json_gen_end_array (g);
  json_gen_end_object (g);
  if (json_gen_finish (g, &text, &len, err) < 0)
    return -1;
  return oci_image_config_parse_text ("image config", text, len, out, err);
}

/* --config FILE: the image config's "config" member (Cmd, Entrypoint, Env,
 * User, WorkingDir, ...) as a JSON object; checked when the whole config
 * is parsed. */
static int
read_exec_config (const char *path, struct json_value **out, struct oci_error *err)
{
  cleanup_free char *text = NULL;
  size_t len;

  if (oci_read_file (path, 1u << 20, &text, &len, err) < 0)
    return -1;
  if (json_parse (text, len, out, err) < 0)
    return oci_error_prefix (err, "%s", path);
  if ((*out)->type != JSON_OBJECT)
    return oci_error_set (err, 0, "%s: want a JSON object", path);
  return 0;
}

enum
{
  OPT_CONFIG = CLI_LONG_ONLY
};

static const struct cli_option import_options[] = {
  { "compression", 'c', CLI_VALUE, "gzip|zstd|none", "how the layer is compressed (default gzip)" },
  { "config", OPT_CONFIG, CLI_VALUE, "FILE", "a JSON object for the image config's \"config\" (Cmd, Env, User...)" },
  CLI_OPTIONS_END,
};

const struct cli_help bld_help_import = { "make a one-layer image from a root filesystem (tar or directory)",
                                          "[command options] ROOTFS.tar|DIR NAME[:TAG]", import_options };

BLD_COMMAND (import)
{
  cleanup_cli_getopt struct cli_getopt p = CLI_GETOPT_INIT;
  struct bld_layer_write_options o = { .compression = BLD_COMPRESSION_GZIP };
  cleanup_store struct bld_store *s = NULL;
  cleanup_free char *ref = NULL;
  cleanup_free char *tmp = NULL;
  cleanup_image_descriptor struct oci_image_descriptor *layer = NULL;
  cleanup_image_descriptor struct oci_image_descriptor *mdesc = NULL;
  cleanup_image_manifest struct oci_image_manifest *m = NULL;
  cleanup_image_config struct oci_image_config *cfg = NULL;
  cleanup_json struct json_value *exec = NULL;
  struct bld_layer_result r;
  struct stat st;
  const char *root;
  bool from_env;
  int64_t epoch;
  int c, ret;

  if (cli_getopt_start (&p, import_options, CLI_STYLE_GNU, argc, argv, err) < 0)
    return -1;
  while ((c = cli_getopt_next (&p)) != -1)
    switch (c)
      {
      case 'c':
        if (bld_compression_parse (optarg, &o.compression, err) < 0)
          return -1;
        break;
      case OPT_CONFIG:
        if (read_exec_config (optarg, &exec, err) < 0)
          return -1;
        break;
      default:
        return oci_error_set (err, 0, "import: unknown or incomplete option \"%s\"", argv[optind - 1]);
      }
  if (argc - optind != 2)
    return oci_error_set (err, 0,
                          "usage: builder import [-c gzip|zstd|none] [--config FILE] ROOTFS.tar|DIR NAME[:TAG]");
  if (bld_ref_normalize (argv[optind + 1], &ref, err) < 0 || creation_time (&epoch, &from_env, err) < 0)
    return -1;
  o.has_clamp_epoch = from_env;
  o.clamp_epoch = epoch;
  root = argv[optind];
  if (stat (root, &st) < 0)
    return oci_error_set (err, errno, "import %s", root);
  if (!S_ISDIR (st.st_mode) && !S_ISREG (st.st_mode))
    return oci_error_set (err, 0, "import %s: not a directory or a tar file", root);
  /* The history says what was imported, not the host's path (which
   * would also make the same tree give another image elsewhere). */
  const char *source = S_ISDIR (st.st_mode) ? "imported from a directory" : "imported from a tar archive";
  if (bld_cli_open_store (g, true, &s, err) < 0)
    return -1;
  if (S_ISREG (st.st_mode))
    {
      struct bld_layer_apply_options ao = { .allow_devices = bld_devices_allowed () };
      if (bld_store_private_path (bld_store_dir (s), "import.XXXXXX", &tmp, err) < 0)
        return -1;
      if (mkdtemp (tmp) == NULL)
        return oci_error_set (err, errno, "import: create %s", tmp);
      if (bld_layer_apply_file (root, tmp, &ao, NULL, err) < 0)
        {
          oci_error_prefix (err, "import %s", root);
          goto out;
        }
      root = tmp;
    }
  ret = bld_layer_write_to_store (s, root, &o, &r, &layer, err);
  if (ret == 0)
    ret = make_config (r.diff_id, epoch, source, exec, &cfg, err);
  if (ret == 0)
    ret = bld_store_write_image (s, cfg, layer, 1, NULL, ref, &mdesc, err);
  if (ret == 0)
    ret = bld_store_read_manifest (s, mdesc, &m, err);
  if (ret < 0)
    {
      oci_error_prefix (err, "import %s", argv[optind]);
      goto out;
    }
  printf ("%s\n", m->config->digest);
  if (tmp)
    {
      struct oci_error e2 = OCI_ERROR_INIT;
      bld_remove_tree (tmp, &e2);
      oci_error_clear (&e2);
    }
  return 0;
out:
  if (tmp)
    {
      struct oci_error e2 = OCI_ERROR_INIT;
      bld_remove_tree (tmp, &e2);
      oci_error_clear (&e2);
    }
  return -1;
}
