/* The recipe parser: logical instructions (recipe_lexer.h) into typed
 * instructions.
 *
 * Values are kept as written (quotes included) wherever Docker applies
 * variable expansion later (recipe_kind_expands in recipe_expand.h): the
 * build executor expands them with the ARG and ENV values of the moment.
 * What can be checked without values is checked here; a value that
 * contains a variable reference is checked after expansion with the
 * recipe_check_* functions. */
#ifndef BUILDER_RECIPE_PARSE_H
#define BUILDER_RECIPE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "error.h"
#include "frontend/recipe_lexer.h"

enum recipe_kind
{
  RECIPE_ADD,
  RECIPE_ARG,
  RECIPE_CMD,
  RECIPE_COPY,
  RECIPE_ENTRYPOINT,
  RECIPE_ENV,
  RECIPE_EXPOSE,
  RECIPE_FROM,
  RECIPE_HEALTHCHECK,
  RECIPE_LABEL,
  RECIPE_MAINTAINER,
  RECIPE_ONBUILD,
  RECIPE_RUN,
  RECIPE_SHELL,
  RECIPE_STOPSIGNAL,
  RECIPE_USER,
  RECIPE_VOLUME,
  RECIPE_WORKDIR,
};

/* The upper-case name of a kind, e.g. "COPY". */
const char *recipe_kind_name (enum recipe_kind kind);

/* One argument and where it starts. */
struct recipe_word
{
  char *text;
  struct recipe_pos pos;
};

struct recipe_words
{
  struct recipe_word *v;
  size_t len;
};

/* ENV, LABEL and ARG entries.  value is NULL for an ARG without default. */
struct recipe_kv
{
  char *key;
  char *value;
  struct recipe_pos pos;
};

struct recipe_kvs
{
  struct recipe_kv *v;
  size_t len;
};

/* RUN, CMD, ENTRYPOINT, SHELL, HEALTHCHECK CMD: exec form when the
 * arguments are a JSON array of strings, else shell form. */
struct recipe_command
{
  bool exec_form;
  struct recipe_words argv; /* exec form (may be empty: CMD []) */
  char *shell;              /* shell form, as written; NULL in exec form */
};

enum recipe_mount_type
{
  RECIPE_MOUNT_BIND,
  RECIPE_MOUNT_CACHE,
  RECIPE_MOUNT_TMPFS,
  RECIPE_MOUNT_SECRET,
  RECIPE_MOUNT_SSH,
};

enum recipe_sharing
{
  RECIPE_SHARING_SHARED, /* the default */
  RECIPE_SHARING_PRIVATE,
  RECIPE_SHARING_LOCKED,
};

/* RUN --mount=type=...,key=value,...  Strings are NULL when not given. */
struct recipe_mount
{
  enum recipe_mount_type type;
  char *target;
  char *source;
  char *from;
  char *id;
  char *env; /* secret: the environment variable to fill */
  enum recipe_sharing sharing;
  bool readonly; /* bind mounts default to read-only, as in Docker */
  bool required; /* secret, ssh */
  bool has_mode, has_uid, has_gid, has_size;
  mode_t mode;
  uint32_t uid, gid;
  uint64_t size;             /* tmpfs size in bytes */
  struct recipe_kvs options; /* every key=value as written, in order */
  struct recipe_pos pos;
};

struct recipe_from
{
  struct recipe_word image;
  char *platform;   /* --platform, as written; NULL when absent */
  char *stage_name; /* AS name, lower-cased; NULL when absent */
  struct recipe_pos stage_name_pos;
};

struct recipe_run
{
  struct recipe_command cmd;
  struct recipe_mount *mounts;
  size_t mounts_len;
  char *network;  /* default | none | host, NULL when absent */
  char *security; /* sandbox | insecure, NULL when absent */
};

/* COPY and ADD. */
struct recipe_copy
{
  bool json_form;
  struct recipe_words sources;
  struct recipe_word dest;
  char *from; /* COPY --from */
  char *chown;
  char *chmod;   /* as written */
  bool has_mode; /* chmod held no variable and was parsed into mode */
  mode_t mode;
  bool link;
  bool parents;      /* COPY --parents */
  bool keep_git_dir; /* ADD --keep-git-dir */
  char *checksum;    /* ADD --checksum */
  struct recipe_words excludes;
};

struct recipe_port
{
  uint16_t start, end; /* end == start for a single port */
  char *proto;         /* tcp (default), udp or sctp */
};

struct recipe_expose
{
  struct recipe_words ports;  /* as written */
  struct recipe_port *parsed; /* the literal ones; NULL when any holds a variable */
  size_t parsed_len;
};

/* Durations in nanoseconds; 0 when not given. */
struct recipe_healthcheck
{
  bool none;
  struct recipe_command cmd;
  int64_t interval, timeout, start_period, start_interval;
  bool has_retries;
  int retries;
};

struct recipe_instruction
{
  enum recipe_kind kind;
  char *keyword; /* as written */
  char *args;    /* the text after the keyword, as written */
  struct recipe_pos pos;
  unsigned end_line;
  struct recipe_heredoc *heredocs; /* RUN, COPY, ADD */
  size_t heredocs_len;

  /* The member for kind is filled in; the others stay zero. */
  struct recipe_from from;
  struct recipe_run run;
  struct recipe_copy copy;   /* COPY, ADD */
  struct recipe_kvs kvs;     /* ENV, LABEL, ARG */
  struct recipe_command cmd; /* CMD, ENTRYPOINT, SHELL (exec form) */
  struct recipe_word arg;    /* WORKDIR, USER, STOPSIGNAL, MAINTAINER */
  char *user, *group;        /* USER split at the first ':'; group NULL when absent */
  struct recipe_expose expose;
  struct recipe_words volumes;
  bool volumes_json;
  struct recipe_healthcheck healthcheck;
  struct recipe_instruction *trigger; /* ONBUILD */
};

struct recipe
{
  char *file;
  char escape;
  char *syntax; /* # syntax=, NULL when absent */
  struct recipe_instruction *v;
  size_t len;
};

/* Parses recipe text; file names it in positions and messages, which read
 * "file:line:column: INSTRUCTION: what is wrong". */
int recipe_parse (const char *file, const char *text, size_t len, struct recipe **out, struct oci_error *err);
/* Parses an image's ONBUILD triggers (Config.OnBuild entries): no FROM
 * needed, and FROM, MAINTAINER and ONBUILD refused as ONBUILD refuses them. */
int recipe_parse_triggers (const char *file, const char *text, size_t len, struct recipe **out,
                           struct oci_error *err);
int recipe_parse_file (const char *path, struct recipe **out, struct oci_error *err);
void recipe_free (struct recipe *r);

static inline void
recipe_freep (struct recipe **r)
{
  recipe_free (*r);
}
#define cleanup_recipe __attribute__ ((cleanup (recipe_freep)))

/* Value checks, also used after expansion. */
int recipe_check_chmod (const char *s, mode_t *mode, struct oci_error *err);
int recipe_check_port (const char *s, struct recipe_port *port, struct oci_error *err);
/* Go duration syntax ("1m30s", "500ms", "1.5h"), into nanoseconds. */
int recipe_parse_duration (const char *s, int64_t *ns, struct oci_error *err);

#endif
