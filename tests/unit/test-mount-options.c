/* Mount options split into flags, propagation, recursive attributes and
 * data; sysctl keys checked against the namespaces the container has. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

#include "lib/mount_options.h"
#include "lib/syscalls.h"
#include "lib/sysctl.h"
#include "tap.h"

static struct rl_mount_opts
parse (const char *label, char *const *opts, size_t n)
{
  struct oci_error err = OCI_ERROR_INIT;
  struct rl_mount_opts o;
  int r = rl_mount_opts_parse (opts, n, &o, &err);
  ok (r == 0, "%s: parses%s%s", label, err.msg ? ": " : "", err.msg ? err.msg : "");
  oci_error_clear (&err);
  return o;
}

static void
test_flags (void)
{
  char *o1[] = { "nosuid", "noexec", "nodev", "relatime", "ro" };
  struct rl_mount_opts o = parse ("runc's /sys/fs/cgroup options", o1, 5);
  ok (o.flags == (MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY),
      "flags of nosuid,noexec,nodev,relatime,ro");
  ok (o.data == NULL, "no data");
  ok (o.propagation_len == 0 && o.attr_set == 0 && o.attr_clr == 0, "no propagation, no attributes");
  rl_mount_opts_free (&o);

  char *o2[] = { "ro", "rw", "nosuid", "suid", "exec", "dev", "sync", "async" };
  o = parse ("later options win", o2, 8);
  ok (o.flags == 0, "ro,rw,nosuid,suid... leaves no flag");
  ok ((o.clear & (MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV)) == (MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV),
      "rw, suid, exec, dev are recorded as cleared");
  rl_mount_opts_free (&o);

  char *o3[] = { "dirsync",  "remount",  "mand",   "noatime",     "nodiratime", "strictatime",
                 "lazytime", "iversion", "silent", "nosymfollow", "defaults" };
  o = parse ("the other flag options", o3, 11);
  ok (o.flags
          == (MS_DIRSYNC | MS_REMOUNT | MS_MANDLOCK | MS_NOATIME | MS_NODIRATIME | MS_STRICTATIME | MS_LAZYTIME
              | MS_I_VERSION | MS_SILENT | MS_NOSYMFOLLOW),
      "dirsync,remount,mand,noatime,nodiratime,strictatime,lazytime,iversion,silent,nosymfollow");
  rl_mount_opts_free (&o);

  char *o4[] = { "mand",     "nomand",     "noatime",     "atime",         "nodiratime",  "diratime",
                 "relatime", "norelatime", "strictatime", "nostrictatime", "lazytime",    "nolazytime",
                 "iversion", "noiversion", "silent",      "loud",          "nosymfollow", "symfollow" };
  o = parse ("every negation", o4, 18);
  ok (o.flags == 0, "each no-/negated option undoes its flag");
  rl_mount_opts_free (&o);
}

static void
test_bind_and_propagation (void)
{
  char *o1[] = { "rbind", "ro" };
  struct rl_mount_opts o = parse ("rbind,ro", o1, 2);
  ok (rl_mount_opts_is_bind (&o), "rbind is a bind");
  ok ((o.flags & (MS_BIND | MS_REC | MS_RDONLY)) == (MS_BIND | MS_REC | MS_RDONLY), "rbind,ro flags");
  rl_mount_opts_free (&o);

  char *o2[] = { "bind", "rprivate", "shared", "rslave", "unbindable", "private", "rshared", "slave", "runbindable" };
  o = parse ("propagation in order", o2, 9);
  ok (rl_mount_opts_is_bind (&o) && !(o.flags & MS_REC), "bind is not recursive");
  ok (o.propagation_len == 8, "eight propagation changes");
  ok (o.propagation[0] == (MS_PRIVATE | MS_REC) && o.propagation[1] == MS_SHARED
          && o.propagation[2] == (MS_SLAVE | MS_REC) && o.propagation[3] == MS_UNBINDABLE
          && o.propagation[4] == MS_PRIVATE && o.propagation[5] == (MS_SHARED | MS_REC)
          && o.propagation[6] == MS_SLAVE && o.propagation[7] == (MS_UNBINDABLE | MS_REC),
      "each maps to its MS_ flags, in order");
  ok ((o.flags & (MS_PRIVATE | MS_SHARED | MS_SLAVE | MS_UNBINDABLE)) == 0, "propagation is not a mount flag");
  rl_mount_opts_free (&o);

  ok (rl_mount_propagation_flags ("rslave") == (MS_SLAVE | MS_REC), "rootfsPropagation rslave");
  ok (rl_mount_propagation_flags ("bogus") == 0, "rootfsPropagation bogus is not a mode");
}

static void
test_recursive (void)
{
  char *o1[] = { "rbind", "rro", "rnosuid", "rnodev", "rnoexec", "rnosymfollow", "rnodiratime" };
  struct rl_mount_opts o = parse ("recursive set", o1, 7);
  ok (o.attr_set
          == (RL_MOUNT_ATTR_RDONLY | RL_MOUNT_ATTR_NOSUID | RL_MOUNT_ATTR_NODEV | RL_MOUNT_ATTR_NOEXEC
              | RL_MOUNT_ATTR_NOSYMFOLLOW | RL_MOUNT_ATTR_NODIRATIME),
      "rro,rnosuid,rnodev,rnoexec,rnosymfollow,rnodiratime set attributes");
  ok (o.attr_clr == 0, "nothing cleared");
  ok ((o.flags & MS_RDONLY) == 0, "rro is not the mount(2) ro flag");
  rl_mount_opts_free (&o);

  char *o2[] = { "rro", "rrw", "rsuid", "rdev", "rexec", "rsymfollow", "rdiratime" };
  o = parse ("recursive clear", o2, 7);
  ok (o.attr_set == 0, "rrw after rro: nothing set");
  ok (o.attr_clr
          == (RL_MOUNT_ATTR_RDONLY | RL_MOUNT_ATTR_NOSUID | RL_MOUNT_ATTR_NODEV | RL_MOUNT_ATTR_NOEXEC
              | RL_MOUNT_ATTR_NOSYMFOLLOW | RL_MOUNT_ATTR_NODIRATIME),
      "rrw,rsuid,rdev,rexec,rsymfollow,rdiratime clear attributes");
  rl_mount_opts_free (&o);

  static const struct
  {
    char *opt;
    uint64_t mode;
  } atimes[] = { { "rnoatime", RL_MOUNT_ATTR_NOATIME },        { "rstrictatime", RL_MOUNT_ATTR_STRICTATIME },
                 { "rrelatime", RL_MOUNT_ATTR_RELATIME },      { "ratime", RL_MOUNT_ATTR_RELATIME },
                 { "rnorelatime", RL_MOUNT_ATTR_STRICTATIME }, { "rnostrictatime", RL_MOUNT_ATTR_RELATIME } };
  for (size_t i = 0; i < sizeof atimes / sizeof atimes[0]; i++)
    {
      char *oa[] = { "rnoatime", atimes[i].opt };
      o = parse (atimes[i].opt, oa, 2);
      ok (o.attr_clr == RL_MOUNT_ATTR__ATIME && (o.attr_set & RL_MOUNT_ATTR__ATIME) == atimes[i].mode,
          "%s: clears the whole atime field and sets one mode (the kernel's rule)", atimes[i].opt);
      rl_mount_opts_free (&o);
    }
}

static void
test_data (void)
{
  char *o1[] = { "nosuid", "mode=755", "size=65536k", "strictatime" };
  struct rl_mount_opts o = parse ("tmpfs options", o1, 4);
  is_str (o.data, "mode=755,size=65536k", "unknown options go to data, in order");
  ok (o.flags == (MS_NOSUID | MS_STRICTATIME), "flags beside the data");
  rl_mount_opts_free (&o);

  char *o2[] = { "lowerdir=/a:/b", "upperdir=/u", "workdir=/w", "" };
  o = parse ("overlay options", o2, 4);
  is_str (o.data, "lowerdir=/a:/b,upperdir=/u,workdir=/w", "overlay data, empty option skipped");
  rl_mount_opts_free (&o);

  char *o3[] = { "newinstance", "ptmxmode=0666", "mode=0620", "gid=5" };
  o = parse ("devpts options", o3, 4);
  char *d = o.data;
  ok (rl_mount_data_append (&d, "context=\"x\"") == 0, "append a label");
  o.data = d;
  is_str (o.data, "newinstance,ptmxmode=0666,mode=0620,gid=5,context=\"x\"", "label appended to data");
  rl_mount_opts_free (&o);

  {
    struct oci_error err = OCI_ERROR_INIT;
    char *ot[] = { "nosuid", "tmpcopyup", "mode=755" };
    int r = rl_mount_opts_parse (ot, 3, &o, &err);
    ok (r == 0 && o.tmpcopyup, "tmpcopyup is taken (crun's extension): %s", err.msg ? err.msg : "ok");
    ok (r == 0 && o.data && strstr (o.data, "tmpcopyup") == NULL, "tmpcopyup never reaches mount(2)'s data: %s",
        o.data ? o.data : "(none)");
    oci_error_clear (&err);
    rl_mount_opts_free (&o);
  }
}

/* idmap_case: runs rl_mount_idmap_check on a mount with opts; want is
 * its return value, want_msg a part of the error when it fails. */
