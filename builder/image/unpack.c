#include "config.h"
#include "exec/build_fs.h"
#include "image/unpack.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"
#include "frontend/ignore.h"
#include "image/layer_apply.h"
#include "runtime_default.h"
#include "image/store.h"
#include "common/fs.h"
#include "common/strbuf.h"
#include "common/strv.h"
#include "exec/user.h"

/* Not an OCI key: the image's Volumes, listed as they are in the image
 * config (the bind mounts made for them are in config.json's mounts). */
#define ANNOTATION_VOLUMES "org.runc-lite.builder.volumes"

static size_t
env_key_len (const char *kv)
{
  const char *eq = strchr (kv, '=');
  return eq ? (size_t) (eq - kv) : strlen (kv);
}

/* Sets K=V in env, replacing an entry with the same key. */
static int
env_set (char ***env, size_t *len, const char *kv)
{
  size_t k = env_key_len (kv);
  char *copy = strdup (kv);
  char **n;

  if (copy == NULL)
    return -1;
  for (size_t i = 0; i < *len; i++)
    if (env_key_len ((*env)[i]) == k && strncmp ((*env)[i], kv, k) == 0)
      {
        free ((*env)[i]);
        (*env)[i] = copy;
        return 0;
      }
  n = realloc (*env, (*len + 2) * sizeof *n);
  if (n == NULL)
    {
      free (copy);
      return -1;
    }
  n[(*len)++] = copy;
  n[*len] = NULL;
  *env = n;
  return 0;
}

static char *
join (char *const *v, size_t n, const char *sep)
{
  struct strbuf b = STRBUF_INIT;
  for (size_t i = 0; i < n; i++)
    {
      if (i)
        strbuf_adds (&b, sep);
      strbuf_adds (&b, v[i]);
    }
  return strbuf_steal (&b);
}

static int
set_annotation (struct oci_runtime_config *c, const char *key, const char *value, struct oci_error *err)
{
  if (value == NULL)
    return 0;
  if (oci_string_map_set (&c->annotations, key, value) < 0)
    return oci_error_set (err, ENOMEM, "annotation %s", key);
  return 0;
}

static int
set_joined_annotation (struct oci_runtime_config *c, const char *key, char *const *v, size_t n, struct oci_error *err)
{
  cleanup_free char *s = NULL;
  if (n == 0)
    return 0;
  s = join (v, n, ",");
  if (s == NULL)
    return oci_error_set (err, ENOMEM, "annotation %s", key);
  return set_annotation (c, key, s, err);
}

/* conversion.md, "Annotation Fields" and "Config.ExposedPorts": the
 * implicit annotations first, Labels last so they take precedence. */
static int
set_annotations (struct oci_runtime_config *c, const struct oci_image_config *img, struct oci_error *err)
{
  const struct oci_image_exec_config *x = img->config;

  if (set_annotation (c, "org.opencontainers.image.os", img->os, err) < 0
      || set_annotation (c, "org.opencontainers.image.architecture", img->architecture, err) < 0
      || set_annotation (c, "org.opencontainers.image.variant", img->variant, err) < 0
      || set_annotation (c, "org.opencontainers.image.os.version", img->os_version, err) < 0
      || set_joined_annotation (c, "org.opencontainers.image.os.features", img->os_features, img->os_features_len,
                                err)
             < 0
      || set_annotation (c, "org.opencontainers.image.author", img->author, err) < 0
      || set_annotation (c, "org.opencontainers.image.created", img->created, err) < 0)
    return -1;
  if (x == NULL)
    return 0;
  if (set_annotation (c, "org.opencontainers.image.stopSignal", x->stop_signal, err) < 0
      || set_joined_annotation (c, "org.opencontainers.image.exposedPorts", x->exposed_ports, x->exposed_ports_len,
                                err)
             < 0
      || set_joined_annotation (c, ANNOTATION_VOLUMES, x->volumes, x->volumes_len, err) < 0)
    return -1;
  for (size_t i = 0; i < x->labels.len; i++)
    if (set_annotation (c, x->labels.keys[i], x->labels.values[i], err) < 0)
      return -1;
  return 0;
}

