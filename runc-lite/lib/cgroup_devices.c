#include "config.h"
#include "cgroup_devices.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define R(t, maj, min, acc)                                                                                          \
  {                                                                                                                  \
    .allow = true, .has_allow = true, .type = (char *) (t), .major = (maj), .has_major = (maj) >= 0, .minor = (min), \
    .has_minor = (min) >= 0, .access = (char *) (acc)                                                                \
  }

const struct oci_linux_device_cgroup rl_cgroup_default_devices[] = {
  R ("c", -1, -1, "m"),                          /* mknod of any device; using it is another matter */
  R ("b", -1, -1, "m"),    R ("c", 1, 3, "rwm"), /* /dev/null */
  R ("c", 1, 5, "rwm"),                          /* /dev/zero */
  R ("c", 1, 7, "rwm"),                          /* /dev/full */
  R ("c", 5, 0, "rwm"),                          /* /dev/tty */
  R ("c", 1, 8, "rwm"),                          /* /dev/random */
  R ("c", 1, 9, "rwm"),                          /* /dev/urandom */
  R ("c", 5, 2, "rwm"),                          /* /dev/ptmx */
  R ("c", 136, -1, "rwm"),                       /* /dev/pts/N */
};
const size_t rl_cgroup_default_devices_len = sizeof rl_cgroup_default_devices / sizeof rl_cgroup_default_devices[0];

#define INSN(c, d, s, o, i) \
  ((struct bpf_insn) { .code = (c), .dst_reg = (d), .src_reg = (s), .off = (o), .imm = (i) })
#define LDX_W(d, s, o) INSN (BPF_LDX | BPF_MEM | BPF_W, d, s, o, 0)
#define ALU32_K(op, d, i) INSN (BPF_ALU | (op) | BPF_K, d, 0, 0, i)
#define MOV32_X(d, s) INSN (BPF_ALU | BPF_MOV | BPF_X, d, s, 0, 0)
#define MOV64_K(d, i) INSN (BPF_ALU64 | BPF_MOV | BPF_K, d, 0, 0, i)
#define JMP_K(op, d, i, o) INSN (BPF_JMP | (op) | BPF_K, d, 0, o, i)
#define EXIT() INSN (BPF_JMP | BPF_EXIT, 0, 0, 0, 0)

static int
access_bits (const char *access)
{
  int bits = 0;
  if (access == NULL || *access == '\0')
    return 7;
  for (const char *p = access; *p; p++)
    switch (*p)
      {
      case 'm':
        bits |= BPF_DEVCG_ACC_MKNOD;
        break;
      case 'r':
        bits |= BPF_DEVCG_ACC_READ;
        break;
      case 'w':
        bits |= BPF_DEVCG_ACC_WRITE;
        break;
      default:
        return -1;
      }
  return bits;
}

int
rl_cgroup_device_program (const struct oci_linux_device_cgroup *rules, size_t n, struct bpf_insn **out, size_t *len,
                          struct oci_error *err)
{
  size_t total = n + rl_cgroup_default_devices_len, i = 0, cap = 8 + total * 9;
  struct bpf_insn *p = calloc (cap, sizeof *p);
  bool decided = false;

  *out = NULL;
  *len = 0;
  if (p == NULL)
    return oci_error_set (err, ENOMEM, "device program");
  /* r2 = device type, r3 = access asked for, r4 = major, r5 = minor */
  p[i++] = LDX_W (BPF_REG_2, BPF_REG_1, 0);
  p[i++] = ALU32_K (BPF_AND, BPF_REG_2, 0xffff);
  p[i++] = LDX_W (BPF_REG_3, BPF_REG_1, 0);
  p[i++] = ALU32_K (BPF_RSH, BPF_REG_3, 16);
  p[i++] = LDX_W (BPF_REG_4, BPF_REG_1, 4);
  p[i++] = LDX_W (BPF_REG_5, BPF_REG_1, 8);

  /* The last matching rule decides: check the rules from the end. */
  for (size_t k = total; k-- > 0 && !decided;)
    {
      const struct oci_linux_device_cgroup *r = k >= n ? &rl_cgroup_default_devices[k - n] : &rules[k];
      const char *type = r->type && *r->type ? r->type : "a";
      int acc = access_bits (r->access), dev = 0;
      bool has_major = r->has_major && r->major >= 0, has_minor = r->has_minor && r->minor >= 0;
      bool check_acc = acc != 7;
      size_t start = i, checks;

      if (acc < 0)
        {
          free (p);
          return oci_error_set (err, EINVAL, "linux.resources.devices[%zu]: invalid access \"%s\"", k, r->access);
        }
      if (strcmp (type, "c") == 0)
        dev = BPF_DEVCG_DEV_CHAR;
      else if (strcmp (type, "b") == 0)
        dev = BPF_DEVCG_DEV_BLOCK;
      else if (strcmp (type, "a") != 0)
        {
          free (p);
          return oci_error_set (err, EINVAL, "linux.resources.devices[%zu]: invalid type \"%s\"", k, type);
        }
      if ((has_major && r->major > INT32_MAX) || (has_minor && r->minor > INT32_MAX))
        {
          free (p);
          return oci_error_set (err, EINVAL, "linux.resources.devices[%zu]: device number out of range", k);
        }
      /* instructions of the checks before the verdict (2 instructions) */
      checks = (dev ? 1 : 0) + (check_acc ? 3 : 0) + (has_major ? 1 : 0) + (has_minor ? 1 : 0);
#define SKIP ((short) (start + checks + 2 - i - 1))
      if (dev)
        p[i] = JMP_K (BPF_JNE, BPF_REG_2, dev, 0), p[i].off = SKIP, i++;
      if (check_acc)
        {
          p[i++] = MOV32_X (BPF_REG_1, BPF_REG_3);
          if (r->allow)
            {
              /* allow: no access outside the rule's */
              p[i++] = ALU32_K (BPF_AND, BPF_REG_1, ~acc & 7);
              p[i] = JMP_K (BPF_JNE, BPF_REG_1, 0, 0), p[i].off = SKIP, i++;
            }
          else
            {
              /* deny: any access inside the rule's */
              p[i++] = ALU32_K (BPF_AND, BPF_REG_1, acc);
              p[i] = JMP_K (BPF_JEQ, BPF_REG_1, 0, 0), p[i].off = SKIP, i++;
            }
        }
      if (has_major)
        p[i] = JMP_K (BPF_JNE, BPF_REG_4, (int32_t) r->major, 0), p[i].off = SKIP, i++;
      if (has_minor)
        p[i] = JMP_K (BPF_JNE, BPF_REG_5, (int32_t) r->minor, 0), p[i].off = SKIP, i++;
#undef SKIP
      p[i++] = MOV64_K (BPF_REG_0, r->allow ? 1 : 0);
      p[i++] = EXIT ();
      /* a rule matching everything hides every rule before it */
      decided = checks == 0;
    }
  if (!decided)
    {
      p[i++] = MOV64_K (BPF_REG_0, 0);
      p[i++] = EXIT ();
    }
  *out = p;
  *len = i;
  return 0;
}
