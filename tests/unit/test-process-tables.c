/* The process attributes: the pure tables and parsers behind process.c,
 * caps.c, seccomp.c and labels.c, then rl_process_apply itself in forked
 * children that report what they became through a pipe. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/caps.h"
#include "cleanup.h"
#include "fileutil.h"
#include "json.h"
#include "lib/labels.h"
#include "lib/process.h"
#include "runtime.h"
#include "lib/seccomp.h"
#include "tap.h"

static void
skip (const char *why)
{
  printf ("ok %d # skip %s\n", ++tap_count, why);
}

/* ---- capability names ---- */

static void
test_caps_names (void)
{
  bool round_trip = true;
  struct oci_error err = OCI_ERROR_INIT;
  struct oci_capabilities caps = { 0 };
  char *bad[] = { "CAP_KILL", "CAP_FOO" };

  ok (rl_cap_from_name ("CAP_CHOWN") == 0, "CAP_CHOWN is 0");
  ok (rl_cap_from_name ("CAP_SYS_ADMIN") == CAP_SYS_ADMIN, "CAP_SYS_ADMIN is %d", CAP_SYS_ADMIN);
  ok (rl_cap_from_name ("CAP_FOO") == -1, "unknown name is -1");
  ok (rl_cap_from_name ("cap_chown") == -1, "names are case-sensitive");
  ok (rl_cap_names_len () == CAP_LAST_CAP + 1, "the table has every capability of the header (%zu)",
      rl_cap_names_len ());
  for (size_t i = 0; i < rl_cap_names_len (); i++)
    round_trip = round_trip && rl_cap_names ()[i] != NULL && rl_cap_from_name (rl_cap_to_name ((int) i)) == (int) i;
  ok (round_trip, "every number has a name that maps back to it");
  ok (rl_cap_to_name (-1) == NULL && rl_cap_to_name (CAP_LAST_CAP + 1) == NULL, "numbers out of range have no name");
  ok (rl_cap_kernel_last () >= CAP_AUDIT_READ, "the kernel knows at least CAP_AUDIT_READ");

  caps.ambient = bad;
  caps.ambient_len = 2;
  ok (rl_caps_check (&caps, &err) < 0, "an unknown capability is rejected");
  is_str (err.msg, "capabilities.ambient: unknown capability \"CAP_FOO\"", "and the error names set and name");
  oci_error_clear (&err);
  ok (rl_caps_check (NULL, &err) == 0, "no capabilities object is fine");
}

/* ---- rlimits ---- */

static void
test_rlimit_names (void)
{
  bool all = true;
  size_t n = 0;
  ok (rl_rlimit_from_name ("RLIMIT_NOFILE") == RLIMIT_NOFILE, "RLIMIT_NOFILE");
  ok (rl_rlimit_from_name ("RLIMIT_CORE") == RLIMIT_CORE, "RLIMIT_CORE");
  ok (rl_rlimit_from_name ("RLIMIT_RTTIME") == RLIMIT_RTTIME, "RLIMIT_RTTIME");
  ok (rl_rlimit_from_name ("RLIMIT_FOO") == -1, "unknown rlimit is -1");
  for (const char *const *p = rl_rlimit_names (); *p; p++, n++)
    all = all && rl_rlimit_from_name (*p) >= 0;
  ok (all && n == 16, "all %zu listed names resolve", n);
}

/* ---- CPU lists ---- */

static void
cpu_list_is (const char *list, const int *want, size_t nwant)
{
  struct oci_error err = OCI_ERROR_INIT;
  cpu_set_t *set = NULL;
  size_t size = 0;
  bool good;

  if (!ok (rl_cpu_list_parse (list, "cpus", &set, &size, &err) == 0, "CPU list \"%s\" parses", list))
    {
      diag ("%s", oci_error_msg (&err));
      oci_error_clear (&err);
      return;
    }
  good = (size_t) CPU_COUNT_S (size, set) == nwant;
  for (size_t i = 0; i < nwant; i++)
    good = good && CPU_ISSET_S (want[i], size, set);
  ok (good, "CPU list \"%s\" has the %zu CPUs expected", list, nwant);
  CPU_FREE (set);
}

static void
cpu_list_bad (const char *list, const char *msg)
{
  struct oci_error err = OCI_ERROR_INIT;
  cpu_set_t *set = NULL;
  size_t size = 0;
  ok (rl_cpu_list_parse (list, "execCPUAffinity.initial", &set, &size, &err) < 0, "CPU list \"%s\" is refused", list);
  is_str (err.msg, msg, "  with a clear message");
  oci_error_clear (&err);
}