/* SRC:DST[:ro|rw] -> a bind mount; SRC must exist. */
static int
add_volume (struct oci_runtime_config *c, const char *spec, struct oci_error *err)
{
  cleanup_free char *copy = strdup (spec);
  cleanup_free char *src = NULL;
  char *dst, *mode;
  struct oci_mount *m, *n;

  if (copy == NULL)
    return oci_error_set (err, ENOMEM, "volume");
  dst = strchr (copy, ':');
  if (dst == NULL || dst == copy || dst[1] != '/')
    return oci_error_set (err, 0, "invalid volume \"%s\": want SRC:DST[:ro|rw] with an absolute DST", spec);
  *dst++ = '\0';
  mode = strchr (dst, ':');
  if (mode)
    {
      *mode++ = '\0';
      if (strcmp (mode, "ro") != 0 && strcmp (mode, "rw") != 0)
        return oci_error_set (err, 0, "invalid volume \"%s\": mode must be ro or rw", spec);
    }
  src = realpath (copy, NULL);
  if (src == NULL)
    return oci_error_set (err, errno, "volume source %s", copy);
  n = realloc (c->mounts, (c->mounts_len + 1) * sizeof *n);
  if (n == NULL)
    return oci_error_set (err, ENOMEM, "volume");
  c->mounts = n;
  m = &c->mounts[c->mounts_len];
  memset (m, 0, sizeof *m);
  char *opts[] = { (char *) "rbind", (char *) (mode && strcmp (mode, "ro") == 0 ? "ro" : "rw") };
  m->destination = strdup (dst);
  m->type = strdup ("bind");
  m->source = steal_pointer (&src);
  m->options = cmn_strv_concat (opts, 2, NULL, 0);
  m->options_len = 2;
  c->mounts_len++;
  if (m->destination == NULL || m->type == NULL || m->options == NULL)
    return oci_error_set (err, ENOMEM, "volume");
  return 0;
}

/* PATH[:OPTS] -> a tmpfs mount, docker's defaults (noexec, nosuid, nodev)
 * first so that OPTS can undo them (exec, suid, dev). */
static int
add_tmpfs (struct oci_runtime_config *c, const char *spec, struct oci_error *err)
{
  static char *const defaults[] = { (char *) "nosuid", (char *) "nodev", (char *) "noexec" };
  cleanup_free char *copy = strdup (spec);
  struct oci_mount *m, *n;
  char *opts, *tok, *save = NULL;

  if (copy == NULL)
    return oci_error_set (err, ENOMEM, "tmpfs");
  opts = strchr (copy, ':');
  if (opts)
    *opts++ = '\0';
  if (copy[0] != '/')
    return oci_error_set (err, 0, "invalid tmpfs \"%s\": want an absolute PATH[:OPTIONS]", spec);
  n = realloc (c->mounts, (c->mounts_len + 1) * sizeof *n);
  if (n == NULL)
    return oci_error_set (err, ENOMEM, "tmpfs");
  c->mounts = n;
  m = &c->mounts[c->mounts_len++];
  memset (m, 0, sizeof *m);
  m->destination = strdup (copy);
  m->type = strdup ("tmpfs");
  m->source = strdup ("tmpfs");
  m->options = cmn_strv_copy (defaults, 3);
  m->options_len = 3;
  if (m->destination == NULL || m->type == NULL || m->source == NULL || m->options == NULL)
    return oci_error_set (err, ENOMEM, "tmpfs");
  for (tok = opts ? strtok_r (opts, ",", &save) : NULL; tok; tok = strtok_r (NULL, ",", &save))
    if (cmn_strv_push (&m->options, &m->options_len, tok) < 0)
      return oci_error_set (err, ENOMEM, "tmpfs");
  return 0;
}

/* Drops the network namespace: the host's network. */
static void
drop_network_namespace (struct oci_runtime_config *c)
{
  size_t j = 0;
  if (c->linux_ == NULL)
    return;
  for (size_t i = 0; i < c->linux_->namespaces_len; i++)
    {
      struct oci_linux_namespace *ns = &c->linux_->namespaces[i];
      if (strcmp (ns->type, "network") == 0)
        {
          free (ns->type);
          free (ns->path);
          continue;
        }
      c->linux_->namespaces[j++] = *ns;
    }
  c->linux_->namespaces_len = j;
}

