/* builder build's contexts beyond a directory, as docker build takes them:
 * "-" (a tar on stdin, plain, gzip or zstd; or a recipe alone with an
 * empty context), a tar file as CONTEXT, and -f - (the recipe on stdin).
 * Archives are extracted through the layer code (image/layer_apply.h: no
 * path leaves the directory, the expansion limits hold) into a temporary
 * directory of the store (.store/context-PID.XXXXXX), removed afterwards
 * (or by the next build once PID is gone). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli/build_context.h"
#include "common/fs.h"
#include "common/root_path.h"
#include "fileutil.h"
#include "image/layer_apply.h"
#include "image/size_limits.h"
#include "image/store.h"

void
build_context_clear (struct build_context *c)
{
  if (c->tmp)
    cmn_remove_tree_at (AT_FDCWD, c->tmp, true);
  free (c->tmp);
  free (c->context);
  free (c->recipe);
  *c = (struct build_context) { 0 };
}

/* Copies fd (to its end) into path, at most max bytes. */
static int
spool (int fd, const char *what, const char *path, uint64_t max, struct oci_error *err)
{
  cleanup_close int out = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  char buf[65536];
  uint64_t total = 0;
  if (out < 0)
    return oci_error_set (err, errno, "create %s", path);
  for (;;)
    {
      ssize_t n = read (fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return oci_error_set (err, errno, "read %s", what);
      if (n == 0)
        return 0;
      total += (uint64_t) n;
      if (max && total > max)
        return oci_error_set (err, EFBIG, "%s: more than %llu bytes (BUILDER_MAX_LAYER_SIZE)", what,
                              (unsigned long long) max);
      if (oci_write_all (out, buf, (size_t) n) < 0)
        return oci_error_set (err, errno, "write %s", path);
    }
}

/* A tar (plain, gzip, zstd) by its first bytes; else a recipe. */
static int
is_archive (const char *path, bool *out, struct oci_error *err)
{
  unsigned char h[512] = { 0 };
  cleanup_close int fd = open (path, O_RDONLY | O_CLOEXEC);
  ssize_t n;
  if (fd < 0)
    return oci_error_set (err, errno, "open %s", path);
  n = read (fd, h, sizeof h);
  if (n < 0)
    return oci_error_set (err, errno, "read %s", path);
  *out = (n >= 2 && h[0] == 0x1f && h[1] == 0x8b) || (n >= 4 && h[0] == 0x28 && h[1] == 0xb5 && h[2] == 0x2f)
         || (n >= 262 && memcmp (h + 257, "ustar", 5) == 0);
  return 0;
}

static int
extract (const char *archive, const char *what, const char *dir, struct oci_error *err)
{
  struct bld_layer_apply_options ao = { .ignore_owners = true, .skip_devices = true };
  if (mkdir (dir, 0755) < 0)
    return oci_error_set (err, errno, "mkdir %s", dir);
  if (bld_layer_apply_file (archive, dir, &ao, NULL, err) < 0)
    return oci_error_prefix (err, "build: the context %s", what);
  return 0;
}

/* The recipe name inside the extracted context, opened inside it (a
 * symlink cannot lead out) and copied to tmp/recipe/BASENAME. */
static int
recipe_in_context (struct build_context *c, const char *name, struct oci_error *err)
{
  cleanup_close int root = open (c->context, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  cleanup_close int in = -1, out = -1;
  cleanup_free char *dir = NULL;
  const char *base = strrchr (name, '/') ? strrchr (name, '/') + 1 : name;
  if (root < 0)
    return oci_error_set (err, errno, "open %s", c->context);
  in = cmn_open_in_root (root, name, O_RDONLY, 0);
  if (in < 0)
    return oci_error_set (err, errno, "build: the recipe %s in the context", name);
  if (asprintf (&dir, "%s/recipe", c->tmp) < 0 || asprintf (&c->recipe, "%s/%s", dir, *base ? base : "Recipe") < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (mkdir (dir, 0700) < 0 && errno != EEXIST)
    return oci_error_set (err, errno, "mkdir %s", dir);
  out = open (c->recipe, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (out < 0 || cmn_copy_data (in, out, 0) < 0)
    return oci_error_set (err, errno, "build: copy the recipe %s", name);
  return 0;
}

/* Without -f: Recipe, Dockerfile or Containerfile of the archive. */
static int
default_recipe (struct build_context *c, struct oci_error *err)
{
  static const char *const names[] = { "Recipe", "Dockerfile", "Containerfile" };
  cleanup_close int root = open (c->context, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root < 0)
    return oci_error_set (err, errno, "open %s", c->context);
  for (size_t i = 0; i < 3; i++)
    {
      int fd = cmn_open_in_root (root, names[i], O_RDONLY, 0);
      if (fd >= 0)
        {
          close (fd);
          return recipe_in_context (c, names[i], err);
        }
    }
  return oci_error_set (err, ENOENT, "build: no Recipe, Dockerfile or Containerfile in the context archive");
}

static int
make_tmp (const char *store_dir, struct build_context *c, struct oci_error *err)
{
  cleanup_free char *leaf = NULL;
  if (asprintf (&leaf, BLD_STORE_CONTEXT_PREFIX "%ld.XXXXXX", (long) getpid ()) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (bld_store_private_path (store_dir, leaf, &c->tmp, err) < 0)
    return -1;
  if (mkdtemp (c->tmp) == NULL)
    {
      int e = errno;
      free (c->tmp);
      c->tmp = NULL;
      return oci_error_set (err, e, "build: a directory for the context in %s/.store", store_dir);
    }
  return 0;
}

/* The context from stdin (path NULL) or the file path: an archive
 * extracted, or (stdin) a recipe alone with an empty context.  want_recipe:
 * the recipe comes from the archive, named by recipe (NULL: the default
 * names). */
static int
archive_context (struct build_context *c, const char *path, uint64_t max, bool want_recipe, const char *recipe,
                 struct oci_error *err)
{
  cleanup_free char *spooled = NULL;
  const char *what = path ? path : "stdin";
  bool archive = true;
  if (asprintf (&c->context, "%s/context", c->tmp) < 0)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (path == NULL)
    {
      if (asprintf (&spooled, "%s/stdin", c->tmp) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      if (spool (0, "build: the context on stdin", spooled, max, err) < 0 || is_archive (spooled, &archive, err) < 0)
        return -1;
      path = spooled;
    }
  if (!archive)
    {
      /* docker build - < Dockerfile: no context at all. */
      if (recipe)
        return oci_error_set (err, 0, "build: -f %s: stdin holds a recipe, not a context archive", recipe);
      if (mkdir (c->context, 0755) < 0)
        return oci_error_set (err, errno, "mkdir %s", c->context);
      c->recipe = steal_pointer (&spooled);
      return 0;
    }
  if (extract (path, what, c->context, err) < 0)
    return -1;
  if (spooled)
    unlink (spooled);
  if (!want_recipe)
    return 0;
  return recipe ? recipe_in_context (c, recipe, err) : default_recipe (c, err);
}

int
build_context_prepare (const char *store_dir, const char **context, const char **recipe, struct build_context *c,
                       struct oci_error *err)
{
  struct bld_size_limits lim;
  struct stat st;
  bool ctx_stdin = strcmp (*context, "-") == 0, recipe_stdin = *recipe && strcmp (*recipe, "-") == 0;
  bool ctx_file = !ctx_stdin && stat (*context, &st) == 0 && S_ISREG (st.st_mode);

  if (!ctx_stdin && !ctx_file && !recipe_stdin)
    return 0;
  if (ctx_stdin && recipe_stdin)
    return oci_error_set (err, 0, "build: -f - and the context - cannot both be read from stdin");
  if (bld_size_limits_from_env (&lim, err) < 0 || make_tmp (store_dir, c, err) < 0)
    return -1;
  if (recipe_stdin)
    {
      if (asprintf (&c->recipe, "%s/Recipe", c->tmp) < 0)
        return oci_error_set (err, ENOMEM, "out of memory");
      if (spool (0, "build: the recipe on stdin", c->recipe, OCI_JSON_FILE_MAX, err) < 0)
        return -1;
      *recipe = c->recipe;
      if (!ctx_file)
        return 0;
    }
  if (archive_context (c, ctx_file ? *context : NULL, lim.max_size == UINT64_MAX ? 0 : lim.max_size, !recipe_stdin,
                       *recipe, err)
      < 0)
    return -1;
  *context = c->context;
  *recipe = c->recipe;
  return 0;
}