static void
test_cpu_lists (void)
{
  static const int l1[] = { 0, 1, 2, 3, 7 }, l2[] = { 7 }, l3[] = { 1000 }, l4[] = { 2, 3, 4, 9 };
  cpu_list_is ("0-3,7", l1, 5);
  cpu_list_is ("7", l2, 1);
  cpu_list_is ("1000", l3, 1);
  cpu_list_is ("9,2-4,3", l4, 4);
  cpu_list_bad ("", "execCPUAffinity.initial: empty CPU list");
  cpu_list_bad ("1-", "execCPUAffinity.initial: invalid CPU list \"1-\": expected a CPU number at offset 2");
  cpu_list_bad ("3-1", "execCPUAffinity.initial: invalid CPU list \"3-1\": range 3-1 goes backwards");
  cpu_list_bad ("a", "execCPUAffinity.initial: invalid CPU list \"a\": expected a CPU number at offset 0");
  cpu_list_bad ("1,,2", "execCPUAffinity.initial: invalid CPU list \"1,,2\": expected a CPU number at offset 2");
  cpu_list_bad ("1,", "execCPUAffinity.initial: invalid CPU list \"1,\": expected a CPU number at offset 2");
  cpu_list_bad ("1 ", "execCPUAffinity.initial: invalid CPU list \"1 \": unexpected ' ' at offset 1");
  cpu_list_bad ("-1", "execCPUAffinity.initial: invalid CPU list \"-1\": expected a CPU number at offset 0");
  cpu_list_bad ("0-99999999999999999999",
                "execCPUAffinity.initial: invalid CPU list \"0-99999999999999999999\": CPU number above 65535");
}

/* ---- seccomp names ---- */

static size_t
strv_len (const char *const *v)
{
  size_t n = 0;
  while (v[n])
    n++;
  return n;
}

static void
test_seccomp_names (void)
{
  uint32_t v = 0;
  int op = -1;

  ok (rl_seccomp_action_value ("SCMP_ACT_ERRNO", false, 0, &v) == 0 && v == (uint32_t) SCMP_ACT_ERRNO (EPERM),
      "SCMP_ACT_ERRNO defaults to EPERM");
  ok (rl_seccomp_action_value ("SCMP_ACT_ERRNO", true, 38, &v) == 0 && v == (uint32_t) SCMP_ACT_ERRNO (38),
      "SCMP_ACT_ERRNO takes errnoRet");
  ok (rl_seccomp_action_value ("SCMP_ACT_TRACE", true, 7, &v) == 0 && v == (uint32_t) SCMP_ACT_TRACE (7),
      "SCMP_ACT_TRACE takes errnoRet as its trace value");
  ok (rl_seccomp_action_value ("SCMP_ACT_KILL_PROCESS", false, 0, &v) == 0 && v == SCMP_ACT_KILL_PROCESS,
      "SCMP_ACT_KILL_PROCESS");
  ok (rl_seccomp_action_value ("SCMP_ACT_NOTIFY", false, 0, &v) == 0 && v == SCMP_ACT_NOTIFY, "SCMP_ACT_NOTIFY");
  ok (rl_seccomp_action_value ("SCMP_ACT_ALLOW", true, 1, &v) == -2, "SCMP_ACT_ALLOW with errnoRet is -2");
  ok (rl_seccomp_action_value ("SCMP_ACT_WHATEVER", false, 0, &v) == -1, "unknown action is -1");
  ok (rl_seccomp_arch_value ("SCMP_ARCH_X86_64", &v) == 0 && v == SCMP_ARCH_X86_64, "SCMP_ARCH_X86_64");
  ok (rl_seccomp_arch_value ("SCMP_ARCH_AARCH64", &v) == 0 && v == SCMP_ARCH_AARCH64, "SCMP_ARCH_AARCH64");
  ok (rl_seccomp_arch_value ("SCMP_ARCH_VAX", &v) == -1, "unknown arch is -1");
  ok (rl_seccomp_op_value ("SCMP_CMP_MASKED_EQ", &op) == 0 && op == SCMP_CMP_MASKED_EQ, "SCMP_CMP_MASKED_EQ");
  ok (rl_seccomp_op_value ("SCMP_CMP_XOR", &op) == -1, "unknown operator is -1");
  ok (strv_len (rl_seccomp_actions ()) == 9, "9 actions listed");
  ok (strv_len (rl_seccomp_operators ()) == 7, "7 operators listed");
  ok (strv_len (rl_seccomp_archs ()) >= 18, "%zu architectures listed", strv_len (rl_seccomp_archs ()));
  ok (strv_len (rl_seccomp_known_flags ()) == 4, "4 known flags");
  ok (rl_seccomp_flag_supported ("SECCOMP_FILTER_FLAG_LOG"), "SECCOMP_FILTER_FLAG_LOG is supported here");
  ok (!rl_seccomp_flag_supported ("SECCOMP_FILTER_FLAG_BOGUS"), "an unknown flag is not supported");
}

