/* RUN's network: see build_net.h.  The namespace, the veth pair and the
 * routes are made by iproute2's `ip` (two -batch files), the NAT by
 * `nft -f` (one transaction), all through common/spawn.h with argv
 * vectors. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec/build_net.h"
#include "exec/net_subnet.h"
#include "exec/rootless.h"
#include "cleanup.h"
#include "common/fs.h"
#include "common/spawn.h"
#include "common/strbuf.h"
#include "fileutil.h"

#define NET_RUN_DIR "/run/builder/net"
#define NET_SLOTS 1024 /* a /30 each: a /20 holds them (net_subnet.h) */
#define NET_OUTPUT_MAX (64 * 1024)
#define RESOLV_MAX (64 * 1024)

enum
{
  NET_MADE_NS = 1,   /* /run/netns/builder-N */
  NET_MADE_VETH = 2, /* bldvN */
  NET_MADE_NFT = 4,  /* table ip builder-N */
};

int
bld_network_parse (const char *s, enum bld_network *out)
{
  if (strcmp (s, "private") == 0 || strcmp (s, "default") == 0)
    *out = BLD_NETWORK_PRIVATE;
  else if (strcmp (s, "none") == 0)
    *out = BLD_NETWORK_NONE;
  else if (strcmp (s, "host") == 0)
    *out = BLD_NETWORK_HOST;
  else
    return -1;
  return 0;
}

/* A command started: its output is read and its status waited for by
 * net_finish. */
struct net_job
{
  const char *const *argv;
  pid_t pid;
  int fd;
};

/* Starts argv (looked up in PATH), its output captured for the message. */
static int
net_start (struct net_job *j, const char *const argv[], struct oci_error *err)
{
  static const struct cmn_spawn_options o = { .in = CMN_STDIO_NULL,
                                              .out = CMN_STDIO_PIPE,
                                              .err = CMN_STDIO_PIPE,
                                              .search_path = true,
                                              .exec_error_prefix = "exec " };
  j->argv = argv;
  j->fd = -1;
  return cmn_spawn (argv, &o, &j->pid, &j->fd, err);
}

static int
net_finish (struct net_job *j, struct oci_error *err)
{
  cleanup_free char *out = NULL;
  struct oci_error ignored = OCI_ERROR_INIT;
  size_t len = 0;

  if (oci_read_fd (j->fd, "output", NET_OUTPUT_MAX, &out, &len, &ignored) < 0)
    oci_error_clear (&ignored);
  close (j->fd);
  int st = cmn_wait (j->pid);
  if (st == 0)
    return 0;
  while (out && len && (out[len - 1] == '\n' || out[len - 1] == ' '))
    out[--len] = '\0';
  cleanup_strbuf struct strbuf cmd = STRBUF_INIT;
  for (size_t i = 0; j->argv[i]; i++)
    {
      if (i)
        strbuf_addc (&cmd, ' ');
      strbuf_adds (&cmd, j->argv[i]);
    }
  return oci_error_set (err, 0, "%s: exit status %d: %s", cmd.failed ? j->argv[0] : cmd.s, st,
                        out && *out ? out : "(no output)");
}

/* Runs the commands of argvs (NULL ones skipped) at the same time; the
 * first error is reported. */
static int
net_run (const char *const *const argvs[], size_t n, struct oci_error *err)
{
  struct net_job jobs[4];
  bool started[4] = { false };
  struct oci_error later = OCI_ERROR_INIT;
  int ret = 0;

  for (size_t i = 0; i < n && i < 4; i++)
    if (argvs[i] && ret == 0)
      {
        if (net_start (&jobs[i], argvs[i], err) < 0)
          ret = -1;
        else
          started[i] = true;
      }
  for (size_t i = 0; i < n && i < 4; i++)
    if (started[i] && net_finish (&jobs[i], ret < 0 ? &later : err) < 0)
      ret = -1;
  oci_error_clear (&later);
  return ret;
}

