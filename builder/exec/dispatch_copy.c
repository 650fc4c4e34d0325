/* COPY and ADD: the sources (the context, another stage or image, or
 * heredocs), their checksum in the step's cache key, and the copy into
 * the step's rootfs (build_copy.c). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/build_internal.h"
#include "exec/user.h"
#include "cleanup.h"
#include "fileutil.h"
#include "frontend/recipe_expand.h"
#include "common/strbuf.h"

/* A COPY heredoc's body: expanded when the delimiter was not quoted, with
 * quotes kept as they are (BuildKit's SkipProcessQuotes). */
static int
heredoc_body (const struct recipe_heredoc *h, char esc, struct stage_st *s, char **out, struct oci_error *err)
{
  if (!h->expand)
    return (*out = strdup (h->content)) ? 0 : oci_error_set (err, ENOMEM, "out of memory");
  cleanup_strbuf struct strbuf sb = STRBUF_INIT;
  for (const char *p = h->content; *p; p++)
    {
      if (*p == '"' || *p == '\'')
        strbuf_addc (&sb, esc);
      strbuf_addc (&sb, *p);
    }
  if (sb.failed)
    return oci_error_set (err, ENOMEM, "out of memory");
  return recipe_expand_word (sb.s ? sb.s : "", esc, stage_lookup, s, out, err);
}


/* A COPY or ADD step on its way. */
struct copy_step
{
  const struct recipe_instruction *in;
  const char *kind;
  struct bld_copy_request req;
  char **srcs;
  size_t nsrc;
  int hd_root; /* the heredocs' directory, -1 for none */
  char *dest_abs, *chown_s, *chmod_s, *created_by, *excl_text;
  struct ignore *excl;
  struct strbuf desc; /* the sources and dest as created_by shows them */
  /* --from= an earlier stage of the recipe: keyed by its chain, its
   * rootfs opened (req.src_root) only on a miss (copy_open_stage). */
  struct stage_st *from_stage;
};

static void
copy_step_clear (struct copy_step *c)
{
  if (c->req.src_root > 0)
    close (c->req.src_root);
  if (c->hd_root >= 0)
    close (c->hd_root);
  build_strv_clear (&c->srcs, &c->nsrc);
  free (c->dest_abs);
  free (c->chown_s);
  free (c->chmod_s);
  free (c->created_by);
  free (c->excl_text);
  ignore_free (c->excl);
  strbuf_release (&c->desc);
}

static int
copy_fail_pos (const struct copy_step *c, struct oci_error *err)
{
  return oci_error_prefix (err, "%s:%u: %s", c->in->pos.file, c->in->pos.line, c->kind);
}

/* COPY <<EOF dest: each body becomes a file named for its delimiter in a
 * private directory, the sources' root. */
