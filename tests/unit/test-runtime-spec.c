/* The runtime spec documents (config.json, state, features): the
 * runtime-spec's own good and bad test documents, round trips, and the
 * edges of types, ranges, enums and required fields. */
#include "config.h"

#include <dirent.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "cleanup.h"
#include "runtime.h"
#include "tap.h"

static const char *fixtures;

/* ---- the three documents behind one interface ---- */

struct doc
{
  const char *name; /* directory under runtime-spec/ */
  int (*parse_file) (const char *path, void **out, struct oci_error *err);
  int (*parse_text) (const char *what, const char *text, size_t len, void **out, struct oci_error *err);
  int (*emit) (const void *obj, bool pretty, char **out, size_t *len, struct oci_error *err);
  void (*free) (void *obj);
};

#define DOC_WRAPPERS(prefix, T)                                                                              \
  static int prefix##_pf (const char *path, void **out, struct oci_error *err)                               \
  {                                                                                                          \
    T *o = NULL;                                                                                             \
    int r = prefix##_parse_file (path, &o, err);                                                             \
    *out = o;                                                                                                \
    return r;                                                                                                \
  }                                                                                                          \
  static int prefix##_pt (const char *what, const char *text, size_t len, void **out, struct oci_error *err) \
  {                                                                                                          \
    T *o = NULL;                                                                                             \
    int r = prefix##_parse_text (what, text, len, &o, err);                                                  \
    *out = o;                                                                                                \
    return r;                                                                                                \
  }                                                                                                          \
  static int prefix##_em (const void *obj, bool pretty, char **out, size_t *len, struct oci_error *err)      \
  {                                                                                                          \
    return prefix##_emit (obj, pretty, out, len, err);                                                       \
  }                                                                                                          \
  static void prefix##_fr (void *obj)                                                                        \
  {                                                                                                          \
    prefix##_free (obj);                                                                                     \
  }

DOC_WRAPPERS (oci_runtime_config, struct oci_runtime_config)
DOC_WRAPPERS (oci_runtime_state, struct oci_runtime_state)
DOC_WRAPPERS (oci_runtime_features, struct oci_runtime_features)

static const struct doc config_doc = { "config", oci_runtime_config_pf, oci_runtime_config_pt, oci_runtime_config_em,
                                       oci_runtime_config_fr };
static const struct doc state_doc = { "state", oci_runtime_state_pf, oci_runtime_state_pt, oci_runtime_state_em,
                                      oci_runtime_state_fr };
static const struct doc features_doc = { "features", oci_runtime_features_pf, oci_runtime_features_pt,
                                         oci_runtime_features_em, oci_runtime_features_fr };

static char *
fixture_path (const char *rel)
{
  char *p = NULL;
  if (asprintf (&p, "%s/runtime-spec/%s", fixtures, rel) < 0)
    abort ();
  return p;
}

/* Parses obj's emitted text again and checks that it emits the same bytes,
 * compact and pretty. */
static void
round_trip (const struct doc *d, const void *obj, const char *label)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_free char *first = NULL, *second = NULL, *pretty = NULL, *third = NULL;
  size_t len = 0;
  void *again = NULL, *again_pretty = NULL;

  if (!ok (d->emit (obj, false, &first, &len, &err) == 0, "%s: emit", label))
    {
      diag ("%s", oci_error_msg (&err));
      oci_error_clear (&err);
      return;
    }
  if (!ok (d->parse_text ("emitted", first, len, &again, &err) == 0, "%s: emitted text parses", label))
    diag ("%s", oci_error_msg (&err));
  else if (d->emit (again, false, &second, NULL, &err) == 0)
    is_str (second, first, "%s: parse-emit-parse gives identical text", label);
  d->free (again);

  if (d->emit (obj, true, &pretty, &len, &err) == 0 && d->parse_text ("pretty", pretty, len, &again_pretty, &err) == 0
      && d->emit (again_pretty, false, &third, NULL, &err) == 0)
    is_str (third, first, "%s: pretty output reads back the same", label);
  else
    ok (false, "%s: pretty round trip: %s", label, oci_error_msg (&err));
  d->free (again_pretty);
  oci_error_clear (&err);
}

/* The sorted *.json names of a fixture directory. */
static size_t
list_json (const char *dir, struct dirent ***names)
{
  int n = scandir (dir, names, NULL, alphasort);
  size_t kept = 0;
  if (n < 0)
    return 0;
  for (int i = 0; i < n; i++)
    {
      const char *s = (*names)[i]->d_name;
      size_t l = strlen (s);
      if (l > 5 && strcmp (s + l - 5, ".json") == 0)
        (*names)[kept++] = (*names)[i];
      else
        free ((*names)[i]);
    }
  return kept;
}

static void
free_names (struct dirent **names, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free (names[i]);
  free (names);
}

static void
test_good (const struct doc *d)
{
  cleanup_free char *rel = NULL, *dir = NULL;
  struct dirent **names = NULL;
  size_t n;

  if (asprintf (&rel, "%s/good", d->name) < 0)
    abort ();
  dir = fixture_path (rel);
  n = list_json (dir, &names);
  ok (n > 0, "%s: good fixtures found in %s", d->name, dir);
  for (size_t i = 0; i < n; i++)
    {
      struct oci_error err = OCI_ERROR_INIT;
      cleanup_free char *path = NULL, *label = NULL;
      void *obj = NULL;

      if (asprintf (&path, "%s/%s", dir, names[i]->d_name) < 0
          || asprintf (&label, "%s/good/%s", d->name, names[i]->d_name) < 0)
        abort ();
      if (!ok (d->parse_file (path, &obj, &err) == 0, "%s parses", label))
        diag ("%s", oci_error_msg (&err));
      else
        round_trip (d, obj, label);
      d->free (obj);
      oci_error_clear (&err);
    }
  free_names (names, n);
}