/* A profile with one bad spot at a time. */
static void
test_seccomp_check (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  char *names[] = { "mkdir" }, *sendmsg_name[] = { "sendmsg" };
  struct oci_linux_seccomp_arg arg = { .index = 6, .has_index = true, .op = "SCMP_CMP_EQ" };
  struct oci_linux_syscall sc[3] = {
    { .names = names, .names_len = 1, .action = "SCMP_ACT_ERRNO" },
    { .names = names, .names_len = 1, .action = "SCMP_ACT_ALLOW" },
    { .names = names, .names_len = 1, .action = "SCMP_ACT_WHATEVER" },
  };
  struct oci_linux_seccomp s = { .default_action = "SCMP_ACT_ALLOW", .syscalls = sc, .syscalls_len = 3 };

  ok (rl_seccomp_check (&s, &err) < 0, "an unknown action is refused");
  is_str (err.msg, "seccomp: syscalls[2].action \"SCMP_ACT_WHATEVER\" unsupported", "  naming the rule");
  sc[2].action = "SCMP_ACT_KILL";
  sc[2].errno_ret = 1;
  sc[2].has_errno_ret = true;
  ok (rl_seccomp_check (&s, &err) < 0, "errnoRet with SCMP_ACT_KILL is refused (config-linux.md)");
  is_str (err.msg, "seccomp: syscalls[2].action \"SCMP_ACT_KILL\" does not take an errno return value",
          "  with a clear message");
  sc[2].has_errno_ret = false;
  ok (rl_seccomp_check (&s, &err) == 0, "the fixed profile passes");
  s.default_errno_ret = 1;
  s.has_default_errno_ret = true;
  ok (rl_seccomp_check (&s, &err) < 0, "defaultErrnoRet with defaultAction SCMP_ACT_ALLOW is refused");
  is_str (err.msg, "seccomp: defaultAction \"SCMP_ACT_ALLOW\" does not take an errno return value", "  clearly");
  s.has_default_errno_ret = false;
  sc[0].args = &arg;
  sc[0].args_len = 1;
  ok (rl_seccomp_check (&s, &err) < 0, "an argument index above 5 is refused");
  is_str (err.msg, "seccomp: syscalls[0].args[0].index 6 out of range 0..5", "  clearly");
  sc[0].args_len = 0;
  sc[1].action = "SCMP_ACT_NOTIFY";
  ok (rl_seccomp_check (&s, &err) < 0, "SCMP_ACT_NOTIFY without listenerPath is refused");
  is_str (err.msg, "seccomp: syscalls[1]: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath", "  clearly");
  s.listener_path = "/run/listener.sock";
  ok (rl_seccomp_check (&s, &err) == 0 && rl_seccomp_uses_notify (&s), "with a listenerPath it passes");
  sc[1].names = sendmsg_name;
  ok (rl_seccomp_check (&s, &err) < 0, "SCMP_ACT_NOTIFY on sendmsg is refused");
  s.default_action = "SCMP_ACT_NOTIFY";
  sc[1].names = names;
  ok (rl_seccomp_check (&s, &err) < 0, "defaultAction SCMP_ACT_NOTIFY is refused");
  oci_error_clear (&err);
}

static void
test_process_state (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_free char *out = NULL;
  cleanup_json struct json_value *v = NULL;
  size_t len;
  const char *state = "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":4422,"
                      "\"bundle\":\"/b\"}";

  ok (rl_seccomp_process_state (state, "meta=1", &out, &len, &err) == 0, "container process state builds");
  is_str (out,
          "{\"ociVersion\":\"1.3.0\",\"fds\":[\"seccompFd\"],\"pid\":4422,\"metadata\":\"meta=1\",\"state\":"
          "{\"ociVersion\":\"1.2.0\",\"id\":\"c1\",\"status\":\"creating\",\"pid\":4422,\"bundle\":\"/b\"}}",
          "  with fds, the state's pid, metadata and the state");
  ok (rl_seccomp_process_state ("[1]", NULL, &out, &len, &err) < 0, "a state that is no object is refused");
  oci_error_clear (&err);
}

/* ---- labels ---- */

static void
test_labels (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  char path[] = "/tmp/rl-attr-XXXXXX";
  int fd = mkstemp (path);
  struct stat st;

  ok (fd >= 0, "a temporary file stands in for a faked attr file");
  close (fd);
  ok (rl_procfs_write (path, "label", 5, &err) < 0, "a write to a file not on procfs is refused");
  ok (err.msg && strstr (err.msg, "is not on procfs") != NULL, "  saying so: %s", oci_error_msg (&err));
  ok (stat (path, &st) == 0 && st.st_size == 0, "  and nothing was written (CVE-2019-16884)");
  unlink (path);
  oci_error_clear (&err);
  ok (rl_procfs_write ("/proc/thread-self/comm", "rl-test", 7, &err) == 0, "a write to a procfs file goes through");
  oci_error_clear (&err);
  ok (rl_procfs_write ("/nonexistent/attr", "x", 1, &err) < 0 && err.errnum == ENOENT, "a missing file is an error");
  oci_error_clear (&err);

  if (rl_apparmor_enabled ())
    skip ("AppArmor is enabled here: the not-enabled error cannot be tested");
  else
    {
      ok (rl_apparmor_exec_profile ("acme", &err) < 0, "an AppArmor profile without AppArmor is an error");
      is_str (err.msg, "apparmorProfile \"acme\" is set but AppArmor is not enabled on this host", "  clearly");
      oci_error_clear (&err);
    }
  ok (rl_selinux_exec_label ("system_u:system_r:container_t:s0", &err) < 0 || access ("/sys/fs/selinux", F_OK) == 0,
      "an SELinux label without SELinux is an error");
  diag ("%s", oci_error_msg (&err));
  oci_error_clear (&err);
}