static int
copy_heredocs (struct build *b, struct stage_st *s, struct copy_step *c, struct oci_error *err)
{
  const struct recipe_instruction *in = c->in;
  cleanup_free char *hd = NULL;
  if (asprintf (&hd, "%s/heredoc%zu", b->work, ++b->nmount) < 0)
    {
      hd = NULL;
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  if (mkdir (hd, 0755) < 0 || (c->hd_root = open (hd, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
    return oci_error_set (err, errno, "mkdir %s", hd);
  for (size_t i = 0; i < in->heredocs_len; i++)
    {
      cleanup_free char *body = NULL;
      if (heredoc_body (&in->heredocs[i], b->r->escape, s, &body, err) < 0)
        return copy_fail_pos (c, err);
      cleanup_close int fd = openat (c->hd_root, in->heredocs[i].name,
                                     O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (fd < 0 || oci_write_all (fd, body, strlen (body)) < 0 || fchmod (fd, 0644) < 0)
        return oci_error_set (err, errno, "write heredoc %s", in->heredocs[i].name);
    }
  return 0;
}

/* One source as written: a heredoc's name, else expanded; no URLs. */
static int
copy_source (struct build *b, struct stage_st *s, struct copy_step *c, const char *text, char **w,
             struct oci_error *err)
{
  const struct recipe_instruction *in = c->in;
  if (c->hd_root >= 0)
    {
      const char *nm = text + (strncmp (text, "<<-", 3) == 0 ? 3 : strncmp (text, "<<", 2) == 0 ? 2 : 0);
      if (nm == text)
        return oci_error_set (err, 0, "%s:%u: %s: heredoc and context sources cannot be mixed", in->pos.file,
                              in->pos.line, c->kind);
      *w = strndup (nm + strspn (nm, "\"'"), strcspn (nm + strspn (nm, "\"'"), "\"'"));
      if (*w == NULL)
        return oci_error_set (err, ENOMEM, "out of memory");
    }
  else if (recipe_expand_word (text, b->r->escape, stage_lookup, s, w, err) < 0)
    return -1;
  if (strstr (*w, "://") == NULL)
    return 0;
  if (in->kind == RECIPE_ADD)
    return oci_error_set (err, 0, "%s:%u: ADD: %s: no network: remote sources are not supported", in->pos.file,
                          in->pos.line, *w);
  return oci_error_set (err, 0, "%s:%u: COPY: %s: URLs are not allowed in COPY", in->pos.file, in->pos.line, *w);
}

/* The sources and the destination (absolute, below WORKDIR). */
static int
copy_paths (struct build *b, struct stage_st *s, struct copy_step *c, struct oci_error *err)
{
  const struct recipe_copy *rc = &c->in->copy;
  cleanup_free char *dest = NULL;
  for (size_t i = 0; i < rc->sources.len; i++)
    {
      cleanup_free char *w = NULL;
      if (copy_source (b, s, c, rc->sources.v[i].text, &w, err) < 0
          || build_strv_push (&c->srcs, &c->nsrc, w, err) < 0)
        return -1;
      strbuf_adds (&c->desc, w);
      strbuf_addc (&c->desc, ' ');
    }
  if (recipe_expand_word (rc->dest.text, b->r->escape, stage_lookup, s, &dest, err) < 0)
    return -1;
  strbuf_adds (&c->desc, dest);
  struct oci_image_exec_config *ec = s->cfg->config;
  const char *wd = ec && ec->working_dir && *ec->working_dir ? ec->working_dir : "/";
  if (dest[0] == '/')
    c->dest_abs = strdup (dest);
  else if (asprintf (&c->dest_abs, "%s%s%s", wd, wd[strlen (wd) - 1] == '/' ? "" : "/", dest) < 0)
    c->dest_abs = NULL;
  if (c->dest_abs == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  c->req.sources = c->srcs;
  c->req.sources_len = c->nsrc;
  c->req.dest = c->dest_abs;
  return 0;
}

/* --chmod, and the sources' root: --from's stage or image, the heredocs,
 * or the context (with its ignore file). */
static int
copy_root (struct build *b, struct stage_st *s, struct copy_step *c, struct oci_error *err)
{
  const struct recipe_copy *rc = &c->in->copy;
  char esc = b->r->escape;
  if (rc->chmod)
    {
      if (recipe_expand_word (rc->chmod, esc, stage_lookup, s, &c->chmod_s, err) < 0
          || recipe_check_chmod (c->chmod_s, &c->req.mode, err) < 0)
        return copy_fail_pos (c, err);
      c->req.has_mode = true;
    }
  if (rc->from)
    {
      cleanup_free char *fr = NULL;
      struct stage_st *from = NULL;
      if (recipe_expand_word (rc->from, esc, stage_lookup, s, &fr, err) < 0
          || build_resolve_from (b, fr, &from, err) < 0)
        return copy_fail_pos (c, err);
      if (from >= b->st && from < b->cur)
        {
          c->from_stage = from;
          return 0;
        }
      if (stage_rootfs (b, from, err) < 0)
        return copy_fail_pos (c, err);
      c->req.src_root = open (from->rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
  else if (c->hd_root >= 0)
    c->req.src_root = dup (c->hd_root);
  else
    {
      c->req.src_root = dup (b->ctxfd);
      c->req.ignore = b->ig;
    }
  if (c->req.src_root < 0)
    return oci_error_set (err, errno, "open the sources' root");
  return 0;
}

/* created_by: KIND [--from=X] [--chown=Y] src... dest # buildkit */
static int
copy_created_by (struct copy_step *c, struct oci_error *err)
{
  const struct recipe_copy *rc = &c->in->copy;
  if (c->desc.failed
      || asprintf (&c->created_by, "%s %s%s%s%s%s%s%s # buildkit", c->kind, rc->from ? "--from=" : "",
                   rc->from ? rc->from : "", rc->from ? " " : "", rc->chown ? "--chown=" : "",
                   rc->chown ? rc->chown : "", rc->chown ? " " : "", c->desc.s)
             < 0)
    {
      c->created_by = NULL;
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  return 0;
}

/* --chown (expanded; resolved later, in the step's rootfs) and --exclude. */
static int
copy_owner_excludes (struct build *b, struct stage_st *s, struct copy_step *c, struct oci_error *err)
{
  const struct recipe_copy *rc = &c->in->copy;
  char esc = b->r->escape;
  if (rc->chown && recipe_expand_word (rc->chown, esc, stage_lookup, s, &c->chown_s, err) < 0)
    return copy_fail_pos (c, err);
  c->req.parents = rc->parents;
  if (rc->excludes.len == 0)
    return 0;
  cleanup_strbuf struct strbuf pat = STRBUF_INIT;
  for (size_t i = 0; i < rc->excludes.len; i++)
    {
      cleanup_free char *e = NULL;
      if (recipe_expand_word (rc->excludes.v[i].text, esc, stage_lookup, s, &e, err) < 0)
        return copy_fail_pos (c, err);
      strbuf_adds (&pat, e);
      strbuf_addc (&pat, '\n');
    }
  if (pat.failed)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (ignore_parse ("--exclude", pat.s, pat.len, &c->excl, err) < 0)
    return copy_fail_pos (c, err);
  c->req.exclude = c->excl;
  if ((c->excl_text = strbuf_steal (&pat)) == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  return 0;
}

/* A stage's sources: its chain (which covers its base, its steps and
 * their layers' diff_ids) and the expanded paths, as BuildKit keys them;
 * the stage's layers need not be there. */
static int
copy_stage_sum (struct copy_step *c, char sum[OCI_DIGEST_STRING_MAX], struct oci_error *err)
{
  cleanup_strbuf struct strbuf k = STRBUF_INIT;
  if (step_cache_chain (c->from_stage, err) < 0)
    return -1;
  strbuf_adds (&k, "stage ");
  strbuf_adds (&k, c->from_stage->chain);
  for (size_t i = 0; i < c->nsrc; i++)
    {
      strbuf_adds (&k, "\nsrc ");
      strbuf_adds (&k, c->srcs[i]);
    }
  strbuf_adds (&k, "\ndest ");
  strbuf_adds (&k, c->dest_abs);
  if (k.failed)
    return oci_error_set (err, ENOMEM, "out of memory");
  return oci_digest_buffer (k.s, k.len, sum, err);
}

/* The stage's rootfs as the sources' root, on a miss. */
static int
copy_open_stage (struct build *b, struct copy_step *c, struct oci_error *err)
{
  if (c->from_stage == NULL)
    return 0;
  if (stage_rootfs (b, c->from_stage, err) < 0)
    return copy_fail_pos (c, err);
  c->req.src_root = open (c->from_stage->rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (c->req.src_root < 0)
    return oci_error_set (err, errno, "open %s", c->from_stage->rootfs);
  return 0;
}

/* The key: created_by, the sources' checksum and the options. */
static int
copy_key (struct build *b, struct stage_st *s, struct copy_step *c, char key[OCI_DIGEST_STRING_MAX],
          struct oci_error *err)
{
  char sum[OCI_DIGEST_STRING_MAX];
  cleanup_free char *extra = NULL;
  if ((c->from_stage ? copy_stage_sum (c, sum, err) : bld_copy_checksum (&c->req, sum, err)) < 0)
    return copy_fail_pos (c, err);
  if (asprintf (&extra, "\n%s\n%s\n%s\n%d\n%s", sum, c->chown_s ? c->chown_s : "", c->chmod_s ? c->chmod_s : "",
                c->in->copy.parents, c->excl_text ? c->excl_text : "")
      < 0)
    {
      extra = NULL;
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  return step_cache_key (b, s, c->created_by, extra, key, err);
}

/* Copies into the mounted step rootfs f. */
static int
copy_into (struct copy_step *c, struct step_fs *f, struct oci_error *err)
{
  cleanup_close int rootfd = open (f->merged, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return oci_error_set (err, errno, "open %s", f->merged);
  if (c->chown_s)
    {
      if (bld_user_resolve_owner (rootfd, c->chown_s, &c->req.uid, &c->req.gid, err) < 0)
        return copy_fail_pos (c, err);
      c->req.has_owner = true;
    }
  if (bld_copy (rootfd, &c->req, err) < 0)
    return copy_fail_pos (c, err);
  return 0;
}

int
dispatch_copy (struct build *b, struct stage_st *s, const struct recipe_instruction *in, const char *prefix,
               struct oci_error *err)
{
  struct copy_step c = {
    .in = in,
    .kind = in->kind == RECIPE_ADD ? "ADD" : "COPY",
    .req = { .src_root = -1, .add = in->kind == RECIPE_ADD },
    .hd_root = -1,
    .desc = STRBUF_INIT,
  };
  struct step_fs f = { 0 };
  char key[OCI_DIGEST_STRING_MAX];
  int ret = -1;
  bool hit;

  if ((in->heredocs_len && copy_heredocs (b, s, &c, err) < 0) || copy_paths (b, s, &c, err) < 0
      || copy_root (b, s, &c, err) < 0 || copy_created_by (&c, err) < 0 || copy_owner_excludes (b, s, &c, err) < 0
      || copy_key (b, s, &c, key, err) < 0 || step_cache_lookup (b, s, key, &hit, err) < 0)
    goto out;
  if (hit)
    {
      fprintf (b->o->out, "%sCACHED\n", prefix);
      ret = stage_history_add (s, b->created, c.created_by, false, err);
      goto out;
    }
  if (copy_open_stage (b, &c, err) < 0 || step_fs_mount (b, s, &f, err) < 0 || copy_into (&c, &f, err) < 0
      || step_fs_commit (b, s, &f, key, err) < 0)
    goto out;
  ret = stage_history_add (s, b->created, c.created_by, false, err);
out:
  copy_step_clear (&c);
  step_fs_clear (&f);
  return ret;
}
