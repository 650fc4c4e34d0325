/* `runc-lite COMMAND --help`: each command's usage and options (the
 * flags of its getopt table in cmd_<name>.c, in runc's names). */
#include "config.h"

#include "cli/help.h"

#define END { NULL, 0, NULL, NULL }

/* create's options, which run has too. */
#define CREATE_OPTIONS                                                                                   \
  { "bundle", 'b', "DIR", "the bundle directory (default: the current directory)" },                   \
      { "console-socket", 0, "PATH", "send the pty master to this AF_UNIX socket (process.terminal)" }, \
      { "pid-file", 0, "FILE", "write the init's pid to FILE" },                                         \
      { "no-pivot", 0, NULL, "enter the rootfs with MS_MOVE and chroot instead of pivot_root" },        \
      { "no-new-keyring", 0, NULL, "keep the caller's session keyring" },                                \
      { "preserve-fds", 0, "N", "pass N more fds (3 to 3+N-1) to the container" }

static const struct cli_help_option create_options[] = {
  CREATE_OPTIONS,
  END,
};

static const struct cli_help_option run_options[] = {
  CREATE_OPTIONS,
  { "detach", 'd', NULL, "return once the process has started instead of waiting for it" },
  { "keep", 0, NULL, "keep the stopped container's state (no delete on exit)" },
  { "no-subreaper", 0, NULL, "accepted for runc compatibility (never a subreaper)" },
  END,
};

static const struct cli_help_option exec_options[] = {
  { "console-socket", 0, "PATH", "send the pty master to this AF_UNIX socket" },
  { "cwd", 0, "DIR", "the working directory in the container" },
  { "env", 'e', "KEY=VALUE", "add or replace an environment variable (repeatable)" },
  { "tty", 't', NULL, "give the process a pseudo-terminal" },
  { "user", 'u', "UID[:GID]", "run as this numeric user and group" },
  { "additional-gids", 'g', "GID", "an additional group (repeatable)" },
  { "process", 'p', "FILE", "the process as runtime-spec process JSON, instead of a command" },
  { "detach", 'd', NULL, "do not wait for the process" },
  { "pid-file", 0, "FILE", "write the process's pid to FILE" },
  { "process-label", 0, "LABEL", "the SELinux label of the process" },
  { "apparmor", 0, "PROFILE", "the AppArmor profile of the process" },
  { "no-new-privs", 0, NULL, "set no_new_privs for the process" },
  { "cap", 'c', "CAP", "add a capability, e.g. CAP_NET_ADMIN (repeatable)" },
  { "preserve-fds", 0, "N", "pass N more fds (3 to 3+N-1) to the process" },
  { "cgroup", 0, "[CONTROLLER:]PATH", "run the process in an (existing) sub-cgroup of the container's (repeatable)" },
  { "ignore-paused", 0, NULL, "exec even when the container is paused" },
  END,
};

static const struct cli_help_option kill_options[] = {
  { "all", 'a', NULL, "signal every process in the container's cgroup, not only its init" },
  END,
};

static const struct cli_help_option delete_options[] = {
  { "force", 'f', NULL, "kill a running container (SIGKILL) before deleting it" },
  END,
};

static const struct cli_help_option list_options[] = {
  { "format", 'f', "table|json", "the output format (default table)" },
  { "quiet", 'q', NULL, "print the container ids only" },
  END,
};

static const struct cli_help_option ps_options[] = {
  { "format", 'f', "table|json", "table: ps(1)'s output for the container's pids; json: the pids" },
  END,
};

static const struct cli_help_option events_options[] = {
  { "interval", 0, "DURATION", "time between two statistics, e.g. 5s or 500ms (default 5s)" },
  { "stats", 0, NULL, "print the statistics once and exit" },
  END,
};

static const struct cli_help_option update_options[] = {
  { "resources", 'r', "FILE", "runtime-spec linux.resources JSON (\"-\": standard input)" },
  { "blkio-weight", 0, "N", "block IO weight, 10 to 1000" },
  { "cpu-period", 0, "US", "CPU CFS period in microseconds" },
  { "cpu-quota", 0, "US", "CPU CFS quota in microseconds per period" },
  { "cpu-share", 0, "N", "CPU shares (relative weight)" },
  { "cpu-rt-period", 0, "US", "CPU realtime period in microseconds" },
  { "cpu-rt-runtime", 0, "US", "CPU realtime runtime in microseconds per period" },
  { "cpuset-cpus", 0, "LIST", "the CPUs to run on, e.g. 0-3,6" },
  { "cpuset-mems", 0, "LIST", "the memory nodes to use" },
  { "memory", 0, "BYTES", "memory limit (suffixes k, m, g; -1: none)" },
  { "memory-reservation", 0, "BYTES", "memory soft limit" },
  { "memory-swap", 0, "BYTES", "memory plus swap limit" },
  { "pids-limit", 0, "N", "maximum number of processes" },
  { "l3-cache-schema", 0, "SCHEMA", "Intel RDT L3 cache schema" },
  { "mem-bw-schema", 0, "SCHEMA", "Intel RDT memory bandwidth schema" },
  END,
};

static const struct cli_help_option spec_options[] = {
  { "bundle", 'b', "DIR", "write config.json into DIR (default: the current directory)" },
  { "rootless", 0, NULL, "a spec for a container run by an unprivileged user" },
  END,
};

const struct cli_help rl_help_create = { "[command options] <container-id>", create_options };
const struct cli_help rl_help_start = { "<container-id>", NULL };
const struct cli_help rl_help_run = { "[command options] <container-id>", run_options };
const struct cli_help rl_help_exec
    = { "[command options] <container-id> <command> [args...]  (or -p FILE <container-id>)", exec_options };
const struct cli_help rl_help_state = { "<container-id>", NULL };
const struct cli_help rl_help_kill = { "[command options] <container-id> [signal]  (default SIGTERM)", kill_options };
const struct cli_help rl_help_delete = { "[command options] <container-id>", delete_options };
const struct cli_help rl_help_list = { "[command options]", list_options };
const struct cli_help rl_help_pause = { "<container-id>", NULL };
const struct cli_help rl_help_resume = { "<container-id>", NULL };
const struct cli_help rl_help_ps = { "[command options] <container-id> [ps options]", ps_options };
const struct cli_help rl_help_events = { "[command options] <container-id>", events_options };
const struct cli_help rl_help_update = { "[command options] <container-id>", update_options };
const struct cli_help rl_help_spec = { "[command options]", spec_options };
const struct cli_help rl_help_checkpoint = { "<container-id>", NULL };
const struct cli_help rl_help_restore = { "<container-id>", NULL };
const struct cli_help rl_help_features = { "", NULL };