struct bad_case
{
  const char *file;
  const char *want; /* the message after "<path>: " */
  bool prefix_only; /* parser messages carry yajl's detail after this */
};

static const struct bad_case bad_cases[] = {
  { "config/bad/freebsd-vnet-disable.json",
    "freebsd.jail.vnet: expected one of \"new\", \"inherit\", got \"disable\"", false },
  { "config/bad/invalid-json.json", "invalid JSON at line 1", true },
  { "config/bad/linux-hugepage.json",
    "linux.resources.hugepageLimits[0].pageSize: expected a page size matching [1-9][0-9]*[KMG]B, got \"64kB\"",
    false },
  { "config/bad/linux-netdevice.json", "linux.netDevices.eth0.name: expected string, got number", false },
  { "config/bad/linux-rdma.json", "linux.resources.rdma.mlx5_1.hcaHandles: expected unsigned integer, got string",
    false },
  { "features/bad/missing-ociVersionMax.json", "ociVersionMax: required field missing", false },
  { "state/bad/invalid-json.json", "invalid JSON at line 1", true },
};

static void
test_bad (const struct doc *d)
{
  cleanup_free char *rel = NULL, *dir = NULL;
  struct dirent **names = NULL;
  size_t n;

  if (asprintf (&rel, "%s/bad", d->name) < 0)
    abort ();
  dir = fixture_path (rel);
  n = list_json (dir, &names);
  ok (n > 0, "%s: bad fixtures found", d->name);
  for (size_t i = 0; i < n; i++)
    {
      struct oci_error err = OCI_ERROR_INIT;
      cleanup_free char *path = NULL, *file = NULL, *want = NULL;
      const struct bad_case *c = NULL;
      void *obj = NULL;
      int r;

      if (asprintf (&file, "%s/bad/%s", d->name, names[i]->d_name) < 0)
        abort ();
      path = fixture_path (file);
      for (size_t k = 0; k < sizeof bad_cases / sizeof bad_cases[0]; k++)
        if (strcmp (bad_cases[k].file, file) == 0)
          c = &bad_cases[k];
      if (!ok (c != NULL, "%s has an expected message", file))
        continue;
      if (asprintf (&want, "%s: %s", path, c->want) < 0)
        abort ();
      r = d->parse_file (path, &obj, &err);
      ok (r < 0 && obj == NULL, "%s is rejected", file);
      ok (err.msg && strchr (err.msg, '\n') == NULL, "%s: message is one line", file);
      if (c->prefix_only)
        {
          if (!ok (err.msg && strncmp (err.msg, want, strlen (want)) == 0, "%s: message starts with \"%s\"", file,
                   c->want))
            diag ("got: %s", oci_error_msg (&err));
        }
      else
        is_str (err.msg, want, "%s: message names the file and the JSON path", file);
      d->free (obj);
      oci_error_clear (&err);
    }
  free_names (names, n);
}

/* ---- targeted cases ---- */

static void
rejects (const struct doc *d, const char *text, const char *want)
{
  struct oci_error err = OCI_ERROR_INIT;
  void *obj = NULL;
  int r = d->parse_text (d == &config_doc ? "config.json" : d->name, text, strlen (text), &obj, &err);
  ok (r < 0 && obj == NULL && err.msg && strcmp (err.msg, want) == 0, "rejects: %s", want);
  if (r == 0 || (err.msg && strcmp (err.msg, want) != 0))
    diag ("input: %s\n#   got:  %s", text, r == 0 ? "(accepted)" : err.msg);
  d->free (obj);
  oci_error_clear (&err);
}

static void *
accepts (const struct doc *d, const char *text, const char *what)
{
  struct oci_error err = OCI_ERROR_INIT;
  void *obj = NULL;
  if (!ok (d->parse_text ("doc", text, strlen (text), &obj, &err) == 0, "accepts: %s", what))
    diag ("%s", oci_error_msg (&err));
  oci_error_clear (&err);
  return obj;
}

#define CFG(linux_json) "{\"ociVersion\":\"1.3.0\",\"linux\":" linux_json "}"
#define RES(res_json) CFG ("{\"resources\":" res_json "}")
#define FEAT(linux_json) "{\"ociVersionMin\":\"1\",\"ociVersionMax\":\"1\",\"linux\":" linux_json "}"
#define PROC(proc_json) "{\"ociVersion\":\"1.3.0\",\"process\":" proc_json "}"

