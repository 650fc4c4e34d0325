#include "config.h"
#include "process.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "caps.h"
#include "cleanup.h"
#include "common/fs.h"
#include "fileutil.h"
#include "labels.h"
#include "seccomp.h"

/* ---- rlimits ---- */

#define RLIM(r) { #r, r }
static const struct
{
  const char *name;
  int resource;
} rlimits[] = {
  RLIM (RLIMIT_AS),     RLIM (RLIMIT_CORE),   RLIM (RLIMIT_CPU),    RLIM (RLIMIT_DATA),
  RLIM (RLIMIT_FSIZE),  RLIM (RLIMIT_LOCKS),  RLIM (RLIMIT_MEMLOCK), RLIM (RLIMIT_MSGQUEUE),
  RLIM (RLIMIT_NICE),   RLIM (RLIMIT_NOFILE), RLIM (RLIMIT_NPROC),  RLIM (RLIMIT_RSS),
  RLIM (RLIMIT_RTPRIO), RLIM (RLIMIT_RTTIME), RLIM (RLIMIT_SIGPENDING), RLIM (RLIMIT_STACK),
};
#define N_RLIMITS (sizeof rlimits / sizeof rlimits[0])

int
rl_rlimit_from_name (const char *name)
{
  for (size_t i = 0; i < N_RLIMITS; i++)
    if (strcmp (rlimits[i].name, name) == 0)
      return rlimits[i].resource;
  return -1;
}

const char *const *
rl_rlimit_names (void)
{
  static const char *names[N_RLIMITS + 1];
  if (names[0] == NULL)
    for (size_t i = 0; i < N_RLIMITS; i++)
      names[i] = rlimits[i].name;
  return names;
}

static int
apply_rlimits (const struct oci_process *p, struct oci_error *err)
{
  for (size_t i = 0; i < p->rlimits_len; i++)
    {
      const struct oci_rlimit *r = &p->rlimits[i];
      int res = rl_rlimit_from_name (r->type);
      struct rlimit lim = { .rlim_cur = r->soft, .rlim_max = r->hard };
      if (res < 0)
        return oci_error_set (err, 0, "rlimits[%zu]: unknown type \"%s\"", i, r->type);
      if (setrlimit ((__rlimit_resource_t) res, &lim) < 0)
        return oci_error_set (err, errno, "setrlimit %s %" PRIu64 "/%" PRIu64, r->type, r->soft, r->hard);
    }
  return 0;
}

/* ---- CPU lists ---- */

/* Far above any machine, low enough that a typo cannot allocate much. */
#define CPU_LIST_MAX 65535

static int
parse_cpu (const char **s, const char *list, const char *what, unsigned long *out, struct oci_error *err)
{
  const char *p = *s;
  unsigned long v = 0;
  if (*p < '0' || *p > '9')
    return oci_error_set (err, 0, "%s: invalid CPU list \"%s\": expected a CPU number at offset %zu", what, list,
                          (size_t) (p - list));
  for (; *p >= '0' && *p <= '9'; p++)
    {
      v = v * 10 + (unsigned long) (*p - '0');
      if (v > CPU_LIST_MAX)
        return oci_error_set (err, 0, "%s: invalid CPU list \"%s\": CPU number above %d", what, list, CPU_LIST_MAX);
    }
  *out = v;
  *s = p;
  return 0;
}