/* `builder run`'s flags that are not the image config's: --hostname,
 * --read-only, --network host, --tmpfs. */
static int
apply_run_overrides (struct oci_runtime_config *c, const struct bld_unpack_overrides *ov, struct oci_error *err)
{
  if (ov->hostname)
    {
      free (c->hostname);
      if ((c->hostname = strdup (ov->hostname)) == NULL)
        return oci_error_set (err, ENOMEM, "config");
    }
  if (ov->readonly && c->root)
    c->root->readonly = true;
  if (ov->host_network)
    drop_network_namespace (c);
  for (size_t i = 0; i < ov->tmpfs_len; i++)
    if (add_tmpfs (c, ov->tmpfs[i], err) < 0)
      return -1;
  return 0;
}

int
bld_runtime_config_from_image (const struct oci_image_config *img, int rootfs_fd,
                               const struct bld_unpack_overrides *ov, struct oci_runtime_config **out,
                               struct oci_error *err)
{
  cleanup_runtime_config struct oci_runtime_config *c = NULL;
  const struct oci_image_exec_config *x = img->config;
  static const struct oci_image_exec_config empty = { 0 };
  struct oci_process *p;
  char **cmd, **entrypoint;
  size_t cmd_len, entrypoint_len;
  bool has_path = false;

  if (x == NULL)
    x = &empty;
  if (oci_runtime_default_config (geteuid () != 0, &c, err) < 0)
    return -1;
  p = c->process;

  /* Entrypoint + Cmd (conversion.md, note 2); docker run --entrypoint
   * replaces the one and drops the other. */
  entrypoint = ov && ov->has_entrypoint ? ov->entrypoint : x->entrypoint;
  entrypoint_len = ov && ov->has_entrypoint ? ov->entrypoint_len : x->entrypoint_len;
  cmd = ov && (ov->cmd_len || ov->has_entrypoint) ? ov->cmd : x->cmd;
  cmd_len = ov && (ov->cmd_len || ov->has_entrypoint) ? ov->cmd_len : x->cmd_len;
  if (entrypoint_len + cmd_len == 0 && (ov == NULL || ov->no_command == NULL))
    return oci_error_set (err, 0, "the image has no Entrypoint or Cmd: give a command");
  if (entrypoint_len + cmd_len == 0)
    *ov->no_command = true; /* the default spec's args stay */
  else
    {
      cmn_strv_free_n (p->args, p->args_len);
      p->args = cmn_strv_concat (entrypoint, entrypoint_len, cmd, cmd_len);
      p->args_len = entrypoint_len + cmd_len;
    }

  /* The image's Env as it is, the caller's on top, PATH only if absent. */
  cmn_strv_free_n (p->env, p->env_len);
  p->env = cmn_strv_concat (x->env, x->env_len, NULL, 0);
  p->env_len = x->env_len;
  if (p->args == NULL || p->env == NULL)
    return oci_error_set (err, ENOMEM, "config");
  for (size_t i = 0; ov && i < ov->env_len; i++)
    {
      if (strchr (ov->env[i], '=') == NULL || ov->env[i][0] == '=')
        return oci_error_set (err, 0, "invalid environment variable \"%s\": want K=V", ov->env[i]);
      if (env_set (&p->env, &p->env_len, ov->env[i]) < 0)
        return oci_error_set (err, ENOMEM, "config");
    }
  for (size_t i = 0; i < p->env_len; i++)
    has_path |= strncmp (p->env[i], "PATH=", 5) == 0;
  if (!has_path && env_set (&p->env, &p->env_len, BLD_DEFAULT_PATH) < 0)
    return oci_error_set (err, ENOMEM, "config");

  free (p->cwd);
  if (ov && ov->workdir)
    p->cwd = strdup (ov->workdir);
  else
    p->cwd = strdup (x->working_dir && *x->working_dir ? x->working_dir : "/");
  if (p->cwd == NULL)
    return oci_error_set (err, ENOMEM, "config");
  /* Writable, as docker run and umoci's bundles are (the runtime's
   * default spec makes the root read-only). */
  if (c->root)
    {
      c->root->readonly = false;
      c->root->has_readonly = true;
    }
  p->terminal = ov ? ov->terminal : false;
  p->has_terminal = true;

