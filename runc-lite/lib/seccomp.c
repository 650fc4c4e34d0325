#include "config.h"
#include "seccomp.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "cleanup.h"
#include "fileutil.h"
#include "json.h"
#include "version.h"

#define LIBSECCOMP_AT_LEAST(maj, min) (SCMP_VER_MAJOR > (maj) || (SCMP_VER_MAJOR == (maj) && SCMP_VER_MINOR >= (min)))

/* ---- names ---- */

struct named
{
  const char *name;
  uint32_t value;
};

static const struct named actions[] = {
  { "SCMP_ACT_KILL", SCMP_ACT_KILL },
  { "SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS },
  { "SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD },
  { "SCMP_ACT_TRAP", SCMP_ACT_TRAP },
  { "SCMP_ACT_ERRNO", SCMP_ACT_ERRNO (0) },
  { "SCMP_ACT_TRACE", SCMP_ACT_TRACE (0) },
  { "SCMP_ACT_ALLOW", SCMP_ACT_ALLOW },
  { "SCMP_ACT_LOG", SCMP_ACT_LOG },
  { "SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY },
};

static const struct named operators[] = {
  { "SCMP_CMP_NE", SCMP_CMP_NE }, { "SCMP_CMP_LT", SCMP_CMP_LT }, { "SCMP_CMP_LE", SCMP_CMP_LE },
  { "SCMP_CMP_EQ", SCMP_CMP_EQ }, { "SCMP_CMP_GE", SCMP_CMP_GE }, { "SCMP_CMP_GT", SCMP_CMP_GT },
  { "SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ },
};

/* Only what this libseccomp defines; the spec's list is longer. */
#define ARCH(a) { #a, a }
static const struct named archs[] = {
  ARCH (SCMP_ARCH_X86),         ARCH (SCMP_ARCH_X86_64),   ARCH (SCMP_ARCH_X32),     ARCH (SCMP_ARCH_ARM),
  ARCH (SCMP_ARCH_AARCH64),     ARCH (SCMP_ARCH_MIPS),     ARCH (SCMP_ARCH_MIPS64),  ARCH (SCMP_ARCH_MIPS64N32),
  ARCH (SCMP_ARCH_MIPSEL),      ARCH (SCMP_ARCH_MIPSEL64), ARCH (SCMP_ARCH_MIPSEL64N32),
  ARCH (SCMP_ARCH_PPC),         ARCH (SCMP_ARCH_PPC64),    ARCH (SCMP_ARCH_PPC64LE), ARCH (SCMP_ARCH_S390),
  ARCH (SCMP_ARCH_S390X),       ARCH (SCMP_ARCH_PARISC),   ARCH (SCMP_ARCH_PARISC64),
#ifdef SCMP_ARCH_RISCV64
  ARCH (SCMP_ARCH_RISCV64),
#endif
#ifdef SCMP_ARCH_LOONGARCH64
  ARCH (SCMP_ARCH_LOONGARCH64),
#endif
#ifdef SCMP_ARCH_M68K
  ARCH (SCMP_ARCH_M68K),
#endif
#ifdef SCMP_ARCH_SH
  ARCH (SCMP_ARCH_SH),
#endif
#ifdef SCMP_ARCH_SHEB
  ARCH (SCMP_ARCH_SHEB),
#endif
};

#define N(a) (sizeof (a) / sizeof (a)[0])

static const char *const *
names_of (const struct named *t, size_t n, const char **store)
{
  if (store[0] == NULL)
    {
      for (size_t i = 0; i < n; i++)
        store[i] = t[i].name;
      store[n] = NULL;
    }
  return store;
}

const char *const *
rl_seccomp_actions (void)
{
  static const char *store[N (actions) + 1];
  return names_of (actions, N (actions), store);
}

const char *const *
rl_seccomp_operators (void)
{
  static const char *store[N (operators) + 1];
  return names_of (operators, N (operators), store);
}

const char *const *
rl_seccomp_archs (void)
{
  static const char *store[N (archs) + 1];
  return names_of (archs, N (archs), store);
}

static const struct
{
  const char *name;
  unsigned long kernel_flag;
} flags[] = {
  { "SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC },
  { "SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG },
  { "SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW },
  { "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 1UL << 5 },
};

const char *const *
rl_seccomp_known_flags (void)
{
  static const char *store[N (flags) + 1];
  if (store[0] == NULL)
    for (size_t i = 0; i < N (flags); i++)
      store[i] = flags[i].name;
  return store;
}

/* The libseccomp attribute for a flag, or -1 when this libseccomp has none. */
static int
flag_attr (const char *name)
{
  if (strcmp (name, "SECCOMP_FILTER_FLAG_TSYNC") == 0)
    return SCMP_FLTATR_CTL_TSYNC;
  if (strcmp (name, "SECCOMP_FILTER_FLAG_LOG") == 0)
    return SCMP_FLTATR_CTL_LOG;
  if (strcmp (name, "SECCOMP_FILTER_FLAG_SPEC_ALLOW") == 0)
    return SCMP_FLTATR_CTL_SSB;
#if LIBSECCOMP_AT_LEAST(2, 6)
  if (strcmp (name, "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") == 0)
    return SCMP_FLTATR_CTL_WAITKILL;
#endif
  return -1;
}

bool
rl_seccomp_flag_supported (const char *name)
{
  for (size_t i = 0; i < N (flags); i++)
    if (strcmp (flags[i].name, name) == 0)
      {
        if (flag_attr (name) < 0)
          return false;
        /* The kernel checks the flags before it reads the (NULL) program:
         * EFAULT (or EACCES without privilege) means the flag is known. */
        if (syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags[i].kernel_flag, NULL) < 0 && errno != EINVAL)
          return true;
        return false;
      }
  return false;
}

static int
lookup (const struct named *t, size_t n, const char *name, uint32_t *out)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp (t[i].name, name) == 0)
      {
        *out = t[i].value;
        return 0;
      }
  return -1;
}

int
rl_seccomp_action_value (const char *name, bool has_ret, uint32_t ret, uint32_t *out)
{
  uint32_t v;
  if (lookup (actions, N (actions), name, &v) < 0)
    return -1;
  if (strcmp (name, "SCMP_ACT_ERRNO") == 0)
    v = SCMP_ACT_ERRNO (has_ret ? ret : EPERM);
  else if (strcmp (name, "SCMP_ACT_TRACE") == 0)
    v = SCMP_ACT_TRACE (has_ret ? ret : EPERM);
  else if (has_ret)
    return -2;
  *out = v;
  return 0;
}

int
rl_seccomp_arch_value (const char *name, uint32_t *out)
{
  return lookup (archs, N (archs), name, out);
}

int
rl_seccomp_op_value (const char *name, int *out)
{
  uint32_t v;
  if (lookup (operators, N (operators), name, &v) < 0)
    return -1;
  *out = (int) v;
  return 0;
}

/* ---- checking ---- */

/* errnoRet is 16 bits wide in the filter's return value. */
#define RET_MAX 0xffffu

static int
check_action (const char *what, const char *name, bool has_ret, uint32_t ret, uint32_t *out, struct oci_error *err)
{
  int r = rl_seccomp_action_value (name, has_ret, ret, out);
  if (r == -1)
    return oci_error_set (err, 0, "seccomp: %s \"%s\" unsupported", what, name);
  if (r == -2)
    return oci_error_set (err, 0, "seccomp: %s \"%s\" does not take an errno return value", what, name);
  if (has_ret && ret > RET_MAX)
    return oci_error_set (err, 0, "seccomp: %s \"%s\": return value %u out of range 0..%u", what, name, ret, RET_MAX);
  return 0;
}

/* Syscalls the runtime makes between loading the filter and handing the
 * notify fd over: notifying on them would wait for a listener that has
 * not got the fd yet. */
static const char *const notify_forbidden[] = { "sendmsg", "sendto", NULL };

int
rl_seccomp_check (const struct oci_linux_seccomp *s, struct oci_error *err)
{
  uint32_t v;
  if (s == NULL)
    return 0;
  if (check_action ("defaultAction", s->default_action, s->has_default_errno_ret, s->default_errno_ret, &v, err) < 0)
    return -1;
  if (strcmp (s->default_action, "SCMP_ACT_NOTIFY") == 0)
    return oci_error_set (err, 0, "seccomp: defaultAction SCMP_ACT_NOTIFY is not supported: the runtime could not "
                                  "hand the notify fd over");
  for (size_t i = 0; i < s->architectures_len; i++)
    if (rl_seccomp_arch_value (s->architectures[i], &v) < 0)
      return oci_error_set (err, 0, "seccomp: architectures[%zu] \"%s\" unsupported", i, s->architectures[i]);
  for (size_t i = 0; i < s->flags_len; i++)
    {
      bool known = false;
      for (size_t k = 0; k < N (flags); k++)
        known = known || strcmp (flags[k].name, s->flags[i]) == 0;
      if (!known || flag_attr (s->flags[i]) < 0)
        return oci_error_set (err, 0, "seccomp: flags[%zu] \"%s\" unsupported", i, s->flags[i]);
    }
  for (size_t i = 0; i < s->syscalls_len; i++)
    {
      const struct oci_linux_syscall *sc = &s->syscalls[i];
      char what[64];
      snprintf (what, sizeof what, "syscalls[%zu].action", i);
      if (check_action (what, sc->action, sc->has_errno_ret, sc->errno_ret, &v, err) < 0)
        return -1;
      if (strcmp (sc->action, "SCMP_ACT_NOTIFY") == 0)
        {
          for (size_t n = 0; n < sc->names_len; n++)
            for (const char *const *f = notify_forbidden; *f; f++)
              if (strcmp (sc->names[n], *f) == 0)
                return oci_error_set (err, 0,
                                      "seccomp: syscalls[%zu]: SCMP_ACT_NOTIFY on \"%s\" is not supported: the "
                                      "runtime needs it to hand the notify fd over",
                                      i, *f);
          if (s->listener_path == NULL || s->listener_path[0] == '\0')
            return oci_error_set (err, 0, "seccomp: syscalls[%zu]: SCMP_ACT_NOTIFY needs linux.seccomp.listenerPath",
                                  i);
        }
      for (size_t a = 0; a < sc->args_len; a++)
        {
          int op;
          if (sc->args[a].index > 5)
            return oci_error_set (err, 0, "seccomp: syscalls[%zu].args[%zu].index %u out of range 0..5", i, a,
                                  sc->args[a].index);
          if (rl_seccomp_op_value (sc->args[a].op, &op) < 0)
            return oci_error_set (err, 0, "seccomp: syscalls[%zu].args[%zu].op \"%s\" unsupported", i, a,
                                  sc->args[a].op);
        }
    }
  return 0;
}

bool
rl_seccomp_uses_notify (const struct oci_linux_seccomp *s)
{
  if (s == NULL)
    return false;
  if (strcmp (s->default_action, "SCMP_ACT_NOTIFY") == 0)
    return true;
  for (size_t i = 0; i < s->syscalls_len; i++)
    if (strcmp (s->syscalls[i].action, "SCMP_ACT_NOTIFY") == 0)
      return true;
  return false;
}

/* ---- the listener ---- */

int
rl_seccomp_connect_listener (const char *path, int *fd, struct oci_error *err)
{
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  cleanup_close int sock = -1;
  cleanup_close int dirfd = -1;
  cleanup_free char *dir = NULL, *base = NULL, *via = NULL;
  const char *target = path;

  /* sun_path is 108 bytes: a longer path is reached through its directory. */
  if (strlen (path) >= sizeof addr.sun_path)
    {
      cleanup_free char *d = strdup (path), *b = strdup (path);
      if (d == NULL || b == NULL)
        return oci_error_set (err, ENOMEM, "seccomp listener %s", path);
      dir = strdup (dirname (d));
      base = strdup (basename (b));
      if (dir == NULL || base == NULL)
        return oci_error_set (err, ENOMEM, "seccomp listener %s", path);
      dirfd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (dirfd < 0)
        return oci_error_set (err, errno, "seccomp listener: open %s", dir);
      if (asprintf (&via, "/proc/self/fd/%d/%s", dirfd, base) < 0)
        return oci_error_set (err, ENOMEM, "seccomp listener %s", path);
      target = via;
      if (strlen (target) >= sizeof addr.sun_path)
        return oci_error_set (err, ENAMETOOLONG, "seccomp listener %s", path);
    }
  memcpy (addr.sun_path, target, strlen (target) + 1);
  sock = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (sock < 0)
    return oci_error_set (err, errno, "seccomp listener: socket");
  if (connect (sock, (struct sockaddr *) &addr, sizeof addr) < 0)
    return oci_error_set (err, errno, "seccomp listener: connect to %s", path);
  *fd = steal_fd (&sock);
  return 0;
}

int
rl_seccomp_process_state (const char *state_json, const char *metadata, char **out, size_t *len,
                          struct oci_error *err)
{
  cleanup_json struct json_value *state = NULL;
  cleanup_json_gen struct json_gen *g = NULL;
  struct json_value *pidv;
  int64_t pid = getpid ();

  if (state_json == NULL)
    return oci_error_set (err, 0, "seccomp: no container state for the listener");
  if (json_parse (state_json, strlen (state_json), &state, err) < 0)
    return oci_error_prefix (err, "seccomp: container state");
  if (state->type != JSON_OBJECT)
    return oci_error_set (err, 0, "seccomp: container state: expected an object");
  /* The pid "as seen by the runtime": the state's, when it has one. */
  pidv = json_object_get (state, "pid");
  if (pidv != NULL && pidv->type == JSON_NUMBER && json_number_to_int64 (pidv->u.number, &pid) < 0)
    pid = getpid ();

  g = json_gen_new (false);
  if (g == NULL)
    return oci_error_set (err, ENOMEM, "seccomp: container process state");
  json_gen_begin_object (g);
  json_gen_key (g, "ociVersion");
  json_gen_string (g, OCI_RUNTIME_SPEC_VERSION);
  json_gen_key (g, "fds");
  json_gen_begin_array (g);
  json_gen_string (g, "seccompFd");
  json_gen_end_array (g);
  json_gen_key (g, "pid");
  json_gen_int64 (g, pid);
  if (metadata != NULL)
    {
      json_gen_key (g, "metadata");
      json_gen_string (g, metadata);
    }
  json_gen_key (g, "state");
  json_gen_value (g, state);
  json_gen_end_object (g);
  return json_gen_finish (g, out, len, err);
}

/* The fd goes with the first bytes; the rest follows as plain data. */
static int
send_state (int sock, int notify_fd, char *payload, size_t len, struct oci_error *err)
{
  union
  {
    char buf[CMSG_SPACE (sizeof (int))];
    struct cmsghdr align;
  } control;
  struct iovec iov = { .iov_base = payload, .iov_len = len };
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control.buf,
                        .msg_controllen = sizeof control.buf };
  struct cmsghdr *cmsg;
  ssize_t n;
  size_t done;

  memset (&control, 0, sizeof control);
  cmsg = CMSG_FIRSTHDR (&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN (sizeof (int));
  memcpy (CMSG_DATA (cmsg), &notify_fd, sizeof (int));
  do
    n = sendmsg (sock, &msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    return oci_error_set (err, errno, "seccomp: send the notify fd to the listener");
  for (done = (size_t) n; done < len; done += (size_t) n)
    {
      do
        n = send (sock, payload + done, len - done, MSG_NOSIGNAL);
      while (n < 0 && errno == EINTR);
      if (n < 0)
        return oci_error_set (err, errno, "seccomp: send the container process state to the listener");
    }
  return 0;
}

/* ---- building and loading ---- */

static void
seccomp_releasep (scmp_filter_ctx *ctx)
{
  if (*ctx != NULL)
    seccomp_release (*ctx);
}

static int
add_rule (scmp_filter_ctx ctx, size_t i, const char *name, uint32_t action, const struct oci_linux_syscall *sc,
          struct oci_error *err)
{
  int nr = seccomp_syscall_resolve_name (name), r;
  bool same_index = false;
  struct scmp_arg_cmp cmp[6];

  /* Unknown to libseccomp (a newer or foreign syscall): skipped, as runc
   * does, so that one profile serves several kernels. */
  if (nr == __NR_SCMP_ERROR)
    return 0;
  if (sc->args_len > 6)
    return oci_error_set (err, 0, "seccomp: syscalls[%zu]: more than 6 args", i);
  for (size_t a = 0; a < sc->args_len; a++)
    {
      int op = 0;
      rl_seccomp_op_value (sc->args[a].op, &op);
      cmp[a] = (struct scmp_arg_cmp){ .arg = sc->args[a].index, .op = (enum scmp_compare) op,
                                      .datum_a = sc->args[a].value, .datum_b = sc->args[a].value_two };
      for (size_t b = 0; b < a; b++)
        same_index = same_index || sc->args[b].index == sc->args[a].index;
    }
  if (!same_index)
    r = seccomp_rule_add_array (ctx, action, nr, (unsigned int) sc->args_len, cmp);
  else
    {
      /* libseccomp cannot AND two conditions on one argument: such a list
       * means any of them (as docker's profiles use it), a rule each. */
      r = 0;
      for (size_t a = 0; a < sc->args_len && r == 0; a++)
        r = seccomp_rule_add_array (ctx, action, nr, 1, &cmp[a]);
    }
  if (r < 0)
    return oci_error_set (err, -r, "seccomp: syscalls[%zu]: add a rule for \"%s\"", i, name);
  return 0;
}

/* ---- the -ENOSYS stub ----
 *
 * A profile is written for the syscalls its author knew; a newer syscall
 * must look absent (ENOSYS), not forbidden (the default errno, usually
 * EPERM), or programs never fall back to the older call (glibc's clone3
 * falls back to clone on ENOSYS only).  As runc does (its patchbpf): when
 * the default action is neither SCMP_ACT_ALLOW nor SCMP_ACT_LOG and the
 * default errno is not ENOSYS already, for each architecture the profile
 * lists, every syscall number above the highest one the profile names for
 * that architecture returns ENOSYS.  This is a BPF stub put before
 * libseccomp's program, so it also covers numbers this libseccomp does not
 * know.  Not covered (runc special-cases them): x32 syscalls (bit 30 on
 * x86_64) go to the filter as they are, and s390's setup(2) multiplexer. */

#define RL_X32_SYSCALL_BIT 0x40000000u

struct enosys_arch
{
  uint32_t audit_arch; /* AUDIT_ARCH_*: the value seccomp_data.arch has */
  uint32_t max_nr;     /* the highest syscall number the profile names */
};

static bool
default_is_permissive (const struct oci_linux_seccomp *s)
{
  return strcmp (s->default_action, "SCMP_ACT_ALLOW") == 0 || strcmp (s->default_action, "SCMP_ACT_LOG") == 0;
}

/* The architectures to stub, with their highest named syscall; n is 0
 * when the profile needs no stub. */
static size_t
enosys_archs (const struct oci_linux_seccomp *s, uint32_t def, struct enosys_arch *out, size_t max)
{
  size_t n = 0;

  if (default_is_permissive (s) || def == SCMP_ACT_ERRNO (ENOSYS))
    return 0;
  for (size_t i = 0; i < s->architectures_len && n < max; i++)
    {
      uint32_t arch = 0;
      int64_t top = -1;
      bool seen = false;

      rl_seccomp_arch_value (s->architectures[i], &arch);
      if (arch == SCMP_ARCH_X32)
        continue; /* x32 shares x86_64's AUDIT_ARCH: see above */
      for (size_t k = 0; k < n; k++)
        seen = seen || out[k].audit_arch == arch;
      if (seen)
        continue;
      for (size_t r = 0; r < s->syscalls_len; r++)
        for (size_t k = 0; k < s->syscalls[r].names_len; k++)
          {
            int nr = seccomp_syscall_resolve_name_arch (arch, s->syscalls[r].names[k]);
            if (nr >= 0 && nr > top)
              top = nr;
          }
      if (top >= 0)
        out[n++] = (struct enosys_arch){ .audit_arch = arch, .max_nr = (uint32_t) top };
    }
  return n;
}

/* libseccomp's program for ctx, as BPF instructions. */
static int
export_bpf (scmp_filter_ctx ctx, struct sock_filter **prog, size_t *len, struct oci_error *err)
{
  cleanup_close int fd = memfd_create ("seccomp-bpf", MFD_CLOEXEC);
  cleanup_free char *data = NULL;
  size_t size = 0;
  int r;

  if (fd < 0)
    return oci_error_set (err, errno, "seccomp: memfd for the filter");
  if ((r = seccomp_export_bpf (ctx, fd)) < 0)
    return oci_error_set (err, -r, "seccomp: export the filter");
  if (lseek (fd, 0, SEEK_SET) < 0 || oci_read_fd (fd, "seccomp filter", 1 << 20, &data, &size, err) < 0)
    return oci_error_prefix (err, "seccomp: read the exported filter");
  if (size == 0 || size % sizeof (struct sock_filter) != 0)
    return oci_error_set (err, 0, "seccomp: the exported filter has %zu bytes", size);
  *prog = (struct sock_filter *) steal_pointer (&data);
  *len = size / sizeof (struct sock_filter);
  return 0;
}

/* Writes the stub for stubs[0..n) into out (NULL: only counts) and
 * returns its length; the filter proper starts right after it. */
static size_t
enosys_stub (const struct enosys_arch *stubs, size_t n, struct sock_filter *out)
{
  size_t len = 1 + n + 1, at; /* ld arch, a jeq per arch, ja filter */
  for (size_t i = 0; i < n; i++)
    len += stubs[i].audit_arch == SCMP_ARCH_X86_64 ? 5 : 4;
  if (out == NULL)
    return len;
  at = 0;
  out[at++] = (struct sock_filter) BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, arch));
  {
    size_t section = 1 + n + 1;
    for (size_t i = 0; i < n; i++)
      {
        out[at] = (struct sock_filter) BPF_JUMP (BPF_JMP | BPF_JEQ | BPF_K, stubs[i].audit_arch,
                                                 (uint8_t) (section - (at + 1)), 0);
        at++;
        section += stubs[i].audit_arch == SCMP_ARCH_X86_64 ? 5 : 4;
      }
  }
  out[at] = (struct sock_filter) BPF_STMT (BPF_JMP | BPF_JA, (uint32_t) (len - (at + 1)));
  at++;
  for (size_t i = 0; i < n; i++)
    {
      out[at++] = (struct sock_filter) BPF_STMT (BPF_LD | BPF_W | BPF_ABS, offsetof (struct seccomp_data, nr));
      if (stubs[i].audit_arch == SCMP_ARCH_X86_64)
        {
          out[at] = (struct sock_filter) BPF_JUMP (BPF_JMP | BPF_JSET | BPF_K, RL_X32_SYSCALL_BIT, 1, 0);
          at++;
        }
      out[at] = (struct sock_filter) BPF_JUMP (BPF_JMP | BPF_JGT | BPF_K, stubs[i].max_nr, 1, 0);
      at++;
      out[at] = (struct sock_filter) BPF_STMT (BPF_JMP | BPF_JA, (uint32_t) (len - (at + 1)));
      at++;
      out[at++] = (struct sock_filter) BPF_STMT (BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS);
    }
  return at;
}

/* Loads the stub followed by ctx's program with seccomp(2), the profile's
 * flags given to the kernel as libseccomp would; with notify, returns the
 * listener fd in *notify_fd. */
static int
load_with_stub (scmp_filter_ctx ctx, const struct oci_linux_seccomp *s, const struct enosys_arch *stubs, size_t n,
                bool notify, int *notify_fd, struct oci_error *err)
{
  cleanup_free struct sock_filter *filter = NULL, *prog = NULL;
  size_t filter_len = 0, stub_len = enosys_stub (stubs, n, NULL);
  unsigned long kflags = notify ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
  struct sock_fprog fprog;
  long r;

  if (export_bpf (ctx, &filter, &filter_len, err) < 0)
    return -1;
  if (stub_len + filter_len > BPF_MAXINSNS)
    return oci_error_set (err, 0, "seccomp: the filter has %zu instructions, more than %d", stub_len + filter_len,
                          BPF_MAXINSNS);
  prog = calloc (stub_len + filter_len, sizeof *prog);
  if (prog == NULL)
    return oci_error_set (err, ENOMEM, "seccomp");
  enosys_stub (stubs, n, prog);
  memcpy (prog + stub_len, filter, filter_len * sizeof *filter);
  for (size_t i = 0; i < s->flags_len; i++)
    for (size_t k = 0; k < N (flags); k++)
      if (strcmp (flags[k].name, s->flags[i]) == 0)
        kflags |= flags[k].kernel_flag;
  /* The kernel takes TSYNC with a listener only with TSYNC_ESRCH, which
   * libseccomp adds too. */
  if (notify && (kflags & SECCOMP_FILTER_FLAG_TSYNC))
    kflags |= 1UL << 4; /* SECCOMP_FILTER_FLAG_TSYNC_ESRCH */
  fprog = (struct sock_fprog){ .len = (unsigned short) (stub_len + filter_len), .filter = prog };
  r = syscall (SYS_seccomp, SECCOMP_SET_MODE_FILTER, kflags, &fprog);
  if (r < 0)
    return oci_error_set (err, errno, "seccomp: load the filter");
  if (notify)
    *notify_fd = (int) r;
  return 0;
}

int
rl_seccomp_apply (const struct oci_linux_seccomp *s, int listener_fd, const char *state_json,
                  struct oci_error *err)
{
  __attribute__ ((cleanup (seccomp_releasep))) scmp_filter_ctx ctx = NULL;
  cleanup_free char *payload = NULL;
  cleanup_close int notify_fd = -1;
  size_t payload_len = 0, n_archs;
  struct enosys_arch stubs[32];
  uint32_t def;
  bool notify;
  int r;

  if (s == NULL)
    return 0;
  if (rl_seccomp_check (s, err) < 0)
    return -1;
  notify = rl_seccomp_uses_notify (s);
  if (notify)
    {
      if (listener_fd < 0)
        return oci_error_set (err, 0, "seccomp: SCMP_ACT_NOTIFY is used but no listener is connected (%s)",
                              s->listener_path);
      /* Built now: after the load, only the hand-over itself may run. */
      if (rl_seccomp_process_state (state_json, s->listener_metadata, &payload, &payload_len, err) < 0)
        return -1;
    }

  rl_seccomp_action_value (s->default_action, s->has_default_errno_ret, s->default_errno_ret, &def);
  ctx = seccomp_init (def);
  if (ctx == NULL)
    return oci_error_set (err, 0, "seccomp: seccomp_init %s failed", s->default_action);
  /* libseccomp sets no_new_privs on load by default; that is
   * process.noNewPrivileges's decision, not ours. */
  if ((r = seccomp_attr_set (ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0)
    return oci_error_set (err, -r, "seccomp: clear the no_new_privs attribute");
  for (size_t i = 0; i < s->architectures_len; i++)
    {
      uint32_t arch = 0;
      rl_seccomp_arch_value (s->architectures[i], &arch);
      r = seccomp_arch_add (ctx, arch);
      if (r < 0 && r != -EEXIST)
        return oci_error_set (err, -r, "seccomp: architectures[%zu] \"%s\"", i, s->architectures[i]);
    }
  for (size_t i = 0; i < s->flags_len; i++)
    if ((r = seccomp_attr_set (ctx, (enum scmp_filter_attr) flag_attr (s->flags[i]), 1)) < 0)
      return oci_error_set (err, -r, "seccomp: flags[%zu] \"%s\"", i, s->flags[i]);

  for (size_t i = 0; i < s->syscalls_len; i++)
    {
      const struct oci_linux_syscall *sc = &s->syscalls[i];
      uint32_t action;
      rl_seccomp_action_value (sc->action, sc->has_errno_ret, sc->errno_ret, &action);
      /* libseccomp refuses a rule that repeats the default action; it
       * would change nothing anyway. */
      if (action == def)
        continue;
      for (size_t n = 0; n < sc->names_len; n++)
        if (add_rule (ctx, i, sc->names[n], action, sc, err) < 0)
          return -1;
    }

  n_archs = enosys_archs (s, def, stubs, sizeof stubs / sizeof stubs[0]);
  if (n_archs > 0)
    {
      if (load_with_stub (ctx, s, stubs, n_archs, notify, &notify_fd, err) < 0)
        return -1;
    }
  else if ((r = seccomp_load (ctx)) < 0)
    return oci_error_set (err, -r, "seccomp: load the filter");
  if (notify)
    {
      if (notify_fd < 0)
        notify_fd = seccomp_notify_fd (ctx);
      if (notify_fd < 0)
        return oci_error_set (err, -notify_fd, "seccomp: get the notify fd");
      if (send_state (listener_fd, notify_fd, payload, payload_len, err) < 0)
        return -1;
    }
  return 0;
}
