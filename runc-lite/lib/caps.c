#include "config.h"
#include "caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "cleanup.h"

#define CAP_ENTRY(c) [c] = #c

static const char *const cap_names[] = {
  CAP_ENTRY (CAP_CHOWN),
  CAP_ENTRY (CAP_DAC_OVERRIDE),
  CAP_ENTRY (CAP_DAC_READ_SEARCH),
  CAP_ENTRY (CAP_FOWNER),
  CAP_ENTRY (CAP_FSETID),
  CAP_ENTRY (CAP_KILL),
  CAP_ENTRY (CAP_SETGID),
  CAP_ENTRY (CAP_SETUID),
  CAP_ENTRY (CAP_SETPCAP),
  CAP_ENTRY (CAP_LINUX_IMMUTABLE),
  CAP_ENTRY (CAP_NET_BIND_SERVICE),
  CAP_ENTRY (CAP_NET_BROADCAST),
  CAP_ENTRY (CAP_NET_ADMIN),
  CAP_ENTRY (CAP_NET_RAW),
  CAP_ENTRY (CAP_IPC_LOCK),
  CAP_ENTRY (CAP_IPC_OWNER),
  CAP_ENTRY (CAP_SYS_MODULE),
  CAP_ENTRY (CAP_SYS_RAWIO),
  CAP_ENTRY (CAP_SYS_CHROOT),
  CAP_ENTRY (CAP_SYS_PTRACE),
  CAP_ENTRY (CAP_SYS_PACCT),
  CAP_ENTRY (CAP_SYS_ADMIN),
  CAP_ENTRY (CAP_SYS_BOOT),
  CAP_ENTRY (CAP_SYS_NICE),
  CAP_ENTRY (CAP_SYS_RESOURCE),
  CAP_ENTRY (CAP_SYS_TIME),
  CAP_ENTRY (CAP_SYS_TTY_CONFIG),
  CAP_ENTRY (CAP_MKNOD),
  CAP_ENTRY (CAP_LEASE),
  CAP_ENTRY (CAP_AUDIT_WRITE),
  CAP_ENTRY (CAP_AUDIT_CONTROL),
  CAP_ENTRY (CAP_SETFCAP),
  CAP_ENTRY (CAP_MAC_OVERRIDE),
  CAP_ENTRY (CAP_MAC_ADMIN),
  CAP_ENTRY (CAP_SYSLOG),
  CAP_ENTRY (CAP_WAKE_ALARM),
  CAP_ENTRY (CAP_BLOCK_SUSPEND),
  CAP_ENTRY (CAP_AUDIT_READ),
#ifdef CAP_PERFMON
  CAP_ENTRY (CAP_PERFMON),
#endif
#ifdef CAP_BPF
  CAP_ENTRY (CAP_BPF),
#endif
#ifdef CAP_CHECKPOINT_RESTORE
  CAP_ENTRY (CAP_CHECKPOINT_RESTORE),
#endif
};

#define N_CAPS (sizeof cap_names / sizeof cap_names[0])

const char *const *
rl_cap_names (void)
{
  return cap_names;
}

size_t
rl_cap_names_len (void)
{
  return N_CAPS;
}

int
rl_cap_from_name (const char *name)
{
  for (size_t i = 0; i < N_CAPS; i++)
    if (cap_names[i] != NULL && strcmp (cap_names[i], name) == 0)
      return (int) i;
  return -1;
}

const char *
rl_cap_to_name (int cap)
{
  if (cap < 0 || (size_t) cap >= N_CAPS)
    return NULL;
  return cap_names[cap];
}

int
rl_cap_kernel_last (void)
{
  return (int) cap_max_bits () - 1;
}

/* One set of the config: its JSON name and its list. */
struct cap_list
{
  const char *what;
  char *const *names;
  size_t len;
};

static void
cap_lists (const struct oci_capabilities *caps, struct cap_list out[5])
{
  static const struct oci_capabilities none;
  if (caps == NULL)
    caps = &none;
  out[0] = (struct cap_list) { "bounding", caps->bounding, caps->bounding_len };
  out[1] = (struct cap_list) { "effective", caps->effective, caps->effective_len };
  out[2] = (struct cap_list) { "inheritable", caps->inheritable, caps->inheritable_len };
  out[3] = (struct cap_list) { "permitted", caps->permitted, caps->permitted_len };
  out[4] = (struct cap_list) { "ambient", caps->ambient, caps->ambient_len };
}

int
rl_caps_check (const struct oci_capabilities *caps, struct oci_error *err)
{
  struct cap_list lists[5];
  cap_lists (caps, lists);
  for (size_t s = 0; s < 5; s++)
    for (size_t i = 0; i < lists[s].len; i++)
      if (rl_cap_from_name (lists[s].names[i]) < 0)
        return oci_error_set (err, 0, "capabilities.%s: unknown capability \"%s\"", lists[s].what, lists[s].names[i]);
  return 0;
}

/* A set as a bit mask over the capabilities the kernel knows; names the
 * kernel lacks are left out (runc warns about them). */
static int
cap_list_mask (const struct cap_list *l, int last, uint64_t *mask, struct oci_error *err)
{
  *mask = 0;
  for (size_t i = 0; i < l->len; i++)
    {
      int c = rl_cap_from_name (l->names[i]);
      if (c < 0)
        return oci_error_set (err, 0, "capabilities.%s: unknown capability \"%s\"", l->what, l->names[i]);
      if (c <= last && c < 64)
        *mask |= UINT64_C (1) << c;
    }
  return 0;
}