static void
test_config_rules (void)
{
  struct oci_runtime_config *c;

  rejects (&config_doc, RES ("{\"memory\":{\"limit\":\"1G\"}}"),
           "config.json: linux.resources.memory.limit: expected integer, got string");
  rejects (&config_doc, PROC ("{\"cwd\":\"/\",\"user\":{\"uid\":-1}}"),
           "config.json: process.user.uid: value -1 out of range [0, 4294967295]");
  rejects (&config_doc, PROC ("{\"cwd\":\"/\",\"user\":{\"uid\":4294967296}}"),
           "config.json: process.user.uid: value 4294967296 out of range [0, 4294967295]");
  rejects (&config_doc, PROC ("{\"cwd\":\"/\",\"user\":{\"additionalGids\":[1,-2]}}"),
           "config.json: process.user.additionalGids[1]: value -2 out of range [0, 4294967295]");
  rejects (&config_doc,
           CFG ("{\"devices\":[{\"type\":\"c\",\"path\":\"/dev/x\",\"major\":1,\"minor\":2,"
                "\"fileMode\":65536}]}"),
           "config.json: linux.devices[0].fileMode: value 65536 out of range [0, 65535]");
  /* podman's fileMode is the host device's st_mode: S_IFCHR | 0644 */
  c = accepts (&config_doc,
               CFG ("{\"devices\":[{\"type\":\"c\",\"path\":\"/dev/x\",\"major\":1,\"minor\":2,"
                    "\"fileMode\":8612}]}"),
               "device fileMode with the file type bits");
  ok (c && c->linux_->devices[0].file_mode == 020644, "device fileMode 020644 kept");
  oci_runtime_config_free (c);
  rejects (&config_doc, RES ("{\"memory\":{\"limit\":18446744073709551615}}"),
           "config.json: linux.resources.memory.limit: value 18446744073709551615 out of range "
           "[-9223372036854775808, 9223372036854775807]");
  c = accepts (&config_doc, RES ("{\"cpu\":{\"shares\":18446744073709551615}}"), "cpu.shares at uint64 maximum");
  ok (c && c->linux_->resources->cpu->has_shares && c->linux_->resources->cpu->shares == UINT64_MAX,
      "cpu.shares is UINT64_MAX");
  oci_runtime_config_free (c);
  rejects (&config_doc, CFG ("{\"namespaces\":[{\"type\":\"foo\"}]}"),
           "config.json: linux.namespaces[0].type: expected one of \"mount\", \"pid\", \"network\", \"uts\", "
           "\"ipc\", \"user\", \"cgroup\", \"time\", got \"foo\"");
  rejects (&config_doc, PROC ("{\"args\":[\"sh\"]}"), "config.json: process.cwd: required field missing");
  rejects (&config_doc, "{\"ociVersion\":\"1.3.0\",\"root\":{\"readonly\":true}}",
           "config.json: root.path: required field missing");
  rejects (&config_doc, "{\"root\":{\"path\":\"rootfs\"}}", "config.json: ociVersion: required field missing");
  rejects (&config_doc, "{\"ociVersion\":\"1.3.0\",\"annotations\":{\"a\":\"1\",\"\":\"2\"}}",
           "config.json: annotations[\"\"]: empty key");
  rejects (&config_doc,
           CFG ("{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"]}]}}"),
           "config.json: linux.seccomp.syscalls[0].action: required field missing");
  rejects (&config_doc,
           "{\"ociVersion\":\"1.3.0\",\"hooks\":{\"poststart\":[{\"path\":\"/bin/true\",\"timeout\":0}]}}",
           "config.json: hooks.poststart[0].timeout: value 0 out of range [1, 9223372036854775807]");
  rejects (&config_doc, "{\"ociVersion\":\"1.3.0\",\"hooks\":{\"prestart\":[{\"args\":[]}]}}",
           "config.json: hooks.prestart[0].path: required field missing");
  rejects (&config_doc, "{\"ociVersion\":\"1.3.0\",\"mounts\":[{\"type\":\"proc\"}]}",
           "config.json: mounts[0].destination: required field missing");
  rejects (&config_doc,
           "{\"ociVersion\":\"1.3.0\",\"mounts\":[{\"destination\":\"/x\","
           "\"uidMappings\":[{\"containerID\":0,\"hostID\":1}]}]}",
           "config.json: mounts[0].uidMappings[0].size: required field missing");

  /* process */
  rejects (&config_doc, PROC ("{\"cwd\":\"/\",\"rlimits\":[{\"type\":\"NOFILE\",\"soft\":1,\"hard\":1}]}"),
           "config.json: process.rlimits[0].type: expected a name matching RLIMIT_[A-Z]+, got \"NOFILE\"");
  rejects (&config_doc, PROC ("{\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":1}]}"),
           "config.json: process.rlimits[0].hard: required field missing");
  rejects (&config_doc,
           PROC ("{\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_CORE\",\"soft\":1,\"hard\":1},"
                 "{\"type\":\"RLIMIT_CORE\",\"soft\":2,\"hard\":2}]}"),
           "config.json: process.rlimits[1].type: duplicate rlimit type \"RLIMIT_CORE\"");
  rejects (&config_doc, PROC ("{\"cwd\":\"/\",\"oomScoreAdj\":1.5}"),
           "config.json: process.oomScoreAdj: expected integer, got 1.5");
  rejects (&config_doc, PROC ("{\"cwd\":\"/\",\"consoleSize\":{\"height\":1}}"),
           "config.json: process.consoleSize.width: required field missing");
  rejects (&config_doc, PROC ("{\"cwd\":\"/\",\"scheduler\":{\"policy\":\"SCHED_FOO\"}}"),
           "config.json: process.scheduler.policy: expected one of \"SCHED_OTHER\", \"SCHED_FIFO\", \"SCHED_RR\", "
           "\"SCHED_BATCH\", \"SCHED_ISO\", \"SCHED_IDLE\", \"SCHED_DEADLINE\", got \"SCHED_FOO\"");
  rejects (&config_doc, PROC ("{\"cwd\":\"/\",\"scheduler\":{\"policy\":\"SCHED_RR\",\"nice\":2147483648}}"),
           "config.json: process.scheduler.nice: value 2147483648 out of range [-2147483648, 2147483647]");
  rejects (
      &config_doc, PROC ("{\"cwd\":\"/\",\"scheduler\":{\"policy\":\"SCHED_RR\",\"flags\":[\"SCHED_FLAG_X\"]}}"),
      "config.json: process.scheduler.flags[0]: expected one of \"SCHED_FLAG_RESET_ON_FORK\", "
      "\"SCHED_FLAG_RECLAIM\", \"SCHED_FLAG_DL_OVERRUN\", \"SCHED_FLAG_KEEP_POLICY\", \"SCHED_FLAG_KEEP_PARAMS\", "
      "\"SCHED_FLAG_UTIL_CLAMP_MIN\", \"SCHED_FLAG_UTIL_CLAMP_MAX\", got \"SCHED_FLAG_X\"");
  rejects (&config_doc, PROC ("{\"cwd\":\"/\",\"ioPriority\":{\"priority\":1}}"),
           "config.json: process.ioPriority.class: required field missing");
  rejects (&config_doc, PROC ("{\"cwd\":\"/\",\"ioPriority\":{\"class\":\"IOPRIO_CLASS_NONE\"}}"),
           "config.json: process.ioPriority.class: expected one of \"IOPRIO_CLASS_RT\", \"IOPRIO_CLASS_BE\", "
           "\"IOPRIO_CLASS_IDLE\", got \"IOPRIO_CLASS_NONE\"");
  rejects (&config_doc, PROC ("{\"cwd\":\"/\",\"execCPUAffinity\":{\"final\":\"0-3;7\"}}"),
           "config.json: process.execCPUAffinity.final: expected a CPU list such as \"0-3,7\", got \"0-3;7\"");
  rejects (&config_doc, PROC ("{\"cwd\":\"/\",\"capabilities\":{\"bounding\":[\"CAP_KILL\",1]}}"),
           "config.json: process.capabilities.bounding[1]: expected string, got number");

  /* linux */
  rejects (&config_doc, CFG ("{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"pid\"}]}"),
           "config.json: linux.namespaces[2].type: duplicate namespace type \"pid\"");
  rejects (&config_doc, CFG ("{\"devices\":[{\"type\":\"c\",\"path\":\"/dev/x\",\"minor\":1}]}"),
           "config.json: linux.devices[0].major: required field missing for type \"c\"");
  rejects (&config_doc, CFG ("{\"devices\":[{\"type\":\"x\",\"path\":\"/dev/x\"}]}"),
           "config.json: linux.devices[0].type: expected one of \"c\", \"b\", \"u\", \"p\", got \"x\"");
  rejects (&config_doc, CFG ("{\"timeOffsets\":{\"boottime\":{\"nanosecs\":-1}}}"),
           "config.json: linux.timeOffsets.boottime.nanosecs: value -1 out of range [0, 4294967295]");
  rejects (&config_doc, CFG ("{\"rootfsPropagation\":\"rbogus\"}"),
           "config.json: linux.rootfsPropagation: expected one of \"private\", \"shared\", \"slave\", "
           "\"unbindable\", \"rprivate\", \"rshared\", \"rslave\", \"runbindable\", got \"rbogus\"");
  rejects (&config_doc, CFG ("{\"sysctl\":{\"net.ipv4.ip_forward\":1}}"),
           "config.json: linux.sysctl[\"net.ipv4.ip_forward\"]: expected string, got number");
  rejects (&config_doc, RES ("{\"devices\":[{\"type\":\"a\"}]}"),
           "config.json: linux.resources.devices[0].allow: required field missing");
  rejects (&config_doc, RES ("{\"pids\":{}}"), "config.json: linux.resources.pids.limit: required field missing");
  rejects (&config_doc, RES ("{\"blockIO\":{\"weight\":65536}}"),
           "config.json: linux.resources.blockIO.weight: value 65536 out of range [0, 65535]");
  rejects (&config_doc, RES ("{\"blockIO\":{\"weightDevice\":[{\"major\":8,\"minor\":0}]}}"),
           "config.json: linux.resources.blockIO.weightDevice[0]: expected at least one of \"weight\", "
           "\"leafWeight\"");
  rejects (&config_doc, RES ("{\"blockIO\":{\"throttleReadBpsDevice\":[{\"major\":8,\"rate\":1}]}}"),
           "config.json: linux.resources.blockIO.throttleReadBpsDevice[0].minor: required field missing");
  rejects (&config_doc, RES ("{\"hugepageLimits\":[{\"pageSize\":\"02MB\",\"limit\":1}]}"),
           "config.json: linux.resources.hugepageLimits[0].pageSize: expected a page size matching "
           "[1-9][0-9]*[KMG]B, got \"02MB\"");
  rejects (&config_doc, RES ("{\"hugepageLimits\":[{\"pageSize\":\"2MB\"}]}"),
           "config.json: linux.resources.hugepageLimits[0].limit: required field missing");
  rejects (&config_doc, RES ("{\"network\":{\"priorities\":[{\"name\":\"eth0\"}]}}"),
           "config.json: linux.resources.network.priorities[0].priority: required field missing");
  rejects (&config_doc, RES ("{\"rdma\":{\"mlx5_1\":{}}}"),
           "config.json: linux.resources.rdma.mlx5_1: expected at least one of \"hcaHandles\", \"hcaObjects\"");
  rejects (&config_doc, RES ("{\"unified\":{\"memory.max\":[]}}"),
           "config.json: linux.resources.unified[\"memory.max\"]: expected string, got array");
  rejects (&config_doc, CFG ("{\"intelRdt\":{\"memBwSchema\":\"L3:0=ff\"}}"),
           "config.json: linux.intelRdt.memBwSchema: expected a single line starting with \"MB:\", got \"L3:0=ff\"");
  rejects (&config_doc, CFG ("{\"memoryPolicy\":{\"mode\":\"MPOL_FOO\"}}"),
           "config.json: linux.memoryPolicy.mode: expected one of \"MPOL_DEFAULT\", \"MPOL_BIND\", "
           "\"MPOL_INTERLEAVE\", \"MPOL_WEIGHTED_INTERLEAVE\", \"MPOL_PREFERRED\", \"MPOL_PREFERRED_MANY\", "
           "\"MPOL_LOCAL\", got \"MPOL_FOO\"");
  rejects (&config_doc, CFG ("{\"personality\":{\"domain\":\"LINUX64\"}}"),
           "config.json: linux.personality.domain: expected one of \"LINUX\", \"LINUX32\", got \"LINUX64\"");

  /* seccomp */
  rejects (&config_doc, CFG ("{\"seccomp\":{}}"), "config.json: linux.seccomp.defaultAction: required field missing");
  rejects (&config_doc,
           CFG ("{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[],"
                "\"action\":\"SCMP_ACT_LOG\"}]}}"),
           "config.json: linux.seccomp.syscalls[0].names: expected at least one name");
  rejects (&config_doc,
           CFG ("{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"architectures\":[\"SCMP_ARCH_VAX\"]}}"),
           "config.json: linux.seccomp.architectures[0]: expected one of \"SCMP_ARCH_X86\", \"SCMP_ARCH_X86_64\", "
           "\"SCMP_ARCH_X32\", \"SCMP_ARCH_ARM\", \"SCMP_ARCH_AARCH64\", \"SCMP_ARCH_LOONGARCH64\", "
           "\"SCMP_ARCH_M68K\", "
           "\"SCMP_ARCH_MIPS\", \"SCMP_ARCH_MIPS64\", \"SCMP_ARCH_MIPS64N32\", \"SCMP_ARCH_MIPSEL\", "
           "\"SCMP_ARCH_MIPSEL64\", \"SCMP_ARCH_MIPSEL64N32\", \"SCMP_ARCH_PPC\", \"SCMP_ARCH_PPC64\", "
           "\"SCMP_ARCH_PPC64LE\", \"SCMP_ARCH_S390\", \"SCMP_ARCH_S390X\", \"SCMP_ARCH_SH\", \"SCMP_ARCH_SHEB\", "
           "\"SCMP_ARCH_PARISC\", \"SCMP_ARCH_PARISC64\", \"SCMP_ARCH_RISCV64\", got \"SCMP_ARCH_VAX\"");
  rejects (&config_doc,
           CFG ("{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"flags\":[\"SECCOMP_FILTER_FLAG_X\"]}}"),
           "config.json: linux.seccomp.flags[0]: expected one of \"SECCOMP_FILTER_FLAG_TSYNC\", "
           "\"SECCOMP_FILTER_FLAG_LOG\", \"SECCOMP_FILTER_FLAG_SPEC_ALLOW\", "
           "\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\", got \"SECCOMP_FILTER_FLAG_X\"");
  rejects (&config_doc,
           CFG ("{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],"
                "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"value\":1,"
                "\"op\":\"SCMP_CMP_XX\"}]}]}}"),
           "config.json: linux.seccomp.syscalls[0].args[0].op: expected one of \"SCMP_CMP_NE\", \"SCMP_CMP_LT\", "
           "\"SCMP_CMP_LE\", \"SCMP_CMP_EQ\", \"SCMP_CMP_GE\", \"SCMP_CMP_GT\", \"SCMP_CMP_MASKED_EQ\", got "
           "\"SCMP_CMP_XX\"");
  rejects (&config_doc,
           CFG ("{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"a\"],"
                "\"action\":\"SCMP_ACT_ERRNO\",\"args\":[{\"index\":0,\"op\":\"SCMP_CMP_EQ\"}]}]}}"),
           "config.json: linux.seccomp.syscalls[0].args[0].value: required field missing");
  rejects (&config_doc, CFG ("{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_KILL\",\"defaultErrnoRet\":-1}}"),
           "config.json: linux.seccomp.defaultErrnoRet: value -1 out of range [0, 4294967295]");
  rejects (&config_doc, CFG ("{\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"listenerMetadata\":\"x\"}}"),
           "config.json: linux.seccomp.listenerMetadata: set without \"listenerPath\"");

  /* freebsd */
  rejects (&config_doc, "{\"ociVersion\":\"1.3.0\",\"freebsd\":{\"jail\":{\"enforceStatfs\":256}}}",
           "config.json: freebsd.jail.enforceStatfs: value 256 out of range [0, 255]");
  rejects (&config_doc, "{\"ociVersion\":\"1.3.0\",\"freebsd\":{\"devices\":[{\"path\":\"pf\",\"mode\":512}]}}",
           "config.json: freebsd.devices[0].mode: value 512 out of range [0, 511]");
  c = accepts (&config_doc,
               "{\"ociVersion\":\"1.3.0\",\"freebsd\":{\"jail\":{\"ip4\":\"disable\",\"host\":\"inherit\"}}}",
               "freebsd ip4 may be \"disable\"");
  ok (c && c->freebsd && strcmp (c->freebsd->jail->ip4, "disable") == 0, "freebsd.jail.ip4 kept");
  oci_runtime_config_free (c);

  /* the edges that must pass */
  c = accepts (&config_doc,
               CFG ("{\"devices\":[{\"type\":\"p\",\"path\":\"/dev/fifo\",\"fileMode\":0}],"
                    "\"timeOffsets\":{\"monotonic\":{\"secs\":-9223372036854775808,\"nanosecs\":4294967295}}}"),
               "pipe device without major/minor, int64 minimum secs");
  ok (c && c->linux_->time_offsets->monotonic->secs == INT64_MIN
          && c->linux_->time_offsets->monotonic->nanosecs == UINT32_MAX,
      "timeOffsets extremes kept");
  oci_runtime_config_free (c);

  /* runc's recursive propagation modes, as containerd writes them */
  c = accepts (&config_doc, CFG ("{\"rootfsPropagation\":\"rslave\"}"), "rootfsPropagation rslave");
  ok (c && strcmp (c->linux_->rootfs_propagation, "rslave") == 0, "rootfsPropagation rslave kept");
  oci_runtime_config_free (c);

  /* other platforms are kept verbatim */
  c = accepts (&config_doc,
               "{\"ociVersion\":\"1.3.0\",\"windows\":{\"layerFolders\":[\"C:\\\\a\"],\"x\":{\"y\":null}},"
               "\"vm\":{\"hypervisor\":{\"path\":\"/h\"}},\"solaris\":{\"milestone\":\"m\"},\"zos\":{}}",
               "windows, vm, solaris and zos sections");
  if (c)
    {
      cleanup_free char *out = NULL;
      struct oci_error err = OCI_ERROR_INIT;
      ok (oci_runtime_config_emit (c, false, &out, NULL, &err) == 0, "emit raw sections");
      is_str (
          out,
          "{\"ociVersion\":\"1.3.0\",\"solaris\":{\"milestone\":\"m\"},\"windows\":{\"layerFolders\":[\"C:\\\\a\"],"
          "\"x\":{\"y\":null}},\"vm\":{\"hypervisor\":{\"path\":\"/h\"}},\"zos\":{}}",
          "raw sections re-emitted as written");
      oci_error_clear (&err);
    }
  oci_runtime_config_free (c);
}