static void
idmap_case (const char *label, char *const *opts, size_t n, bool uids, bool gids, bool empty, bool userns, int want,
            const char *want_msg)
{
  struct oci_error err = OCI_ERROR_INIT;
  struct oci_id_mapping map = { .container_id = 0, .host_id = 1000, .size = 1 };
  struct oci_mount m = { .destination = "/data", .type = "bind", .source = "/src" };
  struct rl_mount_opts o;
  int r;

  if (uids)
    {
      m.uid_mappings = &map;
      m.uid_mappings_len = empty ? 0 : 1;
    }
  if (gids)
    {
      m.gid_mappings = &map;
      m.gid_mappings_len = 1;
    }
  if (rl_mount_opts_parse (opts, n, &o, &err) < 0)
    {
      ok (false, "%s: options parse: %s", label, err.msg);
      oci_error_clear (&err);
      return;
    }
  r = rl_mount_idmap_check (&m, 3, &o, userns, &err);
  if (want >= 0)
    ok (r == want, "%s: %s%s%s", label, want ? "id-mapped" : "not id-mapped", err.msg ? ": " : "",
        err.msg ? err.msg : "");
  else
    ok (r < 0 && err.msg && strstr (err.msg, "mounts[3] (/data)") && strstr (err.msg, want_msg), "%s: refused: %s",
        label, err.msg ? err.msg : "(no message)");
  oci_error_clear (&err);
  rl_mount_opts_free (&o);
}