int
rl_cpu_list_parse (const char *list, const char *what, cpu_set_t **set, size_t *setsize, struct oci_error *err)
{
  unsigned long max = 0;
  cpu_set_t *cpus;
  size_t size;

  /* First pass: syntax and the highest CPU, to size the set. */
  for (int pass = 0; pass < 2; pass++)
    {
      const char *p = list;
      if (*p == '\0')
        return oci_error_set (err, 0, "%s: empty CPU list", what);
      for (;;)
        {
          unsigned long lo, hi;
          if (parse_cpu (&p, list, what, &lo, err) < 0)
            return -1;
          hi = lo;
          if (*p == '-')
            {
              p++;
              if (parse_cpu (&p, list, what, &hi, err) < 0)
                return -1;
              if (hi < lo)
                return oci_error_set (err, 0, "%s: invalid CPU list \"%s\": range %lu-%lu goes backwards", what,
                                      list, lo, hi);
            }
          if (pass == 0)
            max = hi > max ? hi : max;
          else
            for (unsigned long c = lo; c <= hi; c++)
              CPU_SET_S (c, *setsize, *set);
          if (*p == '\0')
            break;
          if (*p != ',')
            return oci_error_set (err, 0, "%s: invalid CPU list \"%s\": unexpected '%c' at offset %zu", what, list,
                                  *p, (size_t) (p - list));
          p++;
        }
      if (pass == 0)
        {
          cpus = CPU_ALLOC (max + 1);
          if (cpus == NULL)
            return oci_error_set (err, ENOMEM, "%s", what);
          size = CPU_ALLOC_SIZE (max + 1);
          CPU_ZERO_S (size, cpus);
          *set = cpus;
          *setsize = size;
        }
    }
  return 0;
}

int
rl_cpu_affinity_apply (const char *list, const char *what, struct oci_error *err)
{
  cpu_set_t *set = NULL;
  size_t size = 0;
  int r = 0;

  if (list == NULL || list[0] == '\0')
    return 0;
  if (rl_cpu_list_parse (list, what, &set, &size, err) < 0)
    return -1;
  if (sched_setaffinity (0, size, set) < 0)
    r = oci_error_set (err, errno, "%s: sched_setaffinity \"%s\"", what, list);
  CPU_FREE (set);
  return r;
}

/* ---- scheduler, I/O priority, personality ---- */

static const struct
{
  const char *name;
  int value; /* -1: not in mainline Linux */
} sched_policies[] = {
  { "SCHED_OTHER", SCHED_OTHER }, { "SCHED_FIFO", SCHED_FIFO }, { "SCHED_RR", SCHED_RR },
  { "SCHED_BATCH", SCHED_BATCH }, { "SCHED_ISO", -1 },          { "SCHED_IDLE", SCHED_IDLE },
  { "SCHED_DEADLINE", 6 },
};

static const struct
{
  const char *name;
  uint64_t value;
} sched_flags[] = {
  { "SCHED_FLAG_RESET_ON_FORK", 0x01 }, { "SCHED_FLAG_RECLAIM", 0x02 },        { "SCHED_FLAG_DL_OVERRUN", 0x04 },
  { "SCHED_FLAG_KEEP_POLICY", 0x08 },   { "SCHED_FLAG_KEEP_PARAMS", 0x10 },    { "SCHED_FLAG_UTIL_CLAMP_MIN", 0x20 },
  { "SCHED_FLAG_UTIL_CLAMP_MAX", 0x40 },
};