static void
test_full_linux (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_runtime_config struct oci_runtime_config *c = NULL;
  cleanup_free char *path = fixture_path ("full-linux.json");
  const struct oci_process *p;
  const struct oci_linux *l;
  const struct oci_linux_resources *r;

  if (!ok (oci_runtime_config_parse_file (path, &c, &err) == 0, "full-linux.json parses"))
    {
      diag ("%s", oci_error_msg (&err));
      oci_error_clear (&err);
      return;
    }
  round_trip (&config_doc, c, "full-linux.json");
  p = c->process;
  l = c->linux_;
  r = l->resources;

  ok (p->has_terminal && p->terminal && p->console_size->height == 25 && p->console_size->width == 80,
      "terminal and consoleSize");
  ok (p->user->uid == 1000 && p->user->gid == 1001 && p->user->has_umask && p->user->umask == 18
          && strcmp (p->user->username, "alice") == 0,
      "user");
  ok (p->user->additional_gids_len == 3 && p->user->additional_gids[0] == 5
          && p->user->additional_gids[2] == UINT32_MAX,
      "additionalGids");
  ok (p->capabilities->bounding_len == 3 && p->capabilities->effective_len == 2
          && p->capabilities->inheritable != NULL && p->capabilities->inheritable_len == 0
          && strcmp (p->capabilities->ambient[0], "CAP_NET_BIND_SERVICE") == 0,
      "capabilities, empty inheritable kept");
  ok (p->rlimits_len == 2 && strcmp (p->rlimits[0].type, "RLIMIT_NOFILE") == 0 && p->rlimits[0].soft == 1024
          && p->rlimits[0].hard == 4096 && p->rlimits[1].hard == UINT64_MAX,
      "rlimits");
  ok (p->has_oom_score_adj && p->oom_score_adj == -500 && p->has_no_new_privileges && p->no_new_privileges,
      "oomScoreAdj, noNewPrivileges");
  ok (strcmp (p->scheduler->policy, "SCHED_DEADLINE") == 0 && p->scheduler->nice == -20
          && p->scheduler->priority == 99 && p->scheduler->flags_len == 2 && p->scheduler->runtime == 10000000
          && p->scheduler->deadline == 20000000 && p->scheduler->period == 30000000,
      "scheduler");
  ok (strcmp (p->io_priority->class, "IOPRIO_CLASS_BE") == 0 && p->io_priority->priority == 4, "ioPriority");
  ok (strcmp (p->exec_cpu_affinity->initial, "7") == 0 && strcmp (p->exec_cpu_affinity->final, "0-3, 7") == 0,
      "execCPUAffinity");
  ok (c->root->has_readonly && c->root->readonly && strcmp (c->hostname, "slartibartfast") == 0
          && strcmp (c->domainname, "foobarbaz.test") == 0,
      "root, hostname, domainname");
  ok (c->mounts_len == 2 && c->mounts[1].uid_mappings_len == 1 && c->mounts[1].uid_mappings[0].host_id == 100000
          && c->mounts[1].gid_mappings[0].size == 65536,
      "idmapped mount");
  ok (c->hooks->prestart_len == 1 && c->hooks->create_runtime[0].timeout == 1 && c->hooks->create_container_len == 1
          && c->hooks->start_container_len == 1 && c->hooks->poststart[0].timeout == 5
          && c->hooks->poststop[0].timeout == INT64_MAX,
      "hooks");
  is_str (oci_string_map_get (&c->annotations, "com.example.key2"), "value2", "annotations");
  ok (l->namespaces_len == 8 && strcmp (l->namespaces[1].path, "/var/run/netns/neta") == 0
          && strcmp (l->namespaces[7].type, "time") == 0,
      "namespaces");
  ok (l->time_offsets->monotonic->secs == -172800 && l->time_offsets->monotonic->nanosecs == 999999999
          && l->time_offsets->boottime->secs == 604800,
      "timeOffsets");
  ok (l->devices_len == 3 && l->devices[0].file_mode == 438 && l->devices[1].file_mode == 511
          && !l->devices[2].has_major,
      "devices");
  ok (l->net_devices.len == 2 && strcmp (l->net_devices.values[0].name, "container_eth0") == 0
          && l->net_devices.values[1].name == NULL,
      "netDevices");
  ok (r->memory->limit == 536870912 && r->memory->swap == -1 && r->memory->swappiness == 60
          && r->memory->has_disable_oom_killer && !r->memory->disable_oom_killer && r->memory->check_before_update,
      "memory");
  ok (r->cpu->shares == UINT64_MAX && r->cpu->quota == 1000000 && r->cpu->burst == 500000 && r->cpu->idle == 1
          && strcmp (r->cpu->cpus, "2-3") == 0,
      "cpu");
  ok (r->pids->limit == -1, "pids.limit -1");
  ok (r->block_io->weight == 10 && r->block_io->leaf_weight == 1000 && r->block_io->weight_device_len == 2
          && !r->block_io->weight_device[1].has_weight && r->block_io->weight_device[1].leaf_weight == 65535
          && r->block_io->throttle_write_iops_device[0].rate == 300,
      "blockIO");
  ok (r->hugepage_limits_len == 2 && strcmp (r->hugepage_limits[1].page_size, "1GB") == 0, "hugepageLimits");
  ok (r->network->class_id == 1048577 && r->network->priorities[1].priority == 1000, "network");
  ok (r->rdma.len == 2 && r->rdma.values[0].hca_handles == 3 && !r->rdma.values[1].has_hca_handles, "rdma");
  is_str (oci_string_map_get (&r->unified, "memory.high"), "1073741824", "unified");
  ok (strcmp (l->seccomp->default_action, "SCMP_ACT_ERRNO") == 0 && l->seccomp->default_errno_ret == 1
          && l->seccomp->architectures_len == 3 && l->seccomp->flags_len == 2
          && strcmp (l->seccomp->listener_metadata, "foo") == 0,
      "seccomp");
  ok (l->seccomp->syscalls_len == 3 && l->seccomp->syscalls[1].errno_ret == 38
          && l->seccomp->syscalls[1].args_len == 2 && l->seccomp->syscalls[1].args[1].index == 5
          && l->seccomp->syscalls[1].args[1].has_value_two && l->seccomp->syscalls[1].args[1].value_two == UINT64_MAX
          && !l->seccomp->syscalls[1].args[0].has_value_two
          && strcmp (l->seccomp->syscalls[1].args[1].op, "SCMP_CMP_MASKED_EQ") == 0,
      "seccomp syscall args, valueTwo");
  is_str (oci_string_map_get (&l->sysctl, "net.core.somaxconn"), "256", "sysctl");
  ok (l->masked_paths_len == 2 && l->readonly_paths_len == 2 && strncmp (l->mount_label, "system_u:", 9) == 0
          && strcmp (l->rootfs_propagation, "slave") == 0 && strcmp (l->cgroups_path, "/myRuntime/myContainer") == 0,
      "paths, mountLabel, rootfsPropagation, cgroupsPath");
  ok (strcmp (l->intel_rdt->clos_id, "guaranteed_group") == 0
          && strcmp (l->intel_rdt->mem_bw_schema, "MB:0=20;1=70") == 0 && l->intel_rdt->schemata_len == 1
          && l->intel_rdt->enable_monitoring,
      "intelRdt");
  ok (strcmp (l->memory_policy->mode, "MPOL_INTERLEAVE") == 0 && strcmp (l->memory_policy->nodes, "2-3") == 0
          && l->memory_policy->flags_len == 1,
      "memoryPolicy");
  ok (strcmp (l->personality->domain, "LINUX32") == 0 && l->personality->flags && l->personality->flags_len == 0,
      "personality");
}

