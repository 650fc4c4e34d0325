/* features (runtime-spec features.md): what this build and this host can
 * do, from the same tables the runtime uses, so it cannot drift. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cleanup.h"
#include "cli/cli.h"
#include "version.h"

static void
strings (struct json_gen *g, const char *key, const char *const *v, size_t n)
{
  json_gen_key (g, key);
  json_gen_begin_array (g);
  for (size_t i = 0; i < n; i++)
    json_gen_string (g, v[i]);
  json_gen_end_array (g);
}

static size_t
count (const char *const *v)
{
  size_t n = 0;
  while (v[n])
    n++;
  return n;
}

static void
enabled (struct json_gen *g, const char *key, bool on)
{
  json_gen_key (g, key);
  json_gen_begin_object (g);
  json_gen_key (g, "enabled");
  json_gen_bool (g, on);
  json_gen_end_object (g);
}

const struct cli_help rl_help_features = { "print what this runtime supports (runtime-spec features.md)", "", NULL };

int
cmd_features (struct rl_global *gl, int argc, char **argv, struct oci_error *err)
{
  static const char *const hooks[] = { "prestart",       "createRuntime", "createContainer",
                                       "startContainer", "poststart",     "poststop" };
  static const char *const namespaces[] = { "cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts" };
  const char *mount_opts[128];
  size_t n_mount_opts = rl_mount_option_names (mount_opts, 128);
  cleanup_json_gen struct json_gen *g = json_gen_new (true);
  cleanup_free char *text = NULL;
  bool v2_only = rl_cgroup_unified_mode ();
  bool v2 = v2_only || access ("/sys/fs/cgroup/unified/cgroup.controllers", F_OK) == 0;
  const char *supported_flags[16];
  size_t n_supported = 0;

  (void) gl;
  if (argc > 1)
    return oci_error_set (err, 0, "features: takes no arguments, got \"%s\"", argv[1]);
  for (const char *const *f = rl_seccomp_known_flags (); *f && n_supported < 16; f++)
    if (rl_seccomp_flag_supported (*f))
      supported_flags[n_supported++] = *f;
  if (g == NULL)
    return oci_error_set (err, 0, "features: out of memory");

  json_gen_begin_object (g);
  json_gen_key (g, "ociVersionMin");
  json_gen_string (g, "1.0.0");
  json_gen_key (g, "ociVersionMax");
  json_gen_string (g, OCI_RUNTIME_SPEC_VERSION);
  strings (g, "hooks", hooks, 6);
  strings (g, "mountOptions", mount_opts, n_mount_opts);
  json_gen_key (g, "linux");
  json_gen_begin_object (g);
  strings (g, "namespaces", namespaces, 8);
  strings (g, "capabilities", rl_cap_names (), rl_cap_names_len ());
  json_gen_key (g, "cgroup");
  json_gen_begin_object (g);
  json_gen_key (g, "v1");
  json_gen_bool (g, true);
  json_gen_key (g, "v2");
  json_gen_bool (g, true);
  json_gen_key (g, "systemd");
  json_gen_bool (g, false);
  json_gen_key (g, "systemdUser");
  json_gen_bool (g, false);
  json_gen_key (g, "rdma");
  json_gen_bool (g, false);
  json_gen_end_object (g);
  json_gen_key (g, "seccomp");
  json_gen_begin_object (g);
  json_gen_key (g, "enabled");
  json_gen_bool (g, true);
  strings (g, "actions", rl_seccomp_actions (), count (rl_seccomp_actions ()));
  strings (g, "operators", rl_seccomp_operators (), count (rl_seccomp_operators ()));
  strings (g, "archs", rl_seccomp_archs (), count (rl_seccomp_archs ()));
  strings (g, "knownFlags", rl_seccomp_known_flags (), count (rl_seccomp_known_flags ()));
  strings (g, "supportedFlags", supported_flags, n_supported);
  json_gen_end_object (g);
  enabled (g, "apparmor", true);
  enabled (g, "selinux", true); /* labels are written to /proc directly: no library needed */
  json_gen_key (g, "intelRdt");
  json_gen_begin_object (g);
  json_gen_key (g, "enabled");
  json_gen_bool (g, false);
  json_gen_end_object (g);
  json_gen_key (g, "mountExtensions");
  json_gen_begin_object (g);
  enabled (g, "idmap", rl_idmap_supported ());
  json_gen_end_object (g);
  json_gen_end_object (g); /* linux */
  json_gen_key (g, "annotations");
  json_gen_begin_object (g);
  json_gen_key (g, "org.opencontainers.runc-lite.checkpoint.enabled");
  json_gen_string (g, "false");
  json_gen_key (g, "org.opencontainers.runc-lite.commit");
  json_gen_string (g, oci_version_commit ());
  json_gen_key (g, "org.opencontainers.runc-lite.cgroup.v2-host");
  json_gen_string (g, v2_only ? "true" : v2 ? "hybrid" : "false");
  json_gen_end_object (g);
  json_gen_end_object (g);
  if (json_gen_finish (g, &text, NULL, err) < 0)
    return -1;
  fputs (text, stdout);
  return 0;
}