/* sched_setattr(2)'s argument, first version (glibc has no wrapper). */
struct rl_sched_attr
{
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

static int
sched_values (const struct oci_scheduler *s, struct rl_sched_attr *attr, struct oci_error *err)
{
  int policy = -2;
  memset (attr, 0, sizeof *attr);
  for (size_t i = 0; i < sizeof sched_policies / sizeof sched_policies[0]; i++)
    if (strcmp (sched_policies[i].name, s->policy) == 0)
      policy = sched_policies[i].value;
  if (policy < 0)
    return oci_error_set (err, 0, "scheduler.policy \"%s\" unsupported", s->policy);
  attr->size = sizeof *attr;
  attr->sched_policy = (uint32_t) policy;
  attr->sched_nice = s->has_nice ? s->nice : 0;
  if (s->has_priority && s->priority < 0)
    return oci_error_set (err, 0, "scheduler.priority %" PRId32 " is negative", s->priority);
  attr->sched_priority = s->has_priority ? (uint32_t) s->priority : 0;
  attr->sched_runtime = s->has_runtime ? s->runtime : 0;
  attr->sched_deadline = s->has_deadline ? s->deadline : 0;
  attr->sched_period = s->has_period ? s->period : 0;
  for (size_t i = 0; i < s->flags_len; i++)
    {
      bool found = false;
      for (size_t k = 0; k < sizeof sched_flags / sizeof sched_flags[0]; k++)
        if (strcmp (sched_flags[k].name, s->flags[i]) == 0)
          {
            attr->sched_flags |= sched_flags[k].value;
            found = true;
          }
      if (!found)
        return oci_error_set (err, 0, "scheduler.flags[%zu] \"%s\" unsupported", i, s->flags[i]);
    }
  return 0;
}

static int
apply_scheduler (const struct oci_scheduler *s, struct oci_error *err)
{
  struct rl_sched_attr attr;
  if (s == NULL)
    return 0;
  if (sched_values (s, &attr, err) < 0)
    return -1;
  if (syscall (SYS_sched_setattr, 0, &attr, 0) < 0)
    return oci_error_set (err, errno, "scheduler: sched_setattr %s nice %" PRId32 " priority %" PRIu32, s->policy,
                          attr.sched_nice, attr.sched_priority);
  return 0;
}

#define RL_IOPRIO_WHO_PROCESS 1
#define RL_IOPRIO_CLASS_SHIFT 13

static int
ioprio_value (const struct oci_io_priority *io, int *out, struct oci_error *err)
{
  int cls;
  int32_t prio = io->has_priority ? io->priority : 0;
  if (strcmp (io->class, "IOPRIO_CLASS_RT") == 0)
    cls = 1;
  else if (strcmp (io->class, "IOPRIO_CLASS_BE") == 0)
    cls = 2;
  else if (strcmp (io->class, "IOPRIO_CLASS_IDLE") == 0)
    cls = 3;
  else
    return oci_error_set (err, 0, "ioPriority.class \"%s\" unsupported", io->class);
  if (prio < 0 || prio > 7)
    return oci_error_set (err, 0, "ioPriority.priority %" PRId32 " out of range 0..7", prio);
  *out = (cls << RL_IOPRIO_CLASS_SHIFT) | prio;
  return 0;
}

static int
apply_io_priority (const struct oci_io_priority *io, struct oci_error *err)
{
  int v;
  if (io == NULL)
    return 0;
  if (ioprio_value (io, &v, err) < 0)
    return -1;
  if (syscall (SYS_ioprio_set, RL_IOPRIO_WHO_PROCESS, 0, v) < 0)
    return oci_error_set (err, errno, "ioPriority: ioprio_set %s %d", io->class, v & 7);
  return 0;
}

static int
personality_value (const struct oci_linux_personality *p, unsigned long *out, struct oci_error *err)
{
  if (strcmp (p->domain, "LINUX") == 0)
    *out = PER_LINUX;
  else if (strcmp (p->domain, "LINUX32") == 0)
    *out = PER_LINUX32;
  else
    return oci_error_set (err, 0, "personality.domain \"%s\" unsupported", p->domain);
  /* config-linux.md: "Currently no flag values are supported." */
  if (p->flags_len > 0)
    return oci_error_set (err, 0, "personality.flags[0] \"%s\" unsupported", p->flags[0]);
  return 0;
}

static int
apply_personality (const struct oci_linux_personality *p, struct oci_error *err)
{
  unsigned long v;
  if (p == NULL)
    return 0;
  if (personality_value (p, &v, err) < 0)
    return -1;
  if (personality (v) < 0)
    return oci_error_set (err, errno, "personality %s", p->domain);
  return 0;
}

/* ---- user ---- */

/* "deny" in /proc/self/setgroups: a user namespace whose gid map was
 * written without setgroups permission. */
static bool
setgroups_denied (void)
{
  return cmn_file_starts_with ("/proc/self/setgroups", "deny");
}

static int
apply_user (const struct oci_user *u, struct oci_error *err)
{
  uid_t uid = u && u->has_uid ? u->uid : 0;
  gid_t gid = u && u->has_gid ? u->gid : 0;
  size_t ngroups = u ? u->additional_gids_len : 0;

  if (setgroups_denied ())
    {
      if (ngroups > 0)
        return oci_error_set (err, 0, "user.additionalGids: setgroups is denied in this user namespace");
    }
  else if (setgroups (ngroups, ngroups ? (const gid_t *) u->additional_gids : NULL) < 0)
    return oci_error_set (err, errno, "setgroups (%zu additionalGids)", ngroups);
  if (setresgid (gid, gid, gid) < 0)
    return oci_error_set (err, errno, "setresgid %u", (unsigned) gid);
  /* Keep the permitted set across the switch; the capabilities step sets
   * the final sets. */
  if (prctl (PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
    return oci_error_set (err, errno, "prctl PR_SET_KEEPCAPS");
  if (setresuid (uid, uid, uid) < 0)
    return oci_error_set (err, errno, "setresuid %u", (unsigned) uid);
  if (prctl (PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
    return oci_error_set (err, errno, "prctl PR_SET_KEEPCAPS");
  return 0;
}

/* The process's stdio (its pty above all) belongs to its uid, as in runc,
 * so that a non-root user can use its terminal; the group (devpts's tty
 * group) stays.  /dev/null and what is already the uid's are left alone,
 * and so is what cannot be changed from here (EINVAL: the group is not
 * mapped in our user namespace, EPERM: the owner is not, EROFS). */
static int
chown_stdio (const struct oci_user *u, struct oci_error *err)
{
  uid_t uid = u && u->has_uid ? u->uid : 0;
  struct stat null_st;

  if (stat ("/dev/null", &null_st) < 0)
    null_st.st_rdev = 0;
  for (int fd = 0; fd < 3; fd++)
    {
      struct stat st;
      if (fstat (fd, &st) < 0)
        {
          if (errno == EBADF)
            continue;
          return oci_error_set (err, errno, "stat stdio fd %d", fd);
        }
      if (st.st_uid == uid || (S_ISCHR (st.st_mode) && st.st_rdev == null_st.st_rdev))
        continue;
      if (fchown (fd, uid, st.st_gid) < 0 && errno != EINVAL && errno != EPERM && errno != EROFS)
        return oci_error_set (err, errno, "chown stdio fd %d to uid %u", fd, (unsigned) uid);
    }
  return 0;
}

/* ---- the whole ---- */

static int
apply_oom_score_adj (const struct oci_process *p, struct oci_error *err)
{
  char buf[32];
  cleanup_close int fd = -1;
  int n;
  if (!p->has_oom_score_adj)
    return 0;
  n = snprintf (buf, sizeof buf, "%" PRId64, p->oom_score_adj);
  fd = open ("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return oci_error_set (err, errno, "oomScoreAdj: open /proc/self/oom_score_adj");
  if (oci_write_all (fd, buf, (size_t) n) < 0)
    return oci_error_set (err, errno, "oomScoreAdj: write %s to /proc/self/oom_score_adj", buf);
  return 0;
}

int
rl_process_check (const struct oci_process *p, const struct oci_linux *linux_, struct oci_error *err)
{
  if (p != NULL)
    {
      for (size_t i = 0; i < p->rlimits_len; i++)
        if (rl_rlimit_from_name (p->rlimits[i].type) < 0)
          return oci_error_set (err, 0, "rlimits[%zu]: unknown type \"%s\"", i, p->rlimits[i].type);
      if (p->has_oom_score_adj && (p->oom_score_adj < -1000 || p->oom_score_adj > 1000))
        return oci_error_set (err, 0, "oomScoreAdj %" PRId64 " out of range -1000..1000", p->oom_score_adj);
      if (rl_caps_check (p->capabilities, err) < 0)
        return -1;
      if (p->scheduler != NULL)
        {
          struct rl_sched_attr attr;
          if (sched_values (p->scheduler, &attr, err) < 0)
            return -1;
        }
      if (p->io_priority != NULL)
        {
          int v;
          if (ioprio_value (p->io_priority, &v, err) < 0)
            return -1;
        }
      if (p->exec_cpu_affinity != NULL)
        {
          const char *lists[2] = { p->exec_cpu_affinity->initial, p->exec_cpu_affinity->final };
          const char *whats[2] = { "execCPUAffinity.initial", "execCPUAffinity.final" };
          for (int i = 0; i < 2; i++)
            if (lists[i] != NULL && lists[i][0] != '\0')
              {
                cpu_set_t *set = NULL;
                size_t size;
                if (rl_cpu_list_parse (lists[i], whats[i], &set, &size, err) < 0)
                  return -1;
                CPU_FREE (set);
              }
        }
    }
  if (linux_ != NULL)
    {
      if (linux_->personality != NULL)
        {
          unsigned long v;
          if (personality_value (linux_->personality, &v, err) < 0)
            return -1;
        }
      if (rl_seccomp_check (linux_->seccomp, err) < 0)
        return -1;
    }
  return 0;
}

/* Whether the filter can be loaded last: it needs no_new_privs or
 * CAP_SYS_ADMIN in the final effective set. */
static bool
seccomp_can_load_last (const struct oci_process *p)
{
  if (p->has_no_new_privileges && p->no_new_privileges)
    return true;
  if (p->capabilities != NULL)
    for (size_t i = 0; i < p->capabilities->effective_len; i++)
      if (strcmp (p->capabilities->effective[i], "CAP_SYS_ADMIN") == 0)
        return true;
  return false;
}

static int
process_apply (const struct oci_process *p, const struct oci_linux *linux_, const char *state_json, int listener_fd,
               struct oci_error *err)
{
  const struct oci_linux_seccomp *seccomp = linux_ ? linux_->seccomp : NULL;
  bool seccomp_last = seccomp_can_load_last (p);

  if (rl_process_check (p, linux_, err) < 0)
    return -1;
  if (apply_oom_score_adj (p, err) < 0 || apply_rlimits (p, err) < 0 || apply_scheduler (p->scheduler, err) < 0
      || apply_io_priority (p->io_priority, err) < 0)
    return -1;
  /* execCPUAffinity.initial is meant for the runtime's process before it
   * joins the cgroup (`exec` applies it itself with rl_cpu_affinity_apply);
   * here it is applied too, and .final replaces it just before the filter:
   * runc's parent sets .final after the exec, which needs a pid it does
   * not have yet. */
  if (p->exec_cpu_affinity != NULL
      && rl_cpu_affinity_apply (p->exec_cpu_affinity->initial, "execCPUAffinity.initial", err) < 0)
    return -1;
  if (linux_ != NULL && apply_personality (linux_->personality, err) < 0)
    return -1;
  if (p->apparmor_profile != NULL && p->apparmor_profile[0] != '\0'
      && rl_apparmor_exec_profile (p->apparmor_profile, err) < 0)
    return -1;
  if (p->selinux_label != NULL && p->selinux_label[0] != '\0' && rl_selinux_exec_label (p->selinux_label, err) < 0)
    return -1;

  if (seccomp != NULL && !seccomp_last && rl_seccomp_apply (seccomp, listener_fd, state_json, err) < 0)
    return -1;
  if (chown_stdio (p->user, err) < 0 || apply_user (p->user, err) < 0)
    return -1;
  if (rl_caps_apply (p->capabilities, err) < 0)
    return -1;
  if (p->has_no_new_privileges && p->no_new_privileges && prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    return oci_error_set (err, errno, "noNewPrivileges: prctl PR_SET_NO_NEW_PRIVS");
  /* runc's default when the config has none; the spec would leave it. */
  umask (p->user && p->user->has_umask ? (mode_t) p->user->umask : 022);
  if (p->exec_cpu_affinity != NULL
      && rl_cpu_affinity_apply (p->exec_cpu_affinity->final, "execCPUAffinity.final", err) < 0)
    return -1;
  if (seccomp != NULL && seccomp_last && rl_seccomp_apply (seccomp, listener_fd, state_json, err) < 0)
    return -1;
  return 0;
}

int
rl_process_apply (const struct oci_process *p, const struct oci_linux *linux_, const char *state_json,
                  int listener_fd, struct oci_error *err)
{
  cleanup_close int lfd = listener_fd;
  if (p == NULL)
    return oci_error_set (err, 0, "config has no process");
  return process_apply (p, linux_, state_json, lfd, err);
}