/* Every key of full-linux.json survives: the emitted text has as many
 * keys as the input (the input's key count is taken with the JSON module). */
static size_t
count_keys (const struct json_value *v)
{
  size_t n = 0;
  if (v->type == JSON_OBJECT)
    for (size_t i = 0; i < v->u.object.len; i++)
      n += 1 + count_keys (v->u.object.values[i]);
  else if (v->type == JSON_ARRAY)
    for (size_t i = 0; i < v->u.array.len; i++)
      n += count_keys (v->u.array.items[i]);
  return n;
}

static void
test_full_linux_nothing_lost (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_free char *path = fixture_path ("full-linux.json"), *text = NULL, *out = NULL;
  cleanup_runtime_config struct oci_runtime_config *c = NULL;
  cleanup_json struct json_value *in = NULL;
  cleanup_json struct json_value *back = NULL;
  size_t len = 0;
  FILE *f = fopen (path, "r");

  if (f)
    {
      text = calloc (1, 1 << 16);
      len = fread (text, 1, (1 << 16) - 1, f);
      fclose (f);
    }
  ok (text && json_parse (text, len, &in, &err) == 0, "full-linux.json read as JSON");
  ok (oci_runtime_config_parse_text ("full-linux.json", text, len, &c, &err) == 0
          && oci_runtime_config_emit (c, true, &out, &len, &err) == 0 && json_parse (out, len, &back, &err) == 0,
      "full-linux.json emitted");
  ok (in && back && count_keys (in) == count_keys (back), "every key of full-linux.json is bound (%zu keys)",
      in ? count_keys (in) : 0);
  oci_error_clear (&err);
}