/* ---- rl_process_apply in a child ---- */

static struct oci_runtime_config *
config_from (const char *process_json, const char *linux_json)
{
  struct oci_error err = OCI_ERROR_INIT;
  struct oci_runtime_config *c = NULL;
  cleanup_free char *text = NULL;
  if (asprintf (&text, "{\"ociVersion\":\"1.2.0\",\"process\":{\"cwd\":\"/\",\"args\":[\"sh\"]%s%s},\"linux\":{%s}}",
                *process_json ? "," : "", process_json, linux_json)
      < 0)
    abort ();
  if (oci_runtime_config_parse_text ("config.json", text, strlen (text), &c, &err) < 0)
    {
      diag ("test config: %s", oci_error_msg (&err));
      oci_error_clear (&err);
      return NULL;
    }
  return c;
}

static void
report_status (int out)
{
  cleanup_free char *status = NULL;
  struct oci_error err = OCI_ERROR_INIT;
  if (oci_read_file ("/proc/self/status", 1 << 20, &status, NULL, &err) == 0)
    dprintf (out, "%s", status);
}

typedef void (*child_fn) (int out, void *data);

/* Forks; the child applies the config and runs fn, writing to a pipe.  The
 * parent collects the text and the wait status.  before runs first in the
 * child (to set up what apply must undo). */
static char *
run_child (const struct oci_runtime_config *c, void (*before) (void), child_fn fn, void *data, int listener_fd,
           int *wstatus)
{
  int p[2];
  pid_t pid;
  char *text = NULL;
  struct oci_error err = OCI_ERROR_INIT;

  if (pipe (p) < 0)
    abort ();
  pid = fork ();
  if (pid == 0)
    {
      close (p[0]);
      if (before)
        before ();
      if (rl_process_apply (c->process, c->linux_,
                            "{\"ociVersion\":\"1.2.0\",\"id\":\"t\",\"status\":\"creating\","
                            "\"pid\":1234,\"bundle\":\"/b\"}",
                            listener_fd, &err)
          < 0)
        {
          dprintf (p[1], "error=%s\n", oci_error_msg (&err));
          _exit (3);
        }
      fn (p[1], data);
      _exit (0);
    }
  close (p[1]);
  if (listener_fd >= 0)
    close (listener_fd);
  oci_read_fd (p[0], "child", 1 << 20, &text, NULL, &err);
  close (p[0]);
  waitpid (pid, wstatus, 0);
  return text;
}

/* The value after "key:\t" in /proc/self/status text. */
static char *
status_field (const char *text, const char *key)
{
  static char buf[256];
  const char *p = text;
  size_t klen = strlen (key);
  while (p && *p)
    {
      if (strncmp (p, key, klen) == 0 && p[klen] == ':')
        {
          const char *v = p + klen + 1, *e;
          while (*v == '\t' || *v == ' ')
            v++;
          e = strchr (v, '\n');
          snprintf (buf, sizeof buf, "%.*s", (int) (e ? e - v : (long) strlen (v)), v);
          return buf;
        }
      p = strchr (p, '\n');
      if (p)
        p++;
    }
  return NULL;
}

static void
fn_status (int out, void *data)
{
  (void) data;
  cleanup_free char *oom = NULL;
  struct oci_error err = OCI_ERROR_INIT;
  struct rlimit rl;
  report_status (out);
  if (oci_read_file ("/proc/self/oom_score_adj", 64, &oom, NULL, &err) == 0)
    dprintf (out, "oom:\t%s", oom);
  getrlimit (RLIMIT_NOFILE, &rl);
  dprintf (out, "nofile:\t%llu/%llu\n", (unsigned long long) rl.rlim_cur, (unsigned long long) rl.rlim_max);
}

static void
set_own_inheritable (void)
{
  /* What a runtime started with inheritable capabilities would pass on
   * (CVE-2022-29162): CAP_KILL and CAP_CHOWN. */
  struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
  struct __user_cap_data_struct d[2];
  syscall (SYS_capget, &h, d);
  d[0].inheritable = (1u << CAP_KILL) | (1u << CAP_CHOWN);
  syscall (SYS_capset, &h, d);
}