static int
write_text (const char *dir, const char *name, const char *text, char **path, struct oci_error *err)
{
  if (text == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  if (asprintf (path, "%s/%s", dir, name) < 0)
    {
      *path = NULL;
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  return oci_write_file_atomic (*path, text, strlen (text), 0644, err);
}

static bool
loopback_nameserver (const char *line, size_t len)
{
  static const char kw[] = "nameserver";
  if (len < sizeof kw || strncmp (line, kw, sizeof kw - 1) != 0
      || (line[sizeof kw - 1] != ' ' && line[sizeof kw - 1] != '\t'))
    return false;
  const char *a = line + sizeof kw - 1;
  a += strspn (a, " \t");
  return strncmp (a, "127.", 4) == 0 || strncmp (a, "::1", 3) == 0;
}

/* The lines of text but nameservers on loopback (unreachable from
 * another namespace); *kept counts the nameservers left. */
static void
resolv_filter (const char *text, struct strbuf *out, size_t *kept)
{
  *kept = 0;
  for (const char *p = text; *p;)
    {
      size_t len = strcspn (p, "\n");
      if (!loopback_nameserver (p, len))
        {
          strbuf_add (out, p, len);
          strbuf_addc (out, '\n');
          if (strncmp (p, "nameserver", 10) == 0)
            ++*kept;
        }
      p += len + (p[len] == '\n');
    }
}

/* resolv.conf: the host's ($BUILDER_RESOLV_CONF, else /etc/resolv.conf)
 * as it is for the host's network; for a namespace of its own without
 * loopback resolvers, then systemd-resolved's upstream list when nothing
 * was left, and no nameserver at all (a comment says why) when that has
 * none either: no public resolver is made up. */
static int
make_resolv_conf (struct bld_net *n, const char *work, struct oci_error *err)
{
  const char *env = getenv ("BUILDER_RESOLV_CONF");
  const char *sources[] = { env && *env ? env : "/etc/resolv.conf", "/run/systemd/resolve/resolv.conf" };
  cleanup_strbuf struct strbuf sb = STRBUF_INIT;
  size_t kept = 0;

  for (size_t i = 0; i < 2 && kept == 0; i++)
    {
      cleanup_free char *text = NULL;
      struct oci_error e2 = OCI_ERROR_INIT;
      size_t len;
      if (oci_read_file (sources[i], RESOLV_MAX, &text, &len, &e2) < 0)
        {
          oci_error_clear (&e2);
          continue;
        }
      sb.len = 0; /* a later source replaces an earlier one */
      if (sb.s)
        sb.s[0] = '\0';
      if (n->mode == BLD_NETWORK_HOST)
        {
          strbuf_add (&sb, text, len);
          break;
        }
      resolv_filter (text, &sb, &kept);
    }
  /* slirp4netns forwards DNS from 10.0.2.3 to the host's resolver. */
  if (n->mode != BLD_NETWORK_HOST && kept == 0 && n->rootless.slirp > 0)
    strbuf_adds (&sb, "nameserver 10.0.2.3\n");
  else if (n->mode != BLD_NETWORK_HOST && kept == 0)
    strbuf_adds (&sb, "# builder: the host has no resolver reachable from a RUN step's network\n");
  return write_text (work, "resolv.conf", sb.failed ? NULL : sb.s ? sb.s : "", &n->resolv_conf, err);
}

static int
make_hosts (struct bld_net *n, const char *work, const char *hostname, const char *addr, struct oci_error *err)
{
  cleanup_strbuf struct strbuf sb = STRBUF_INIT;
  strbuf_adds (&sb, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
  strbuf_adds (&sb, addr);
  strbuf_addc (&sb, '\t');
  strbuf_adds (&sb, hostname);
  strbuf_addc (&sb, '\n');
  return write_text (work, "hosts", sb.failed ? NULL : sb.s, &n->hosts, err);
}

/* Slot i's lock, taken without waiting: its fd, -1 when another build
 * holds it (err untouched), -2 on error. */
static int
lock_slot (int i, struct oci_error *err)
{
  char path[sizeof NET_RUN_DIR + 32];
  snprintf (path, sizeof path, NET_RUN_DIR "/slot-%d.lock", i);
  int fd = open (path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    {
      oci_error_set (err, errno, "open %s", path);
      return -2;
    }
  if (flock (fd, LOCK_EX | LOCK_NB) == 0)
    return fd;
  int e = errno;
  close (fd);
  if (e != EWOULDBLOCK)
    {
      oci_error_set (err, e, "lock %s", path);
      return -2;
    }
  return -1;
}

/* The lowest free slot, its lock held in n->lock_fd. */
static int
take_slot (struct bld_net *n, struct oci_error *err)
{
  if (cmn_mkdir_p (NET_RUN_DIR, 0700, err) < 0)
    return -1;
  for (int i = 0; i < NET_SLOTS; i++)
    {
      int fd = lock_slot (i, err);
      if (fd == -2)
        return -1;
      if (fd >= 0)
        {
          n->slot = i;
          n->lock_fd = fd;
          return 0;
        }
    }
  return oci_error_set (err, 0, "all %d network slots are in use (" NET_RUN_DIR ")", NET_SLOTS);
}

/* Whether slot's veth (on the host) or namespace exists. */
static bool
exists (bool netns, int slot)
{
  char path[64];
  if (netns)
    snprintf (path, sizeof path, "/run/netns/builder-%d", slot);
  else
    snprintf (path, sizeof path, "/sys/class/net/bldv%d", slot);
  return access (path, F_OK) == 0;
}

/* Routing between the step's veth and the host's uplinks.  Like docker,
 * builder turns net.ipv4.ip_forward on and leaves it on: turning it off
 * again would cut whatever else routes (other builds, containers, VMs)
 * with no way to know who else needs it. */
static int
enable_forwarding (struct oci_error *err)
{
  static const char path[] = "/proc/sys/net/ipv4/ip_forward";
  cleanup_free char *v = NULL;
  size_t len;
  if (oci_read_file (path, 16, &v, &len, err) < 0)
    return -1;
  if (len && v[0] == '1')
    return 0;
  cleanup_close int fd = open (path, O_WRONLY | O_CLOEXEC);
  if (fd < 0 || oci_write_all (fd, "1\n", 2) < 0)
    return oci_error_set (err, errno, "write %s", path);
  return 0;
}

/* Removes what n->made says (the veth and namespace only while they
 * exist); the first error is reported, the rest still removed. */
static int
remove_made (struct bld_net *n, struct oci_error *err)
{
  char table[32], veth[32];
  int s = n->slot, ret = 0;
  snprintf (table, sizeof table, "builder-%d", s);
  snprintf (veth, sizeof veth, "bldv%d", s);
  const char *nft_del[] = { "nft", "delete", "table", "ip", table, NULL };
  const char *link_del[] = { "ip", "link", "del", veth, NULL };
  const char *ns_del[] = { "ip", "netns", "del", table, NULL };
  /* The veth before the namespace: a namespace's interfaces go with it
   * only once the kernel has freed it, later. */
  const char *const *first[] = { (n->made & NET_MADE_NFT) ? nft_del : NULL,
                                 (n->made & NET_MADE_VETH) && exists (false, s) ? link_del : NULL };
  const char *const *then[] = { (n->made & NET_MADE_NS) && exists (true, s) ? ns_del : NULL };
  struct oci_error later = OCI_ERROR_INIT;

  if (net_run (first, 2, err) < 0)
    ret = -1;
  if (net_run (then, 1, ret < 0 ? &later : err) < 0)
    ret = -1;
  oci_error_clear (&later);
  if (ret == 0)
    n->made = 0;
  return ret;
}

/* What a build killed in slot n->slot left behind: its nft table goes
 * by add + delete (no error when it is not there).  Only then: the
 * deletion waits for the kernel (an RCU grace period). */
static int
remove_stale (struct bld_net *n, const char *work, struct oci_error *err)
{
  int s = n->slot;
  if (!exists (false, s) && !exists (true, s))
    return 0;
  cleanup_free char *stale = NULL, *stale_path = NULL;
  n->made = NET_MADE_VETH | NET_MADE_NS;
  if (asprintf (&stale, "add table ip builder-%d\ndelete table ip builder-%d\n", s, s) < 0)
    stale = NULL;
  if (remove_made (n, err) < 0 || write_text (work, "net-stale.nft", stale, &stale_path, err) < 0)
    return oci_error_prefix (err, "remove what a killed build left in network slot %d", s);
  const char *nft_stale[] = { "nft", "-f", stale_path, NULL };
  const char *const *cmds[] = { nft_stale };
  if (net_run (cmds, 1, err) < 0)
    return oci_error_prefix (err, "remove what a killed build left in network slot %d", s);
  return 0;
}

/* The leftovers of builds killed in other slots go too (their namespace
 * still there, their lock free): the next step of any build clears them,
 * whichever slot it took.  Best effort: a failure leaves them for the
 * step that takes that slot. */
static void
sweep_stale_slots (const struct bld_net *n, const char *work)
{
  cleanup_closedir DIR *d = opendir ("/run/netns");
  struct dirent *de;
  if (d == NULL)
    return;
  while ((de = cmn_readdir (d)) != NULL)
    {
      struct oci_error ignored = OCI_ERROR_INIT;
      int s, used = 0;
      if (sscanf (de->d_name, "builder-%d%n", &s, &used) != 1 || de->d_name[used] != '\0' || s < 0 || s >= NET_SLOTS
          || s == n->slot)
        continue;
      int fd = lock_slot (s, &ignored);
      if (fd >= 0)
        {
          struct bld_net other = BLD_NET_INIT;
          other.slot = s;
          remove_stale (&other, work, &ignored);
          close (fd);
        }
      oci_error_clear (&ignored);
    }
}

static void
ipv4_text (uint32_t a, const char *suffix, char *buf, size_t size)
{
  snprintf (buf, size, "%u.%u.%u.%u%s", a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff, suffix);
}

/* The namespace, the veth pair, addresses, routes and NAT of slot n->slot. */
static int
make_private (struct bld_net *n, const char *work, char *addr, size_t addr_size, struct oci_error *err)
{
  int s = n->slot;
  uint32_t subnet;
  char host_ip[32], net[32];
  if (bld_net_subnet (&subnet, err) < 0)
    return -1;
  uint32_t base = subnet + (uint32_t) s * 4;
  ipv4_text (base + 1, "", host_ip, sizeof host_ip);
  ipv4_text (base + 2, "", addr, addr_size);
  ipv4_text (base, "/30", net, sizeof net);

  if (remove_stale (n, work, err) < 0)
    return -1;
  sweep_stale_slots (n, work);

  cleanup_free char *host = NULL, *inside = NULL, *nft = NULL;
  if (asprintf (&host,
                "netns add builder-%d\nlink add bldv%d type veth peer name eth0 netns builder-%d\n"
                "addr add %s/30 dev bldv%d\nlink set bldv%d up\n",
                s, s, s, host_ip, s, s)
      < 0)
    host = NULL;
  if (asprintf (&inside, "link set lo up\naddr add %s/30 dev eth0\nlink set eth0 up\nroute add default via %s\n",
                addr, host_ip)
      < 0)
    inside = NULL;
  if (asprintf (&nft,
                "table ip builder-%d {\n"
                " chain postrouting {\n  type nat hook postrouting priority srcnat; policy accept;\n"
                "  ip saddr %s oifname != \"bldv%d\" masquerade\n }\n}\n",
                s, net, s)
      < 0)
    nft = NULL;
  if (host == NULL || inside == NULL || nft == NULL)
    return oci_error_set (err, ENOMEM, "out of memory");
  char ns[32];
  snprintf (ns, sizeof ns, "builder-%d", s);
  cleanup_free char *host_path = NULL, *inside_path = NULL, *nft_path = NULL;
  if (write_text (work, "net-host.ip", host, &host_path, err) < 0
      || write_text (work, "net-inside.ip", inside, &inside_path, err) < 0
      || write_text (work, "net.nft", nft, &nft_path, err) < 0)
    return -1;
  const char *ip_host[] = { "ip", "-batch", host_path, NULL };
  const char *nft_f[] = { "nft", "-f", nft_path, NULL };
  const char *ip_inside[] = { "ip", "-n", ns, "-batch", inside_path, NULL };
  const char *const *first[] = { ip_host, nft_f }, *const * then[] = { ip_inside };

  /* The table names the veth, which need not exist yet: both at once. */
  n->made = NET_MADE_NS | NET_MADE_VETH | NET_MADE_NFT;
  if (net_run (first, 2, err) < 0 || net_run (then, 1, err) < 0)
    return -1;
  if (enable_forwarding (err) < 0)
    return -1;
  if (asprintf (&n->netns_path, "/run/netns/%s", ns) < 0)
    {
      n->netns_path = NULL;
      return oci_error_set (err, ENOMEM, "out of memory");
    }
  return 0;
}

/* A rootless build's private network; where it cannot be had, none and
 * a warning (once a build): a missing /dev/net/tun or pasta should not
 * stop a build that may not need the network. */
static int
rootless_private (struct bld_net *n, const char *work, enum bld_network *mode, struct oci_error *err)
{
  static bool warned;
  cleanup_error struct oci_error e = OCI_ERROR_INIT;

  if (bld_rootless_net_start (work, &n->rootless, &e) == 0)
    {
      n->netns_path = strdup (n->rootless.ns_path);
      return n->netns_path ? 0 : oci_error_set (err, ENOMEM, "netns path");
    }
  *mode = BLD_NETWORK_NONE;
  if (warned)
    return 0;
  warned = true;
  if (asprintf (&n->warning, "%s: RUN has no network (--network none|host to choose)", oci_error_msg (&e)) < 0)
    {
      n->warning = NULL;
      return oci_error_set (err, ENOMEM, "warning");
    }
  return 0;
}

int
bld_net_prepare (struct bld_net *n, enum bld_network mode, const char *work, const char *hostname,
                 struct oci_error *err)
{
  char addr[32] = "127.0.1.1";

  /* Not root: the runtime's empty namespace, as before RUN had network.
   * Root of our own user namespace: build_net_rootless.c's. */
  if (mode == BLD_NETWORK_PRIVATE && geteuid () != 0)
    mode = BLD_NETWORK_NONE;
  if (mode == BLD_NETWORK_PRIVATE && bld_rootless_active () && rootless_private (n, work, &mode, err) < 0)
    return -1;
  n->mode = mode;
  if (mode == BLD_NETWORK_PRIVATE && !n->rootless.ns_path
      && (take_slot (n, err) < 0 || make_private (n, work, addr, sizeof addr, err) < 0))
    return oci_error_prefix (err, "RUN's network");
  if (make_resolv_conf (n, work, err) < 0 || make_hosts (n, work, hostname, addr, err) < 0)
    return -1;
  return 0;
}

int
bld_net_teardown (struct bld_net *n, struct oci_error *err)
{
  int ret = 0;
  if (n->slot >= 0 && remove_made (n, err) < 0)
    ret = oci_error_prefix (err, "RUN's network");
  if (n->lock_fd >= 0)
    close (n->lock_fd);
  bld_rootless_net_stop (&n->rootless);
  free (n->warning);
  free (n->netns_path);
  free (n->resolv_conf);
  free (n->hosts);
  *n = (struct bld_net) BLD_NET_INIT;
  return ret;
}
