/* The pure parts of linux.resources: v1 -> v2 conversions, the texts the
 * cgroup files take, and the eBPF device program (run here by a small
 * interpreter of the instructions it uses). */
#include "config.h"

#include <linux/bpf.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/cgroup_devices.h"
#include "lib/cgroup_values.h"
#include "tap.h"

static void
test_weights (void)
{
  ok (rl_cgroup_shares_to_weight (0) == 0, "shares 0 (unset) -> no weight");
  ok (rl_cgroup_shares_to_weight (2) == 1, "shares 2 -> weight 1");
  ok (rl_cgroup_shares_to_weight (1024) == 39, "shares 1024 (the v1 default) -> weight 39");
  ok (rl_cgroup_shares_to_weight (262144) == 10000, "shares 262144 -> weight 10000");
  ok (rl_cgroup_shares_to_weight (1) == 1 && rl_cgroup_shares_to_weight (1000000) == 10000,
      "shares clamped to 2..262144");
  ok (rl_cgroup_blkio_to_io_weight (10) == 1 && rl_cgroup_blkio_to_io_weight (1000) == 10000
          && rl_cgroup_blkio_to_io_weight (500) == 4950,
      "blkio weight 10/500/1000 -> io.weight 1/4950/10000");
}

static void
check_cpu_max (bool hq, int64_t q, bool hp, uint64_t p, const char *want, const char *what)
{
  struct oci_linux_resources_cpu c = { .has_quota = hq, .quota = q, .has_period = hp, .period = p };
  char *s = rl_cgroup_cpu_max (&c);
  is_str (s, want, "cpu.max: %s", what);
  free (s);
}

static void
test_cpu_max (void)
{
  check_cpu_max (true, 50000, true, 100000, "50000 100000", "quota and period");
  check_cpu_max (true, 20000, false, 0, "20000 100000", "quota with the default period");
  check_cpu_max (true, -1, true, 250000, "max 250000", "quota -1");
  check_cpu_max (false, 0, true, 50000, "max 50000", "period alone");
  check_cpu_max (false, 0, false, 0, NULL, "neither: nothing to write");
}

static void
check_swap (bool hl, int64_t l, bool hs, int64_t s, const char *want, const char *what)
{
  struct oci_linux_resources_memory m = { .has_limit = hl, .limit = l, .has_swap = hs, .swap = s };
  struct oci_error err = OCI_ERROR_INIT;
  char *out = NULL;
  int r = rl_cgroup_swap_v2 (&m, &out, &err);
  if (want)
    {
      ok (r == 0, "memory.swap.max: %s: no error%s%s", what, err.msg ? ": " : "", err.msg ? err.msg : "");
      is_str (out, want, "memory.swap.max: %s", what);
    }
  else
    ok (r < 0 && err.msg && strstr (err.msg, "swap"), "memory.swap.max: %s: refused (%s)", what, err.msg);
  free (out);
  oci_error_clear (&err);
}

static void
test_swap (void)
{
  char *out = (char *) "x";
  struct oci_linux_resources_memory m = { .has_limit = true, .limit = 1 };
  struct oci_error err = OCI_ERROR_INIT;
  ok (rl_cgroup_swap_v2 (&m, &out, &err) == 0 && out == NULL, "memory.swap.max: swap unset -> nothing");
  check_swap (true, 100 << 20, true, 300 << 20, "209715200", "swap - limit");
  check_swap (true, 100 << 20, true, 100 << 20, "0", "swap == limit: no swap");
  check_swap (true, 100 << 20, true, -1, "max", "swap -1");
  check_swap (false, 0, true, -1, "max", "swap -1 without a limit");
  check_swap (true, 200, true, 100, NULL, "swap below limit");
  check_swap (false, 0, true, 100, NULL, "swap without a limit");
  check_swap (true, -1, true, 100, NULL, "swap with an unlimited memory");
  out = rl_cgroup_v2_limit (-1);
  is_str (out, "max", "v2 limit -1 -> max");
  free (out);
  out = rl_cgroup_v2_limit (4096);
  is_str (out, "4096", "v2 limit 4096");
  free (out);
}

static void
check_huge (const char *in, const char *want)
{
  struct oci_error err = OCI_ERROR_INIT;
  char *s = rl_cgroup_hugetlb_size (in, &err);
  if (want)
    is_str (s, want, "hugetlb size \"%s\"", in);
  else
    ok (s == NULL && err.msg && strstr (err.msg, "pageSize"), "hugetlb size \"%s\" refused (%s)", in, err.msg);
  free (s);
  oci_error_clear (&err);
}