static void
test_apply_user_caps (void)
{
  int ws;
  cleanup_free char *out = NULL;
  struct oci_runtime_config *c = config_from (
      "\"user\":{\"uid\":1000,\"gid\":1001,\"umask\":63,\"additionalGids\":[10,20]},"
      "\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_CHOWN\",\"CAP_NET_BIND_SERVICE\"],"
      "\"effective\":[\"CAP_KILL\"],\"permitted\":[\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"],"
      "\"inheritable\":[\"CAP_NET_BIND_SERVICE\"],\"ambient\":[\"CAP_NET_BIND_SERVICE\"]},"
      "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":100,\"hard\":200}],"
      "\"noNewPrivileges\":true,\"oomScoreAdj\":500",
      "");
  if (!ok (c != NULL, "config with user, capabilities, rlimits parses"))
    return;
  out = run_child (c, set_own_inheritable, fn_status, NULL, -1, &ws);
  if (!ok (WIFEXITED (ws) && WEXITSTATUS (ws) == 0, "rl_process_apply succeeds as uid 1000"))
    diag ("%s", out);
  is_str (status_field (out, "Uid"), "1000\t1000\t1000\t1000", "uid 1000 everywhere");
  is_str (status_field (out, "Gid"), "1001\t1001\t1001\t1001", "gid 1001 everywhere");
  is_str (status_field (out, "Groups"), "10 20 ", "additionalGids 10 20 (the kernel ends the list with a space)");
  is_str (status_field (out, "Umask"), "0077", "umask 63 = 0077");
  is_str (status_field (out, "CapBnd"), "0000000000000421", "CapBnd: KILL, CHOWN, NET_BIND_SERVICE");
  is_str (status_field (out, "CapPrm"), "0000000000000420", "CapPrm: KILL, NET_BIND_SERVICE");
  is_str (status_field (out, "CapEff"), "0000000000000020", "CapEff: KILL");
  is_str (status_field (out, "CapInh"), "0000000000000400", "CapInh: only NET_BIND_SERVICE, not the runtime's");
  is_str (status_field (out, "CapAmb"), "0000000000000400", "CapAmb: NET_BIND_SERVICE");
  is_str (status_field (out, "NoNewPrivs"), "1", "NoNewPrivs 1");
  is_str (status_field (out, "oom"), "500", "oom_score_adj 500");
  is_str (status_field (out, "nofile"), "100/200", "RLIMIT_NOFILE 100/200");
  oci_runtime_config_free (c);
}

static void
fn_caps_only (int out, void *data)
{
  (void) data;
  report_status (out);
}

static void
test_apply_inheritable_cve (void)
{
  int ws;
  cleanup_free char *out = NULL;
  struct oci_runtime_config *c = config_from ("\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_CHOWN\"],"
                                              "\"effective\":[\"CAP_KILL\"],\"permitted\":[\"CAP_KILL\"]}",
                                              "");
  if (!ok (c != NULL, "config without inheritable parses"))
    return;
  out = run_child (c, set_own_inheritable, fn_caps_only, NULL, -1, &ws);
  ok (WIFEXITED (ws) && WEXITSTATUS (ws) == 0, "rl_process_apply succeeds as root");
  is_str (status_field (out, "CapInh"), "0000000000000000",
          "CapInh is empty although the runtime had CAP_KILL and CAP_CHOWN there (CVE-2022-29162)");
  is_str (status_field (out, "CapBnd"), "0000000000000021", "CapBnd: KILL, CHOWN");
  is_str (status_field (out, "NoNewPrivs"), "0", "NoNewPrivs 0 when not asked");
  is_str (status_field (out, "Umask"), "0022", "umask 0022 by default");
  oci_runtime_config_free (c);

  c = config_from ("", "");
  out = (free (out), run_child (c, NULL, fn_caps_only, NULL, -1, &ws));
  is_str (status_field (out, "CapBnd"), "0000000000000000", "no capabilities object: an empty bounding set");
  is_str (status_field (out, "CapEff"), "0000000000000000", "  and empty effective set");
  oci_runtime_config_free (c);
}

static void
expect_error (const char *process_json, const char *linux_json, const char *want, const char *what)
{
  int ws;
  cleanup_free char *out = NULL;
  cleanup_free char *line = NULL;
  struct oci_runtime_config *c = config_from (process_json, linux_json);
  if (!ok (c != NULL, "%s: config parses", what))
    return;
  out = run_child (c, NULL, fn_caps_only, NULL, -1, &ws);
  ok (WIFEXITED (ws) && WEXITSTATUS (ws) == 3, "%s: rl_process_apply fails", what);
  if (asprintf (&line, "error=%s\n", want) < 0)
    abort ();
  is_str (out, line, "%s: the error says so", what);
  oci_runtime_config_free (c);
}

static bool
own_bounding_has (int cap)
{
  return prctl (PR_CAPBSET_READ, cap, 0, 0, 0) == 1;
}

