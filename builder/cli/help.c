/* `builder COMMAND --help`: each command's usage and options (the flags
 * of its getopt table in cmd_<name>.c). */
#include "config.h"

#include "cli/help.h"

#define END { NULL, 0, NULL, NULL }

static const struct cli_help_option build_options[] = {
  { "file", 'f', "RECIPE", "the recipe (default: Recipe, Dockerfile or Containerfile in CONTEXT)" },
  { "tag", 't', "NAME[:TAG]", "name the image (repeatable)" },
  { "build-arg", 0, "KEY[=VALUE]", "set an ARG (without =VALUE: from the environment; repeatable)" },
  { "target", 0, "STAGE", "build up to this stage instead of the last one" },
  { "no-cache", 0, NULL, "rebuild every step instead of using the step cache" },
  { "compression", 0, "gzip|zstd|none", "how the new layers are compressed (default gzip)" },
  { "timestamp", 0, "EPOCH", "the time of the image and its files (default $SOURCE_DATE_EPOCH)" },
  { "runtime", 0, "PATH", "the OCI runtime for RUN (default: the runc-lite beside builder)" },
  { "progress", 0, "auto|plain|tty", "tty: a live view redrawn in place; plain: lines (default auto: tty on a terminal)" },
  { "network", 0, "none|host|default", "RUN's network (default none: a private namespace; RUN --network wins)" },
  { "secret", 0, "id=ID,src=FILE|env=VAR", "a secret for RUN --mount=type=secret (repeatable)" },
  { "ssh", 0, "ID[=SOCKET]", "an SSH agent for RUN --mount=type=ssh (default $SSH_AUTH_SOCK; repeatable)" },
  { "output", 0, "type=T[,dest=PATH]", "also write the image to PATH: T=oci (a layout) or oci-archive (repeatable)" },
  { "iidfile", 0, "FILE", "write the image id (sha256:HEX) to FILE" },
  END,
};

static const struct cli_help_option images_options[] = {
  { "format", 'f', "table|json", "the output format (default table)" },
  { "quiet", 'q', NULL, "print the image ids only" },
  { "no-trunc", 0, NULL, "show the image ids in full (sha256:HEX)" },
  END,
};

static const struct cli_help_option import_options[] = {
  { "compression", 'c', "gzip|zstd|none", "how the layer is compressed (default gzip)" },
  { "config", 0, "FILE", "a JSON object for the image config's \"config\" (Cmd, Env, User...)" },
  END,
};

static const struct cli_help_option run_options[] = {
  { "rm", 0, NULL, "remove the container and its bundle when it exits" },
  { "tty", 't', NULL, "give the process a pseudo-terminal" },
  { "env", 'e', "KEY=VALUE", "add or replace an environment variable (repeatable)" },
  { "volume", 'v', "SRC:DST[:ro]", "bind mount the host's SRC on DST (repeatable)" },
  { "name", 0, "ID", "the container id (default: generated)" },
  { "runtime", 0, "PATH", "the OCI runtime (default: the runc-lite beside builder)" },
  END,
};

/* pull's and push's registry options (bld_cli_registry_args). */
#define REGISTRY_OPTIONS                                                                                         \
  { "creds", 0, "USER:PASS", "the registry's user name and password" },                                        \
      { "authfile", 0, "FILE", "credentials from this auth.json (default $XDG_RUNTIME_DIR/containers/auth.json)" }, \
      { "tls-verify", 0, NULL, "verify the registry's certificate; =false also allows plain http" }

static const struct cli_help_option pull_options[] = {
  REGISTRY_OPTIONS,
  END,
};

static const struct cli_help_option push_options[] = {
  REGISTRY_OPTIONS,
  { "from", 0, "REPO", "a repository of the same registry to mount the blobs from" },
  END,
};

const struct cli_help bld_help_build = { "[command options] CONTEXT", build_options };
const struct cli_help bld_help_history = { "NAME", NULL };
const struct cli_help bld_help_images = { "[command options]", images_options };
const struct cli_help bld_help_import = { "[command options] ROOTFS.tar|DIR NAME[:TAG]", import_options };
const struct cli_help bld_help_inspect = { "NAME", NULL };
static const struct cli_help_option prune_options[] = {
  { "all", 'a', NULL, "also empty the build caches (extracted layers, step cache) whole" },
  END,
};

const struct cli_help bld_help_prune = { "[--all]", prune_options };
const struct cli_help bld_help_load = { "oci-archive:FILE[:TAG] | oci:DIR[:TAG] [NAME[:TAG]]", NULL };
const struct cli_help bld_help_pull = { "[command options] REF [NAME[:TAG]]", pull_options };
const struct cli_help bld_help_push = { "[command options] NAME REF", push_options };
const struct cli_help bld_help_rmi = { "NAME[:TAG]|ID...", NULL };
const struct cli_help bld_help_run = { "[command options] NAME [COMMAND [ARG...]]", run_options };
const struct cli_help bld_help_save = { "NAME... oci-archive:FILE | oci:DIR[:TAG]", NULL };
const struct cli_help bld_help_tag = { "SRC DST", NULL };
const struct cli_help bld_help_unpack = { "NAME BUNDLE", NULL };