static void
test_hugetlb (void)
{
  check_huge ("2MB", "2MB");
  check_huge ("1GB", "1GB");
  check_huge ("64KB", "64KB");
  check_huge ("2M", "2MB");
  check_huge ("2MiB", "2MB");
  check_huge ("2048KB", "2MB");
  check_huge ("1024MB", "1GB");
  check_huge ("16GB", "16GB");
  check_huge ("3MB", NULL);
  check_huge ("2XB", NULL);
  check_huge ("MB", NULL);
  check_huge ("", NULL);
}

static void
check_rule (char *type, int64_t major, int64_t minor, char *access, const char *want)
{
  struct oci_linux_device_cgroup d = { .allow = true, .type = type, .major = major, .has_major = major != -2,
                                       .minor = minor, .has_minor = minor != -2, .access = access };
  struct oci_error err = OCI_ERROR_INIT;
  char *s = rl_cgroup_device_rule_text (&d, &err);
  if (want)
    is_str (s, want, "device rule text %s", want);
  else
    ok (s == NULL && err.msg != NULL, "device rule refused: %s", err.msg);
  free (s);
  oci_error_clear (&err);
}

static void
test_rule_text (void)
{
  check_rule (NULL, -2, -2, NULL, "a *:* rwm");
  check_rule ("a", -2, -2, "rwm", "a *:* rwm");
  check_rule ("c", 1, 5, "rw", "c 1:5 rw");
  check_rule ("b", 8, -2, "r", "b 8:* r");
  check_rule ("c", -2, 3, "m", "c *:3 m");
  check_rule ("x", 1, 1, "r", NULL);
  check_rule ("c", 1, 1, "rx", NULL);
}

/* ---- the device program, run by a tiny interpreter ---- */

#define ACC(t, a) (((a) << 16) | (t))
#define CHR BPF_DEVCG_DEV_CHAR
#define BLK BPF_DEVCG_DEV_BLOCK
#define RD BPF_DEVCG_ACC_READ
#define WR BPF_DEVCG_ACC_WRITE
#define MK BPF_DEVCG_ACC_MKNOD

/* Returns the program's verdict, or -1 for an instruction it does not
 * know / a jump out of the program. */
static int
run (const struct bpf_insn *p, size_t n, uint32_t access, uint32_t major, uint32_t minor)
{
  uint64_t r[11] = { 0 };
  uint32_t ctx[3] = { access, major, minor };
  for (size_t pc = 0; pc < n; pc++)
    {
      const struct bpf_insn *i = &p[pc];
      uint64_t imm = (uint64_t) (int64_t) i->imm;
      switch (i->code)
        {
        case BPF_LDX | BPF_MEM | BPF_W:
          if (i->src_reg != BPF_REG_1 || i->off < 0 || i->off > 8 || i->off % 4)
            return -1;
          r[i->dst_reg] = ctx[i->off / 4];
          break;
        case BPF_ALU | BPF_AND | BPF_K: r[i->dst_reg] = (uint32_t) (r[i->dst_reg] & imm); break;
        case BPF_ALU | BPF_RSH | BPF_K: r[i->dst_reg] = (uint32_t) r[i->dst_reg] >> i->imm; break;
        case BPF_ALU | BPF_MOV | BPF_X: r[i->dst_reg] = (uint32_t) r[i->src_reg]; break;
        case BPF_ALU64 | BPF_MOV | BPF_K: r[i->dst_reg] = imm; break;
        case BPF_JMP | BPF_JNE | BPF_K:
          if (r[i->dst_reg] != imm)
            pc += (size_t) i->off;
          break;
        case BPF_JMP | BPF_JEQ | BPF_K:
          if (r[i->dst_reg] == imm)
            pc += (size_t) i->off;
          break;
        case BPF_JMP | BPF_EXIT: return (int) r[0];
        default: return -1;
        }
      if (pc + 1 > n)
        return -1;
    }
  return -1;
}

#define RULE(al, t, maj, min, acc) { .allow = (al), .has_allow = true, .type = (char *) (t), .major = (maj), \
                                     .has_major = (maj) >= 0, .minor = (min), .has_minor = (min) >= 0, .access = (char *) (acc) }