static void
cap_freep (cap_t *c)
{
  if (*c != NULL)
    cap_free (*c);
}
#define cleanup_cap __attribute__ ((cleanup (cap_freep)))

/* The first capability of mask that is not in have, or -1. */
static int
first_missing (uint64_t mask, uint64_t have)
{
  uint64_t missing = mask & ~have;
  return missing ? __builtin_ctzll (missing) : -1;
}

static int
cap_set_mask (cap_t c, cap_flag_t flag, uint64_t mask, int last)
{
  for (int i = 0; i <= last && i < 64; i++)
    if (mask & (UINT64_C (1) << i))
      {
        cap_value_t v = i;
        if (cap_set_flag (c, flag, 1, &v, CAP_SET) < 0)
          return -1;
      }
  return 0;
}

int
rl_caps_apply (const struct oci_capabilities *caps, struct oci_error *err)
{
  struct cap_list lists[5];
  uint64_t bounding, effective, inheritable, permitted, ambient, have_prm = 0, have_bnd = 0;
  int last = rl_cap_kernel_last (), c;
  cleanup_cap cap_t cur = NULL;
  cleanup_cap cap_t want = NULL;

  cap_lists (caps, lists);
  if (cap_list_mask (&lists[0], last, &bounding, err) < 0 || cap_list_mask (&lists[1], last, &effective, err) < 0
      || cap_list_mask (&lists[2], last, &inheritable, err) < 0
      || cap_list_mask (&lists[3], last, &permitted, err) < 0 || cap_list_mask (&lists[4], last, &ambient, err) < 0)
    return -1;

  /* What we hold.  After a uid switch with PR_SET_KEEPCAPS the effective
   * set is empty but permitted is kept: raise effective back to it, since
   * dropping from the bounding set needs CAP_SETPCAP. */
  cur = cap_get_proc ();
  if (cur == NULL)
    return oci_error_set (err, errno, "capabilities: cap_get_proc");
  for (int i = 0; i <= last && i < 64; i++)
    {
      cap_flag_value_t v = CAP_CLEAR;
      if (cap_get_flag (cur, i, CAP_PERMITTED, &v) == 0 && v == CAP_SET)
        have_prm |= UINT64_C (1) << i;
      if (cap_get_bound (i) == 1)
        have_bnd |= UINT64_C (1) << i;
    }
  if (cap_clear_flag (cur, CAP_EFFECTIVE) < 0 || cap_set_mask (cur, CAP_EFFECTIVE, have_prm, last) < 0
      || cap_set_proc (cur) < 0)
    return oci_error_set (err, errno, "capabilities: raise the effective set to the permitted one");

  /* Checked before anything is dropped, so the error names the cause
   * rather than capset's EPERM. */
  if ((c = first_missing (permitted, have_prm)) >= 0)
    return oci_error_set (err, 0, "capabilities.permitted: %s cannot be granted: the runtime does not hold it",
                          rl_cap_to_name (c));
  if ((c = first_missing (effective, have_prm)) >= 0)
    return oci_error_set (err, 0, "capabilities.effective: %s cannot be granted: the runtime does not hold it",
                          rl_cap_to_name (c));
  if ((c = first_missing (effective, permitted)) >= 0)
    return oci_error_set (err, 0, "capabilities.effective: %s is not in capabilities.permitted", rl_cap_to_name (c));
  if ((c = first_missing (inheritable, have_bnd & bounding)) >= 0)
    return oci_error_set (err, 0, "capabilities.inheritable: %s is not in the bounding set", rl_cap_to_name (c));
  /* The kernel keeps an ambient capability only while it is permitted and
   * inheritable.  runc's default spec lists ambient capabilities with an
   * empty inheritable set (CVE-2022-29162 emptied it) and runc skips the
   * ones it cannot raise: do the same rather than refuse that spec. */
  ambient &= permitted & inheritable;

  for (int i = 0; i <= last; i++)
    {
      if (i < 64 && (bounding & (UINT64_C (1) << i)))
        continue;
      if (i < 64 ? (have_bnd & (UINT64_C (1) << i)) == 0 : cap_get_bound (i) != 1)
        continue; /* already gone (read above), or unknown to the kernel */
      if (prctl (PR_CAPBSET_DROP, (unsigned long) i, 0, 0, 0) < 0)
        return oci_error_set (err, errno, "capabilities: drop %s from the bounding set",
                              rl_cap_to_name (i) ? rl_cap_to_name (i) : "an unnamed capability");
    }

  /* Exactly the configured sets: a set the config leaves empty is empty,
   * the runtime's inheritable set included. */
  want = cap_init ();
  if (want == NULL)
    return oci_error_set (err, errno, "capabilities: cap_init");
  if (cap_set_mask (want, CAP_EFFECTIVE, effective, last) < 0
      || cap_set_mask (want, CAP_PERMITTED, permitted, last) < 0
      || cap_set_mask (want, CAP_INHERITABLE, inheritable, last) < 0)
    return oci_error_set (err, errno, "capabilities: cap_set_flag");
  if (cap_set_proc (want) < 0)
    return oci_error_set (err, errno, "capabilities: capset");

  if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && (errno != EINVAL || ambient != 0))
    return oci_error_set (err, errno, "capabilities: clear the ambient set");
  for (int i = 0; i <= last && i < 64; i++)
    if (ambient & (UINT64_C (1) << i))
      if (prctl (PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, (unsigned long) i, 0, 0) < 0)
        return oci_error_set (err, errno, "capabilities.ambient: raise %s", rl_cap_to_name (i));
  return 0;
}