  const char *user = ov && ov->user ? ov->user : x->user;
  if (user && *user)
    {
      struct bld_user u;
      if (bld_user_resolve (rootfs_fd, user, &u, err) < 0)
        return -1;
      if (p->user == NULL && (p->user = calloc (1, sizeof *p->user)) == NULL)
        return oci_error_set (err, ENOMEM, "config");
      p->user->uid = u.uid;
      p->user->gid = u.gid;
      p->user->has_uid = p->user->has_gid = true;
      free (p->user->additional_gids);
      p->user->additional_gids = u.additional_gids;
      p->user->additional_gids_len = u.additional_gids_len;
    }

  if (set_annotations (c, img, err) < 0)
    return -1;
  for (size_t i = 0; ov && i < ov->volumes_len; i++)
    if (add_volume (c, ov->volumes[i], err) < 0)
      return -1;
  if (ov && apply_run_overrides (c, ov, err) < 0)
    return -1;
  *out = steal_pointer (&c);
  return 0;
}

/* A volume or mount destination cleaned (path.Clean: "/a//b/./c/" ->
 * "/a/b/c", ".." pops); NULL for a relative path. */
static char *
clean_volume_path (const char *p)
{
  return p[0] == '/' ? ignore_clean_path (p) : NULL;
}

static bool
has_mount_at (const struct oci_runtime_config *c, const char *dest)
{
  for (size_t i = 0; i < c->mounts_len; i++)
    {
      cleanup_free char *d = clean_volume_path (c->mounts[i].destination);
      if (d && strcmp (d, dest) == 0)
        return true;
    }
  return false;
}

/* Moves the image's directory at path (clean, absolute) to vols_fd/name
 * and leaves an empty directory with the same owner and mode in its place:
 * the volume starts with the image's content without a copy.  A missing
 * path gets two empty directories; a symlink is left for the runtime to
 * resolve inside the rootfs, with an empty volume. */