static void
test_apply_errors (void)
{
  struct rlimit rl;

  expect_error ("\"capabilities\":{\"bounding\":[\"CAP_FOO\"]}", "",
                "capabilities.bounding: unknown capability \"CAP_FOO\"", "unknown capability");
  expect_error ("\"rlimits\":[{\"type\":\"RLIMIT_FOO\",\"soft\":1,\"hard\":1}]", "",
                "rlimits[0]: unknown type \"RLIMIT_FOO\"", "unknown rlimit");
  expect_error ("\"apparmorProfile\":\"acme\"", "",
                rl_apparmor_enabled () ? "(AppArmor enabled)"
                                       : "apparmorProfile \"acme\" is set but AppArmor is not enabled on this host",
                "AppArmor profile");
  expect_error ("\"execCPUAffinity\":{\"initial\":\"0-\"}", "",
                "execCPUAffinity.initial: invalid CPU list \"0-\": expected a CPU number at offset 2",
                "bad CPU list");
  expect_error ("\"scheduler\":{\"policy\":\"SCHED_ISO\"}", "", "scheduler.policy \"SCHED_ISO\" unsupported",
                "SCHED_ISO");
  expect_error ("", "\"personality\":{\"domain\":\"LINUX\",\"flags\":[\"ADDR_NO_RANDOMIZE\"]}",
                "personality.flags[0] \"ADDR_NO_RANDOMIZE\" unsupported", "personality flags");
  expect_error ("\"capabilities\":{\"effective\":[\"CAP_KILL\"]}", "",
                "capabilities.effective: CAP_KILL is not in capabilities.permitted", "effective beyond permitted");
  {
    /* runc's default spec: ambient capabilities, inheritable empty.  The
     * kernel cannot hold them; they are skipped, not an error. */
    int ws;
    cleanup_free char *out = NULL;
    struct oci_runtime_config *c = config_from (
        "\"capabilities\":{\"permitted\":[\"CAP_KILL\"],\"effective\":[\"CAP_KILL\"],"
        "\"ambient\":[\"CAP_KILL\"]}",
        "");
    if (ok (c != NULL, "ambient without inheritable: config parses"))
      {
        out = run_child (c, NULL, fn_caps_only, NULL, -1, &ws);
        ok (WIFEXITED (ws) && WEXITSTATUS (ws) == 0, "ambient without inheritable: applied");
        is_str (status_field (out, "CapAmb"), "0000000000000000", "  and the ambient set stays empty");
        is_str (status_field (out, "CapInh"), "0000000000000000", "  as does the inheritable one");
        oci_runtime_config_free (c);
      }
  }

  if (own_bounding_has (CAP_SYS_RESOURCE))
    skip ("this runtime holds CAP_SYS_RESOURCE: cannot test asking for a capability it lacks");
  else
    expect_error ("\"capabilities\":{\"bounding\":[\"CAP_SYS_RESOURCE\",\"CAP_KILL\"],"
                  "\"permitted\":[\"CAP_SYS_RESOURCE\",\"CAP_KILL\"]}",
                  "", "capabilities.permitted: CAP_SYS_RESOURCE cannot be granted: the runtime does not hold it",
                  "a capability the runtime lacks");

  getrlimit (RLIMIT_NOFILE, &rl);
  if (own_bounding_has (CAP_SYS_RESOURCE) || rl.rlim_max >= 1048576)
    skip ("RLIMIT_NOFILE can be raised here: cannot test the EPERM message");
  else
    expect_error ("\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"soft\":1048576,\"hard\":1048576}]", "",
                  "setrlimit RLIMIT_NOFILE 1048576/1048576: Operation not permitted", "RLIMIT_NOFILE above hard");
}

static void
fn_sched (int out, void *data)
{
  struct utsname u;
  cpu_set_t set;
  (void) data;
  uname (&u);
  CPU_ZERO (&set);
  sched_getaffinity (0, sizeof set, &set);
  errno = 0;
  dprintf (out, "policy:\t%d\nnice:\t%d\nioprio:\t%ld\nmachine:\t%s\ncpus:\t%d %d\n", sched_getscheduler (0),
           getpriority (PRIO_PROCESS, 0), syscall (SYS_ioprio_get, 1, 0), u.machine, CPU_COUNT (&set),
           CPU_ISSET (0, &set));
}

static void
test_apply_sched (void)
{
  int ws;
  cleanup_free char *out = NULL;
  char buf[32];
  struct oci_runtime_config *c = config_from ("\"scheduler\":{\"policy\":\"SCHED_BATCH\",\"nice\":5},"
                                              "\"ioPriority\":{\"class\":\"IOPRIO_CLASS_BE\",\"priority\":6},"
                                              "\"execCPUAffinity\":{\"initial\":\"0\",\"final\":\"0\"}",
                                              "\"personality\":{\"domain\":\"LINUX32\"}");
  if (!ok (c != NULL, "config with scheduler, ioPriority, execCPUAffinity, personality parses"))
    return;
  out = run_child (c, NULL, fn_sched, NULL, -1, &ws);
  if (!ok (WIFEXITED (ws) && WEXITSTATUS (ws) == 0, "rl_process_apply succeeds"))
    diag ("%s", out);
  snprintf (buf, sizeof buf, "%d", SCHED_BATCH);
  is_str (status_field (out, "policy"), buf, "policy SCHED_BATCH");
  is_str (status_field (out, "nice"), "5", "nice 5");
  snprintf (buf, sizeof buf, "%d", (2 << 13) | 6);
  is_str (status_field (out, "ioprio"), buf, "I/O priority BE 6");
  is_str (status_field (out, "machine"), "i686", "LINUX32: uname -m is i686");
  is_str (status_field (out, "cpus"), "1 1", "affinity: CPU 0 alone");
  oci_runtime_config_free (c);
}