static void
test_state (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_runtime_state struct oci_runtime_state *s = NULL;
  cleanup_free char *path = fixture_path ("state/good/spec-example.json"), *out = NULL;
  struct oci_runtime_state built = { 0 };
  cleanup_free char *built_text = NULL;

  ok (oci_runtime_state_parse_file (path, &s, &err) == 0, "state spec-example parses");
  if (s)
    {
      ok (strcmp (s->status, "running") == 0 && s->has_pid && s->pid == 4422
              && strcmp (s->bundle, "/containers/redis") == 0 && strcmp (s->id, "oci-container1") == 0,
          "state fields");
      ok (oci_runtime_state_emit (s, false, &out, NULL, &err) == 0, "state emit");
      is_str (out,
              "{\"ociVersion\":\"0.2.0\",\"id\":\"oci-container1\",\"status\":\"running\",\"pid\":4422,"
              "\"bundle\":\"/containers/redis\",\"annotations\":{\"myKey\":\"myValue\"}}",
              "state emitted text");
    }
  rejects (&state_doc, "{\"ociVersion\":\"1.0.0\",\"id\":\"c\",\"status\":\"paused\",\"bundle\":\"/b\"}",
           "state: status: expected one of \"creating\", \"created\", \"running\", \"stopped\", got \"paused\"");
  rejects (&state_doc, "{\"ociVersion\":\"1.0.0\",\"id\":\"c\",\"status\":\"created\",\"pid\":-1,\"bundle\":\"/b\"}",
           "state: pid: value -1 out of range [0, 9223372036854775807]");
  rejects (&state_doc, "{\"ociVersion\":\"1.0.0\",\"id\":\"c\",\"status\":\"created\"}",
           "state: bundle: required field missing");
  rejects (&state_doc, "{\"ociVersion\":\"1.0.0\",\"status\":\"created\",\"bundle\":\"/b\"}",
           "state: id: required field missing");

  /* A runtime builds the state in C and emits it. */
  built.oci_version = (char *) "1.3.0";
  built.id = (char *) "ctr";
  built.status = (char *) "stopped";
  built.bundle = (char *) "/run/b";
  ok (oci_runtime_state_emit (&built, false, &built_text, NULL, &err) == 0, "emit a state built in C");
  is_str (built_text, "{\"ociVersion\":\"1.3.0\",\"id\":\"ctr\",\"status\":\"stopped\",\"bundle\":\"/run/b\"}",
          "absent pid and annotations are omitted");
  oci_error_clear (&err);
}