static void
test_idmap (void)
{
  char *o1[] = { "bind", "idmap" };
  struct rl_mount_opts o = parse ("bind,idmap", o1, 2);
  ok (o.idmap && !o.idmap_recursive, "idmap: id-mapped, not recursive");
  ok (o.data == NULL && o.flags == MS_BIND, "idmap reaches neither mount(2)'s data nor its flags");
  rl_mount_opts_free (&o);

  char *o2[] = { "rbind", "ridmap", "ro" };
  o = parse ("rbind,ridmap,ro", o2, 3);
  ok (o.idmap && o.idmap_recursive, "ridmap: id-mapped, recursive");
  ok (o.data == NULL && o.flags == (MS_BIND | MS_REC | MS_RDONLY), "ridmap is not data nor a flag");
  rl_mount_opts_free (&o);

  char *o3[] = { "rbind", "ridmap", "idmap" };
  o = parse ("ridmap then idmap", o3, 3);
  ok (o.idmap && !o.idmap_recursive, "the later of ridmap and idmap wins");
  rl_mount_opts_free (&o);

  char *o4[] = { "rbind" };
  o = parse ("rbind alone", o4, 1);
  ok (!o.idmap, "no idmap unless asked for");
  rl_mount_opts_free (&o);

  const char *names[128];
  size_t n = rl_mount_option_names (names, 128);
  bool has_idmap = false, has_ridmap = false, has_tmpcopyup = false;
  for (size_t i = 0; i < n; i++)
    {
      has_idmap |= strcmp (names[i], "idmap") == 0;
      has_ridmap |= strcmp (names[i], "ridmap") == 0;
      has_tmpcopyup |= strcmp (names[i], "tmpcopyup") == 0;
    }
  ok (has_idmap && has_ridmap && has_tmpcopyup, "features lists idmap, ridmap and tmpcopyup");

  char *bind_idmap[] = { "bind", "idmap" };
  char *rbind_ridmap[] = { "rbind", "ridmap" };
  char *bind_only[] = { "bind" };
  char *tmpfs_idmap[] = { "nosuid", "idmap" };
  idmap_case ("plain bind", bind_only, 1, false, false, false, false, 0, NULL);
  idmap_case ("idmap with its own mappings", bind_idmap, 2, true, true, false, false, 1, NULL);
  idmap_case ("ridmap with the container's user namespace", rbind_ridmap, 2, false, false, false, true, 1, NULL);
  idmap_case ("mappings without the option imply idmap", bind_only, 1, true, true, false, false, 1, NULL);
  idmap_case ("idmap on a mount that is not a bind", tmpfs_idmap, 2, true, true, false, true, -1,
              "only bind mounts can be id-mapped");
  idmap_case ("uidMappings alone on a tmpfs", tmpfs_idmap + 0, 1, true, false, false, true, -1,
              "uidMappings: only bind mounts");
  idmap_case ("uidMappings without gidMappings", bind_idmap, 2, true, false, false, true, -1,
              "uidMappings given without gidMappings");
  idmap_case ("gidMappings without uidMappings", bind_idmap, 2, false, true, false, true, -1,
              "gidMappings given without uidMappings");
  idmap_case ("empty uidMappings", bind_idmap, 2, true, true, true, true, -1, "uidMappings must not be empty");
  idmap_case ("idmap, no mappings, no user namespace", bind_idmap, 2, false, false, false, false, -1,
              "needs a user namespace");
}