/* ---- seccomp ---- */

static void
fn_mkdir (int out, void *data)
{
  const char *dir = data;
  int r = mkdir (dir, 0700);
  dprintf (out, "mkdir:\t%d %d\n", r, r < 0 ? errno : 0);
  rmdir (dir);
  report_status (out);
}

static void
test_apply_seccomp (void)
{
  int ws;
  char dir[] = "/tmp/rl-seccomp-XXXXXX";
  cleanup_free char *out = NULL;
  struct oci_runtime_config *c;

  if (mkdtemp (dir) == NULL)
    abort ();
  rmdir (dir);

  c = config_from ("\"noNewPrivileges\":true,\"capabilities\":{\"effective\":[\"CAP_DAC_OVERRIDE\"],"
                   "\"permitted\":[\"CAP_DAC_OVERRIDE\"],\"bounding\":[\"CAP_DAC_OVERRIDE\"]}",
                   "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                   "{\"names\":[\"nosuchcall\",\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":38},"
                   "{\"names\":[\"getpid\"],\"action\":\"SCMP_ACT_ALLOW\"}]}");
  out = run_child (c, NULL, fn_mkdir, dir, -1, &ws);
  if (!ok (WIFEXITED (ws) && WEXITSTATUS (ws) == 0, "seccomp ERRNO 38 profile loads (unknown syscall skipped)"))
    diag ("%s", out);
  is_str (status_field (out, "mkdir"), "-1 38", "mkdir fails with errnoRet 38 (ENOSYS)");
  is_str (status_field (out, "Seccomp"), "2", "Seccomp: 2 (filter mode)");
  oci_runtime_config_free (c);
  free (out);

  /* No no_new_privs and no CAP_SYS_ADMIN: the filter goes on before the
   * capabilities are dropped. */
  c = config_from ("\"user\":{\"uid\":1000,\"gid\":1000}",
                   "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                   "{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\"}]}");
  out = run_child (c, NULL, fn_mkdir, dir, -1, &ws);
  if (!ok (WIFEXITED (ws) && WEXITSTATUS (ws) == 0, "without noNewPrivileges the filter still loads"))
    diag ("%s", out);
  is_str (status_field (out, "mkdir"), "-1 1", "mkdir fails with the default EPERM");
  is_str (status_field (out, "NoNewPrivs"), "0", "and no_new_privs stays off (libseccomp's default undone)");
  oci_runtime_config_free (c);
  free (out);

  c = config_from ("\"noNewPrivileges\":true",
                   "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                   "{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_KILL_PROCESS\"},"
                   "{\"names\":[\"getcwd\"],\"action\":\"SCMP_ACT_LOG\"}]}");
  out = run_child (c, NULL, fn_mkdir, dir, -1, &ws);
  ok (WIFSIGNALED (ws) && WTERMSIG (ws) == SIGSYS, "SCMP_ACT_KILL_PROCESS kills with SIGSYS");
  oci_runtime_config_free (c);
  free (out);

  c = config_from ("\"noNewPrivileges\":true",
                   "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_X86\","
                   "\"SCMP_ARCH_X86_64\",\"SCMP_ARCH_X32\"],\"flags\":[\"SECCOMP_FILTER_FLAG_LOG\"],\"syscalls\":["
                   "{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13,"
                   "\"args\":[{\"index\":1,\"value\":448,\"op\":\"SCMP_CMP_EQ\"}]}]}");
  out = run_child (c, NULL, fn_mkdir, dir, -1, &ws);
  ok (WIFEXITED (ws) && WEXITSTATUS (ws) == 0, "architectures, flags and args load");
  is_str (status_field (out, "mkdir"), "-1 13", "mkdir with mode 0700 (448) matches the arg rule");
  oci_runtime_config_free (c);
  out = (free (out), NULL);

  c = config_from ("\"noNewPrivileges\":true",
                   "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":["
                   "{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_ERRNO\",\"errnoRet\":13,"
                   "\"args\":[{\"index\":1,\"value\":511,\"op\":\"SCMP_CMP_EQ\"}]}]}");
  out = run_child (c, NULL, fn_mkdir, dir, -1, &ws);
  is_str (status_field (out, "mkdir"), "0 0", "mkdir with another mode does not match");
  oci_runtime_config_free (c);
}

/* The listener's side: take the fd and the state, answer one mkdir. */
static void
test_apply_seccomp_notify (void)
{
  int sv[2], ws, notify_fd = -1;
  char buf[4096];
  char dir[] = "/tmp/rl-notify-XXXXXX";
  union
  {
    char b[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { buf, sizeof buf - 1 };
  struct msghdr msg = {
    .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.b, .msg_controllen = sizeof control.b
  };
  struct cmsghdr *cm;
  struct seccomp_notif *req = NULL;
  struct seccomp_notif_resp *resp = NULL;
  ssize_t n;
  pid_t pid;
  int p[2];
  cleanup_free char *out = NULL;
  struct oci_error err = OCI_ERROR_INIT;
  struct oci_runtime_config *c = config_from (
      "\"noNewPrivileges\":true", "\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerPath\":\"/unused\","
                                  "\"listenerMetadata\":\"hello\",\"syscalls\":["
                                  "{\"names\":[\"mkdir\",\"mkdirat\"],\"action\":\"SCMP_ACT_NOTIFY\"}]}");

  if (mkdtemp (dir) == NULL)
    abort ();
  rmdir (dir);
  if (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0 || pipe (p) < 0)
    abort ();
  pid = fork ();
  if (pid == 0)
    {
      close (sv[0]);
      close (p[0]);
      if (rl_process_apply (c->process, c->linux_,
                            "{\"ociVersion\":\"1.2.0\",\"id\":\"t\",\"status\":\"creating\","
                            "\"pid\":1234,\"bundle\":\"/b\"}",
                            sv[1], &err)
          < 0)
        {
          dprintf (p[1], "error=%s\n", oci_error_msg (&err));
          _exit (3);
        }
      fn_mkdir (p[1], dir);
      _exit (0);
    }
  close (sv[1]);
  close (p[1]);
  n = recvmsg (sv[0], &msg, MSG_CMSG_CLOEXEC);
  cm = n > 0 ? CMSG_FIRSTHDR (&msg) : NULL;
  if (cm && cm->cmsg_type == SCM_RIGHTS)
    memcpy (&notify_fd, CMSG_DATA (cm), sizeof (int));
  ok (notify_fd >= 0, "the listener receives an fd with SCM_RIGHTS");
  buf[n > 0 ? n : 0] = '\0';
  {
    ssize_t m;
    while (n > 0 && (size_t) n < sizeof buf - 1 && (m = read (sv[0], buf + n, sizeof buf - 1 - (size_t) n)) > 0)
      n += m;
    buf[n > 0 ? n : 0] = '\0';
  }
  is_str (buf,
          "{\"ociVersion\":\"1.3.0\",\"fds\":[\"seccompFd\"],\"pid\":1234,\"metadata\":\"hello\",\"state\":"
          "{\"ociVersion\":\"1.2.0\",\"id\":\"t\",\"status\":\"creating\",\"pid\":1234,\"bundle\":\"/b\"}}",
          "and the container process state, then EOF (the connection is closed)");
  if (notify_fd >= 0 && seccomp_notify_alloc (&req, &resp) == 0)
    {
      int r = seccomp_notify_receive (notify_fd, req);
      ok (r == 0 && req->pid == (__u32) pid, "a notification arrives from the child");
      resp->id = req->id;
      resp->val = 0;
      resp->error = -EROFS;
      resp->flags = 0;
      ok (seccomp_notify_respond (notify_fd, resp) == 0, "the listener answers EROFS");
      seccomp_notify_free (req, resp);
    }
  else
    ok (0, "notify fd usable");
  close (sv[0]);
  oci_read_fd (p[0], "child", 1 << 20, &out, NULL, &err);
  waitpid (pid, &ws, 0);
  ok (WIFEXITED (ws) && WEXITSTATUS (ws) == 0, "the child finished");
  {
    char want[32];
    snprintf (want, sizeof want, "-1 %d", EROFS);
    is_str (status_field (out ? out : "", "mkdir"), want, "mkdir got the listener's answer");
  }
  if (notify_fd >= 0)
    close (notify_fd);
  oci_runtime_config_free (c);
}

static void
test_connect_listener (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  int fd = -1;
  ok (rl_seccomp_connect_listener ("/nonexistent/listener.sock", &fd, &err) < 0, "connecting to nothing fails");
  is_str (err.msg, "seccomp listener: connect to /nonexistent/listener.sock: No such file or directory", "  clearly");
  oci_error_clear (&err);
}

int
main (void)
{
  test_caps_names ();
  test_rlimit_names ();
  test_cpu_lists ();
  test_seccomp_names ();
  test_seccomp_check ();
  test_process_state ();
  test_labels ();
  test_connect_listener ();
  if (geteuid () != 0)
    skip ("not root: rl_process_apply needs root to switch users and capabilities");
  else
    {
      test_apply_user_caps ();
      test_apply_inheritable_cve ();
      test_apply_errors ();
      test_apply_sched ();
      test_apply_seccomp ();
      test_apply_seccomp_notify ();
    }
  return tap_done ();
}
