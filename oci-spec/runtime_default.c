/* The default runtime config.json, shared by runc-lite's `spec` and the
 * builder's `unpack` / `run` (which must not need the runtime to make a
 * bundle). */
#include "config.h"
#include "runtime_default.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "cleanup.h"
#include "version.h"

/* The same container runc's `spec` describes: a shell, few capabilities,
 * no new privileges, a read-only root, the usual pseudo-filesystems and
 * private namespaces.  The rootless variant maps the caller to root in a
 * user namespace, has no network namespace (sysfs then cannot be mounted:
 * the host's /sys is bound instead), no devpts gid (unmapped), no cgroup
 * mount and no resources (no rights on cgroups). */

#define CAPS "[\"CAP_AUDIT_WRITE\",\"CAP_KILL\",\"CAP_NET_BIND_SERVICE\"]"

#define HEAD                                                                                                     \
  "{\"ociVersion\":\"" OCI_RUNTIME_SPEC_VERSION "\","                                                            \
  "\"process\":{\"terminal\":true,\"user\":{\"uid\":0,\"gid\":0},\"args\":[\"sh\"],"                             \
  "\"env\":[\"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\",\"TERM=xterm\"],"              \
  "\"cwd\":\"/\","                                                                                               \
  "\"capabilities\":{\"bounding\":" CAPS ",\"effective\":" CAPS ",\"permitted\":" CAPS ",\"ambient\":" CAPS "}," \
  "\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1024,\"soft\":1024}],"                                      \
  "\"noNewPrivileges\":true},"                                                                                   \
  "\"root\":{\"path\":\"rootfs\",\"readonly\":true},"                                                            \
  "\"hostname\":\"runc-lite\","                                                                                  \
  "\"mounts\":["                                                                                                 \
  "{\"destination\":\"/proc\",\"type\":\"proc\",\"source\":\"proc\"},"                                           \
  "{\"destination\":\"/dev\",\"type\":\"tmpfs\",\"source\":\"tmpfs\","                                           \
  "\"options\":[\"nosuid\",\"strictatime\",\"mode=755\",\"size=65536k\"]},"

#define DEVPTS(gid)                                                          \
  "{\"destination\":\"/dev/pts\",\"type\":\"devpts\",\"source\":\"devpts\"," \
  "\"options\":[\"nosuid\",\"noexec\",\"newinstance\",\"ptmxmode=0666\",\"mode=0620\"" gid "]},"

#define SHM_MQUEUE                                                                \
  "{\"destination\":\"/dev/shm\",\"type\":\"tmpfs\",\"source\":\"shm\","          \
  "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"mode=1777\",\"size=65536k\"]}," \
  "{\"destination\":\"/dev/mqueue\",\"type\":\"mqueue\",\"source\":\"mqueue\","   \
  "\"options\":[\"nosuid\",\"noexec\",\"nodev\"]},"

#define PATHS                                                                                                \
  "\"maskedPaths\":[\"/proc/acpi\",\"/proc/asound\",\"/proc/kcore\",\"/proc/keys\",\"/proc/latency_stats\"," \
  "\"/proc/timer_list\",\"/proc/timer_stats\",\"/proc/sched_debug\",\"/sys/firmware\",\"/proc/scsi\"],"      \
  "\"readonlyPaths\":[\"/proc/bus\",\"/proc/fs\",\"/proc/irq\",\"/proc/sys\",\"/proc/sysrq-trigger\"]}}"

static const char default_spec[] = HEAD DEVPTS (",\"gid=5\"") SHM_MQUEUE
    "{\"destination\":\"/sys\",\"type\":\"sysfs\",\"source\":\"sysfs\","
    "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"ro\"]},"
    "{\"destination\":\"/sys/fs/cgroup\",\"type\":\"cgroup\",\"source\":\"cgroup\","
    "\"options\":[\"nosuid\",\"noexec\",\"nodev\",\"relatime\",\"ro\"]}],"
    "\"linux\":{"
    "\"resources\":{\"devices\":[{\"allow\":false,\"access\":\"rwm\"}]},"
    "\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"network\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},"
    "{\"type\":\"mount\"},{\"type\":\"cgroup\"}]," PATHS;

static const char rootless_spec[] = HEAD DEVPTS ("") SHM_MQUEUE
    "{\"destination\":\"/sys\",\"type\":\"none\",\"source\":\"/sys\","
    "\"options\":[\"rbind\",\"nosuid\",\"noexec\",\"nodev\",\"ro\"]}],"
    "\"linux\":{"
    "\"uidMappings\":[{\"containerID\":0,\"hostID\":%u,\"size\":1}],"
    "\"gidMappings\":[{\"containerID\":0,\"hostID\":%u,\"size\":1}],"
    "\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"uts\"},{\"type\":\"mount\"},"
    "{\"type\":\"cgroup\"},{\"type\":\"user\"}]," PATHS;

int
oci_runtime_default_config (bool rootless, struct oci_runtime_config **out, struct oci_error *err)
{
  cleanup_free char *text = NULL;
  int n;

  if (!rootless)
    return oci_runtime_config_parse_text ("default spec", default_spec, sizeof default_spec - 1, out, err);
  n = asprintf (&text, rootless_spec, (unsigned) geteuid (), (unsigned) getegid ());
  if (n < 0)
    return oci_error_set (err, ENOMEM, "spec");
  return oci_runtime_config_parse_text ("rootless spec", text, (size_t) n, out, err);
}