static void
test_features (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  cleanup_runtime_features struct oci_runtime_features *f = NULL;
  cleanup_free char *path = fixture_path ("features/good/runc.json");
  struct oci_runtime_features *g;

  ok (oci_runtime_features_parse_file (path, &f, &err) == 0, "features runc.json parses");
  if (f)
    {
      const struct oci_features_linux *l = f->linux_;
      ok (strcmp (f->oci_version_min, "1.0.0") == 0 && strcmp (f->oci_version_max, "1.0.2-dev") == 0,
          "ociVersionMin/Max");
      ok (f->hooks_len == 6 && f->mount_options_len == 62, "hooks and mountOptions");
      ok (l->namespaces_len == 7 && l->capabilities_len == 41
              && strcmp (l->capabilities[40], "CAP_CHECKPOINT_RESTORE") == 0,
          "namespaces and capabilities");
      ok (l->cgroup->v1 && l->cgroup->systemd_user && !l->cgroup->has_rdma, "cgroup");
      ok (l->seccomp->enabled && l->seccomp->actions_len == 7 && l->seccomp->operators_len == 7
              && l->seccomp->archs_len == 16 && l->seccomp->known_flags_len == 1
              && l->seccomp->supported_flags_len == 1,
          "seccomp");
      ok (l->apparmor->enabled && l->selinux->enabled && l->net_devices->enabled && l->intel_rdt == NULL,
          "apparmor, selinux, netDevices");
      is_str (oci_string_map_get (&f->annotations, "org.opencontainers.runc.version"), "1.1.0+dev", "annotations");
    }

  g = accepts (
      &features_doc,
      "{\"ociVersionMin\":\"1.0.0\",\"ociVersionMax\":\"1.3.0\",\"potentiallyUnsafeConfigAnnotations\":"
      "[\"com.example.foo.bar\",\"org.systemd.property.\"],\"linux\":{\"cgroup\":{\"rdma\":true},"
      "\"intelRdt\":{\"enabled\":true,\"schemata\":true,\"monitoring\":false},\"mountExtensions\":{\"idmap\":"
      "{\"enabled\":true}},\"memoryPolicy\":{\"modes\":[\"MPOL_BIND\"],\"flags\":[\"MPOL_F_STATIC_NODES\"]}}}",
      "features with every linux section");
  if (g)
    {
      ok (g->potentially_unsafe_config_annotations_len == 2 && g->linux_->cgroup->rdma
              && g->linux_->intel_rdt->schemata && g->linux_->intel_rdt->has_monitoring
              && !g->linux_->intel_rdt->monitoring && g->linux_->mount_extensions->idmap->enabled
              && g->linux_->memory_policy->modes_len == 1,
          "unsafe annotations, rdma, intelRdt, idmap, memoryPolicy");
      round_trip (&features_doc, g, "features with every linux section");
    }
  oci_runtime_features_free (g);

  rejects (&features_doc, "{\"ociVersionMax\":\"1.0.0\"}", "features: ociVersionMin: required field missing");
  rejects (&features_doc, FEAT ("{\"namespaces\":[\"pid\",\"net\"]}"),
           "features: linux.namespaces[1]: expected one of \"mount\", \"pid\", \"network\", \"uts\", \"ipc\", "
           "\"user\", \"cgroup\", \"time\", got \"net\"");
  rejects (&features_doc, FEAT ("{\"capabilities\":[\"CAP_KILL\",\"KILL\"]}"),
           "features: linux.capabilities[1]: expected a name matching CAP_[A-Z_]+, got \"KILL\"");
  rejects (&features_doc, FEAT ("{\"seccomp\":{\"supportedFlags\":[\"X\"]}}"),
           "features: linux.seccomp.supportedFlags[0]: expected one of \"SECCOMP_FILTER_FLAG_TSYNC\", "
           "\"SECCOMP_FILTER_FLAG_LOG\", \"SECCOMP_FILTER_FLAG_SPEC_ALLOW\", "
           "\"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV\", got \"X\"");
  rejects (&features_doc, FEAT ("{\"apparmor\":{\"enabled\":1}}"),
           "features: linux.apparmor.enabled: expected boolean, got number");
  oci_error_clear (&err);
}

static void
test_missing_file (void)
{
  struct oci_error err = OCI_ERROR_INIT;
  struct oci_runtime_config *c = NULL;
  ok (oci_runtime_config_parse_file ("/nonexistent/config.json", &c, &err) < 0 && c == NULL && err.msg
          && strstr (err.msg, "/nonexistent/config.json") != NULL,
      "a missing file is an error naming it");
  oci_error_clear (&err);
}

int
main (void)
{
  fixtures = getenv ("FIXTURES");
  if (fixtures == NULL)
    {
      printf ("1..0 # SKIP FIXTURES is not set\n");
      return 0;
    }
  test_good (&config_doc);
  test_good (&state_doc);
  test_good (&features_doc);
  test_bad (&config_doc);
  test_bad (&state_doc);
  test_bad (&features_doc);
  test_config_rules ();
  test_full_linux ();
  test_full_linux_nothing_lost ();
  test_state ();
  test_features ();
  test_missing_file ();
  return tap_done ();
}