static int
seed_volume (int rootfs_fd, int vols_fd, const char *path, const char *name, struct oci_error *err)
{
  cleanup_free char *parent = strdup (path);
  cleanup_close int pfd = -1;
  const char *base;
  struct stat st;

  if (parent == NULL)
    return oci_error_set (err, ENOMEM, "volume");
  base = strrchr (parent, '/') + 1;
  parent[base - parent - 1] = '\0';
  if (bld_mkdir_in_root (rootfs_fd, *parent ? parent : "/", &pfd, err) < 0)
    return -1;
  if (fstatat (pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
    {
      if (errno != ENOENT)
        return oci_error_set (err, errno, "stat %s in the rootfs", path);
      if (mkdirat (pfd, base, 0755) < 0)
        return oci_error_set (err, errno, "mkdir %s in the rootfs", path);
    }
  else if (S_ISDIR (st.st_mode))
    {
      if (renameat (pfd, base, vols_fd, name) < 0)
        return oci_error_set (err, errno, "move %s of the rootfs to volumes/%s", path, name);
      if (mkdirat (pfd, base, 0700) < 0 || fchownat (pfd, base, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0
          || fchmodat (pfd, base, st.st_mode & 07777, 0) < 0)
        return oci_error_set (err, errno, "mount point %s in the rootfs", path);
      return 0;
    }
  else if (!S_ISLNK (st.st_mode))
    return oci_error_set (err, ENOTDIR, "VOLUME %s", path);
  if (mkdirat (vols_fd, name, 0755) < 0)
    return oci_error_set (err, errno, "mkdir volumes/%s", name);
  return 0;
}

/* conversion.md, Config.Volumes: "mounts for these locations such that
 * application data is not written to the container's root filesystem".
 * Each becomes a bind mount of BUNDLE/volumes/N (a source relative to the
 * bundle, so the bundle can move), unless a mount (e.g. run -v) already
 * has that destination. */
static int
add_image_volumes (struct oci_runtime_config *c, const struct oci_image_config *img, const char *bundle,
                   int rootfs_fd, struct oci_error *err)
{
  const struct oci_image_exec_config *x = img->config;
  cleanup_free char *vols = NULL;
  cleanup_close int vols_fd = -1;

  if (x == NULL || x->volumes_len == 0)
    return 0;
  if (asprintf (&vols, "%s/volumes", bundle) < 0)
    return oci_error_set (err, ENOMEM, "volumes");
  if (mkdir (vols, 0755) < 0)
    return oci_error_set (err, errno, "create %s", vols);
  vols_fd = open (vols, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (vols_fd < 0)
    return oci_error_set (err, errno, "open %s", vols);
  for (size_t i = 0; i < x->volumes_len; i++)
    {
      cleanup_free char *dest = clean_volume_path (x->volumes[i]);
      cleanup_free char *name = NULL;
      cleanup_free char *source = NULL;
      struct oci_mount *n, *m;

      if (dest == NULL || strcmp (dest, "/") == 0)
        return oci_error_set (err, 0, "VOLUME \"%s\": want an absolute path other than /", x->volumes[i]);
      if (has_mount_at (c, dest))
        continue;
      if (asprintf (&name, "%zu", i) < 0 || asprintf (&source, "volumes/%zu", i) < 0)
        return oci_error_set (err, ENOMEM, "volumes");
      if (seed_volume (rootfs_fd, vols_fd, dest, name, err) < 0)
        return oci_error_prefix (err, "VOLUME %s", x->volumes[i]);
      n = realloc (c->mounts, (c->mounts_len + 1) * sizeof *n);
      if (n == NULL)
        return oci_error_set (err, ENOMEM, "volumes");
      c->mounts = n;
      m = &c->mounts[c->mounts_len++];
      memset (m, 0, sizeof *m);
      char *opts[] = { (char *) "rbind", (char *) "rw" };
      m->destination = steal_pointer (&dest);
      m->type = strdup ("bind");
      m->source = steal_pointer (&source);
      m->options = cmn_strv_concat (opts, 2, NULL, 0);
      m->options_len = 2;
      if (m->type == NULL || m->options == NULL)
        return oci_error_set (err, ENOMEM, "volumes");
    }
  return 0;
}

/* Makes the bundle directory: new, or an existing empty directory. */
static int
make_bundle_dir (const char *bundle, bool *created, struct oci_error *err)
{
  cleanup_closedir DIR *d = NULL;

  *created = false;
  if (mkdir (bundle, 0700) == 0)
    {
      *created = true;
      return 0;
    }
  if (errno != EEXIST)
    return oci_error_set (err, errno, "create bundle %s", bundle);
  d = opendir (bundle);
  if (d == NULL)
    return oci_error_set (err, errno, "bundle %s", bundle);
  if (cmn_readdir (d) != NULL)
    return oci_error_set (err, 0, "bundle %s already exists and is not empty", bundle);
  if (chmod (bundle, 0700) < 0)
    return oci_error_set (err, errno, "chmod %s", bundle);
  return 0;
}

static int
unpack_into (struct bld_store *s, const struct oci_image_manifest *m, const struct oci_image_config *img,
             const char *bundle, const struct bld_unpack_overrides *ov, struct oci_error *err)
{
  cleanup_free char *rootfs = NULL;
  cleanup_free char *config_path = NULL;
  cleanup_free char *json = NULL;
  cleanup_close int rootfs_fd = -1;
  cleanup_runtime_config struct oci_runtime_config *c = NULL;
  size_t len;

  if (img->rootfs == NULL || img->rootfs->diff_ids_len != m->layers_len)
    return oci_error_set (err, 0, "the image has %zu layers but %zu diff_ids", m->layers_len,
                          img->rootfs ? img->rootfs->diff_ids_len : 0);
  if (asprintf (&rootfs, "%s/rootfs", bundle) < 0 || asprintf (&config_path, "%s/config.json", bundle) < 0)
    return oci_error_set (err, ENOMEM, "unpack");
  if (mkdir (rootfs, 0755) < 0)
    return oci_error_set (err, errno, "create %s", rootfs);
  for (size_t i = 0; i < m->layers_len; i++)
    {
      cleanup_free char *blob = NULL;
      struct bld_layer_apply_options o = {
        .allow_devices = bld_devices_allowed (),
        .expected_digest = m->layers[i].digest,
        .expected_diff_id = img->rootfs->diff_ids[i],
      };
      if (bld_store_blob_path (s, m->layers[i].digest, -1, false, &blob, err) < 0
          || bld_layer_apply_file (blob, rootfs, &o, NULL, err) < 0)
        return oci_error_prefix (err, "layer %zu (%s)", i + 1, m->layers[i].digest);
    }
  rootfs_fd = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfs_fd < 0)
    return oci_error_set (err, errno, "open %s", rootfs);
  if (bld_runtime_config_from_image (img, rootfs_fd, ov, &c, err) < 0
      || add_image_volumes (c, img, bundle, rootfs_fd, err) < 0
      || oci_runtime_config_emit (c, true, &json, &len, err) < 0)
    return -1;
  return oci_write_file_atomic (config_path, json, len, 0644, err);
}

int
bld_unpack (struct bld_store *s, const char *ref, const char *bundle, const struct bld_unpack_overrides *ov,
            struct oci_error *err)
{
  cleanup_image_descriptor struct oci_image_descriptor *desc = NULL;
  cleanup_image_manifest struct oci_image_manifest *m = NULL;
  cleanup_image_config struct oci_image_config *img = NULL;
  bool created;

  if (bld_store_resolve (s, ref, &desc, err) < 0 || bld_store_read_manifest (s, desc, &m, err) < 0
      || bld_store_read_config (s, m->config, &img, err) < 0)
    return -1;
  if (make_bundle_dir (bundle, &created, err) < 0)
    return -1;
  if (unpack_into (s, m, img, bundle, ov, err) < 0)
    {
      struct oci_error ignored = OCI_ERROR_INIT;
      if (created)
        bld_remove_tree (bundle, &ignored);
      else
        {
          cleanup_free char *r = NULL;
          if (asprintf (&r, "%s/rootfs", bundle) >= 0)
            bld_remove_tree (r, &ignored);
        }
      oci_error_clear (&ignored);
      return oci_error_prefix (err, "unpack %s", ref);
    }
  return 0;
}

/* ---- run --rm on an overlay ---- */

/* The image's layers as lowerdirs of the layer cache (bld_overlay_lowers:
 * topmost first, each once), extracting what is missing. */
static int
cached_lowers (struct bld_store *s, const struct oci_image_manifest *m, const struct oci_image_config *img,
               char ***out, size_t *n_out, struct oci_error *err)
{
  cleanup_free char *layers = NULL, *empty = NULL;
  char **dirs = calloc (m->layers_len + 1, sizeof *dirs);
  size_t n = 0;
  int ret = -1;

  if (dirs == NULL)
    {
      oci_error_set (err, ENOMEM, "out of memory");
      goto out;
    }
  if (bld_store_area_path (bld_store_dir (s), BLD_STORE_LAYERS, &layers, err) < 0
      || bld_store_area_path (bld_store_dir (s), BLD_STORE_EMPTY, &empty, err) < 0)
    goto out;
  if ((mkdir (layers, 0700) < 0 && errno != EEXIST) || (mkdir (empty, 0755) < 0 && errno != EEXIST))
    {
      oci_error_set (err, errno, "create %s and %s", layers, empty);
      goto out;
    }
  for (; n < m->layers_len; n++)
    {
      cleanup_free char *blob = NULL;
      const char *diff_id = img->rootfs->diff_ids[n];
      const char *colon = strchr (diff_id, ':');

      if (bld_store_blob_path (s, m->layers[n].digest, -1, false, &blob, err) < 0
          || bld_layer_cache_ensure (layers, blob, m->layers[n].digest, diff_id, err) < 0)
        {
          oci_error_prefix (err, "layer %zu (%s)", n + 1, m->layers[n].digest);
          goto out;
        }
      if (asprintf (&dirs[n], "%s/%s", layers, colon ? colon + 1 : diff_id) < 0)
        {
          dirs[n] = NULL;
          oci_error_set (err, ENOMEM, "out of memory");
          goto out;
        }
    }
  ret = bld_overlay_lowers (dirs, n, empty, out, n_out, err);
out:
  cmn_strv_free_n (dirs, n);
  return ret;
}

int
bld_unpack_overlay (struct bld_store *s, const char *ref, const char *bundle, const struct bld_unpack_overrides *ov,
                    bool *done, struct oci_error *err)
{
  cleanup_image_descriptor struct oci_image_descriptor *desc = NULL;
  cleanup_image_manifest struct oci_image_manifest *m = NULL;
  cleanup_image_config struct oci_image_config *img = NULL;
  cleanup_free char *rootfs = NULL, *upper = NULL, *work = NULL, *config_path = NULL, *json = NULL;
  cleanup_runtime_config struct oci_runtime_config *c = NULL;
  cleanup_close int rootfs_fd = -1;
  char **lowers = NULL;
  size_t n_lowers = 0, len;
  bool created = false, mounted = false;
  int ret = -1;

  *done = false;
  if (bld_store_resolve (s, ref, &desc, err) < 0 || bld_store_read_manifest (s, desc, &m, err) < 0
      || bld_store_read_config (s, m->config, &img, err) < 0)
    return -1;
  /* Volumes are seeded by moving the image's directories out of the
   * rootfs, which an overlay cannot do: those images are unpacked. */
  if (img->config && img->config->volumes_len)
    return 0;
  if (img->rootfs == NULL || img->rootfs->diff_ids_len != m->layers_len)
    return oci_error_set (err, 0, "unpack %s: the image has %zu layers but %zu diff_ids", ref, m->layers_len,
                          img->rootfs ? img->rootfs->diff_ids_len : 0);
  if (cached_lowers (s, m, img, &lowers, &n_lowers, err) < 0)
    return oci_error_prefix (err, "unpack %s", ref);
  if (asprintf (&rootfs, "%s/rootfs", bundle) < 0 || asprintf (&upper, "%s/upper", bundle) < 0
      || asprintf (&work, "%s/work", bundle) < 0 || asprintf (&config_path, "%s/config.json", bundle) < 0)
    {
      oci_error_set (err, ENOMEM, "out of memory");
      goto out;
    }
  if (make_bundle_dir (bundle, &created, err) < 0)
    goto out;
  if (mkdir (rootfs, 0755) < 0 || mkdir (upper, 0755) < 0 || mkdir (work, 0700) < 0)
    {
      oci_error_set (err, errno, "create %s/{rootfs,upper,work}", bundle);
      goto fail;
    }
  {
    struct oci_error e2 = OCI_ERROR_INIT;
    if (bld_overlay_mount (lowers, n_lowers, upper, work, rootfs, &e2) < 0)
      {
        int e = e2.errnum;
        if (e != EINVAL && e != EPERM && e != ENODEV && e != EOPNOTSUPP)
          {
            *err = e2;
            goto fail;
          }
        /* No overlayfs here: the caller unpacks instead. */
        oci_error_clear (&e2);
        ret = 0;
        goto fail;
      }
  }
  mounted = true;
  rootfs_fd = open (rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfs_fd < 0)
    {
      oci_error_set (err, errno, "open %s", rootfs);
      goto fail;
    }
  if (bld_runtime_config_from_image (img, rootfs_fd, ov, &c, err) < 0
      || oci_runtime_config_emit (c, true, &json, &len, err) < 0
      || oci_write_file_atomic (config_path, json, len, 0644, err) < 0)
    goto fail;
  *done = true;
  ret = 0;
  goto out;
fail:
  {
    struct oci_error e2 = OCI_ERROR_INIT;
    if (mounted)
      bld_overlay_unmount (rootfs, &e2);
    oci_error_clear (&e2);
    if (created)
      bld_remove_tree (bundle, &e2);
    else
      {
        /* An empty bundle directory given by the caller: empty again. */
        rmdir (rootfs);
        bld_remove_tree (upper, &e2);
        oci_error_clear (&e2);
        bld_remove_tree (work, &e2);
      }
    oci_error_clear (&e2);
    if (ret < 0)
      oci_error_prefix (err, "unpack %s", ref);
  }
out:
  cmn_strv_free_n (lowers, n_lowers);
  return ret;
}