static void
sysctl_case (const char *key, bool ipc, bool net, bool uts, bool want_ok, const char *want_msg)
{
  struct oci_error err = OCI_ERROR_INIT;
  struct rl_sysctl_ns ns = { .ipc = ipc, .net = net, .uts = uts };
  int r = rl_sysctl_check (key, &ns, &err);
  if (want_ok)
    ok (r == 0, "sysctl %s (ipc=%d net=%d uts=%d) allowed%s%s", key, ipc, net, uts, err.msg ? ": " : "",
        err.msg ? err.msg : "");
  else
    ok (r < 0 && err.msg && strstr (err.msg, key) && strstr (err.msg, want_msg),
        "sysctl %s (ipc=%d net=%d uts=%d) refused: %s", key, ipc, net, uts, err.msg ? err.msg : "(no message)");
  oci_error_clear (&err);
}

static void
test_sysctl (void)
{
  sysctl_case ("kernel.shmmax", true, false, false, true, NULL);
  sysctl_case ("kernel.shmmax", false, true, true, false, "ipc namespace");
  sysctl_case ("kernel.msgmnb", true, false, false, true, NULL);
  sysctl_case ("kernel.sem", true, false, false, true, NULL);
  sysctl_case ("kernel.shm_rmid_forced", true, false, false, true, NULL);
  sysctl_case ("fs.mqueue.queues_max", true, false, false, true, NULL);
  sysctl_case ("fs.mqueue.queues_max", false, false, false, false, "ipc namespace");
  sysctl_case ("net.ipv4.ip_forward", false, true, false, true, NULL);
  sysctl_case ("net.ipv4.ip_forward", true, false, true, false, "network namespace");
  sysctl_case ("kernel.hostname", false, false, true, true, NULL);
  sysctl_case ("kernel.domainname", true, true, false, false, "uts namespace");
  sysctl_case ("kernel.pid_max", true, true, true, false, "not in a separate kernel namespace");
  sysctl_case ("vm.swappiness", true, true, true, false, "not in a separate kernel namespace");
  sysctl_case ("kernel.shmmaxx", true, true, true, false, "not in a separate kernel namespace");
  sysctl_case ("net..ipv4", true, true, true, false, "not a valid key");
  sysctl_case ("net.ipv4/../../kernel/core_pattern", true, true, true, false, "not a valid key");
  sysctl_case (".net.x", true, true, true, false, "not a valid key");
  sysctl_case ("net.x.", true, true, true, false, "not a valid key");
  sysctl_case ("", true, true, true, false, "not a valid key");

  char *p = rl_sysctl_relpath ("net.ipv4.ip_forward");
  is_str (p, "net/ipv4/ip_forward", "key to /proc/sys path");
  free (p);
}

int
main (void)
{
  test_flags ();
  test_bind_and_propagation ();
  test_recursive ();
  test_data ();
  test_idmap ();
  test_sysctl ();
  return tap_done ();
}