static void
test_program (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  struct bpf_insn *p = NULL;
  size_t n = 0, n_defaults;

  /* no rules of the config: the defaults only, then deny */
  ok (rl_cgroup_device_program (NULL, 0, &p, &n, &err) == 0, "program of no rules");
  n_defaults = n;
  /* 6 prologue; mknod c/b: type + access(3) + verdict(2) = 6 each; 7 exact
   * nodes: type + major + minor + 2 = 5; pts: type + major + 2 = 4; deny: 2 */
  ok (n == 6 + 2 * 6 + 7 * 5 + 4 + 2, "defaults only: %zu instructions", n);
  ok (run (p, n, ACC (CHR, RD | WR), 1, 3) == 1, "defaults: /dev/null rw allowed");
  ok (run (p, n, ACC (CHR, RD), 1, 5) == 1, "defaults: /dev/zero allowed");
  ok (run (p, n, ACC (CHR, RD | WR), 5, 2) == 1, "defaults: /dev/ptmx allowed");
  ok (run (p, n, ACC (CHR, RD | WR), 136, 7) == 1, "defaults: /dev/pts/7 allowed");
  ok (run (p, n, ACC (CHR, MK), 10, 200) == 1, "defaults: mknod of a char device allowed");
  ok (run (p, n, ACC (BLK, MK), 8, 0) == 1, "defaults: mknod of a block device allowed");
  ok (run (p, n, ACC (BLK, RD), 8, 0) == 0, "defaults: reading a block device denied");
  ok (run (p, n, ACC (CHR, RD), 1, 11) == 0, "defaults: /dev/kmsg denied");
  ok (run (p, n, ACC (BLK, RD), 1, 3) == 0, "defaults: block 1:3 is not /dev/null");
  free (p);

  /* runc spec's rule: deny everything, then the defaults */
  {
    struct oci_linux_device_cgroup r[] = { RULE (false, NULL, -1, -1, "rwm") };
    ok (rl_cgroup_device_program (r, 1, &p, &n, &err) == 0, "program of deny-all");
    ok (n == n_defaults, "deny-all adds nothing to the final deny (%zu)", n);
    ok (run (p, n, ACC (CHR, RD), 1, 9) == 1, "deny-all: /dev/urandom still allowed (the defaults come last)");
    ok (run (p, n, ACC (CHR, WR), 4, 1) == 0, "deny-all: tty1 denied");
    free (p);
  }
  /* allow all: everything before it is hidden, the default verdict is allow */
  {
    struct oci_linux_device_cgroup r[] = { RULE (false, "c", 1, 3, "rwm"), RULE (true, "a", -1, -1, "rwm") };
    ok (rl_cgroup_device_program (r, 2, &p, &n, &err) == 0, "program of allow-all");
    ok (n == n_defaults, "allow-all: the earlier deny is dropped (%zu)", n);
    ok (run (p, n, ACC (BLK, RD | WR), 8, 0) == 1, "allow-all: block device allowed");
    ok (run (p, n, ACC (CHR, RD), 1, 3) == 1, "allow-all: a later rule wins over the earlier deny");
    free (p);
  }
  /* rules in order, the last match decides; partial accesses */
  {
    struct oci_linux_device_cgroup r[] = {
      RULE (false, "a", -1, -1, "rwm"),
      RULE (true, "b", 7, -1, "r"),
      RULE (false, "b", 7, 1, "r"),
      RULE (true, "c", 10, 200, "rw"),
      RULE (false, "c", 1, 5, "w"),
    };
    ok (rl_cgroup_device_program (r, 5, &p, &n, &err) == 0, "program of five rules");
    ok (run (p, n, ACC (BLK, RD), 7, 0) == 1, "b 7:* r allows reading loop0");
    ok (run (p, n, ACC (BLK, RD | WR), 7, 0) == 0, "b 7:* r does not allow writing loop0");
    ok (run (p, n, ACC (BLK, RD), 7, 1) == 0, "the later deny of b 7:1 wins");
    ok (run (p, n, ACC (CHR, RD | WR), 10, 200) == 1, "c 10:200 rw allowed");
    ok (run (p, n, ACC (CHR, MK), 10, 200) == 1, "c 10:200 mknod allowed by the defaults");
    ok (run (p, n, ACC (CHR, WR), 1, 5) == 1, "the defaults (last) re-allow /dev/zero, as runc's do");
    free (p);
  }
  {
    struct oci_linux_device_cgroup r[] = { RULE (true, "q", 1, 1, "r") };
    ok (rl_cgroup_device_program (r, 1, &p, &n, &err) < 0 && err.msg && strstr (err.msg, "type"),
        "an invalid type is refused: %s", err.msg);
    oci_error_clear (&err);
  }
  {
    struct oci_linux_device_cgroup r[] = { RULE (true, "c", 1, 1, "rz") };
    ok (rl_cgroup_device_program (r, 1, &p, &n, &err) < 0 && err.msg && strstr (err.msg, "access"),
        "an invalid access is refused: %s", err.msg);
    oci_error_clear (&err);
  }
}

int
main (void)
{
  test_weights ();
  test_cpu_max ();
  test_swap ();
  test_hugetlb ();
  test_rule_text ();
  test_program ();
  return tap_done ();
}
