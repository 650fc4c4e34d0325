#!/usr/bin/env python3
"""bench/run-cpu.py [RUNS]: CPU time of `run` of /bin/true, runc-lite
against crun, like for like (one private mount namespace for all, with
/sys/fs/cgroup/unified unmounted, the same bundle as bench/lifecycle.sh's).

CPU time (user + system of the runtime and every process it waited for,
from wait4's rusage) holds up on a busy machine where wall-clock medians do
not: the runtimes are interleaved run by run, and the table gives medians.
Each runtime is timed twice: as installed (runc-lite from the build tree,
crun from /usr/bin: both re-execute a protected copy of themselves for
CVE-2019-5736) and from a read-only bind mount of a copy (neither copies
nor re-executes itself there).  Run from the top of the tree, as root,
after a build; RUNC_LITE names another binary.
"""
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def build_bundle(work, runc_lite, busybox):
    rootfs = os.path.join(work, "bundle", "rootfs")
    for d in ("bin", "sbin", "etc", "proc", "sys", "dev", "tmp", "root", "usr/bin", "usr/sbin", "var"):
        os.makedirs(os.path.join(rootfs, d), exist_ok=True)
    shutil.copy(busybox, os.path.join(rootfs, "bin", "busybox"))
    applets = subprocess.run([busybox, "--list"], capture_output=True, text=True, check=True).stdout.split()
    for applet in applets:
        if applet != "busybox":
            os.symlink("busybox", os.path.join(rootfs, "bin", applet))
    os.chmod(os.path.join(rootfs, "tmp"), 0o1777)
    with open(os.path.join(rootfs, "etc", "passwd"), "w") as f:
        f.write("root:x:0:0:root:/root:/bin/sh\n")
    with open(os.path.join(rootfs, "etc", "group"), "w") as f:
        f.write("root:x:0:\n")
    bundle = os.path.dirname(rootfs)
    subprocess.run([runc_lite, "spec"], cwd=bundle, check=True)
    # crun 1.8 refuses runc-lite's ociVersion (1.3.0): all read 1.0.2
    config = os.path.join(bundle, "config.json")
    out = subprocess.run(["jq", '.process.terminal = false | .process.args = ["/bin/true"] | .ociVersion = "1.0.2"',
                          config], capture_output=True, text=True, check=True).stdout
    with open(config, "w") as f:
        f.write(out)
    return bundle


def time_runs(tools, bundle, work, runs):
    """Interleaved: each round runs every tool once; 2 warm-up rounds."""
    cpu = {name: [] for name, _ in tools}
    wall = {name: [] for name, _ in tools}
    devnull = os.open(os.devnull, os.O_RDWR)
    for i in range(runs + 2):
        for name, binary in tools:
            argv = [binary, "--root", os.path.join(work, "root-" + name), "run", "--bundle", bundle, "bench"]
            t0 = time.monotonic()
            pid = os.fork()
            if pid == 0:
                os.dup2(devnull, 0)
                os.dup2(devnull, 1)
                os.execv(binary, argv)
            _, status, ru = os.wait4(pid, 0)
            elapsed = time.monotonic() - t0
            if status != 0:
                sys.exit("%s: %s failed (wait status %d)" % (sys.argv[0], " ".join(argv), status))
            if i >= 2:
                cpu[name].append((ru.ru_utime + ru.ru_stime) * 1000)
                wall[name].append(elapsed * 1000)
    return cpu, wall


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    if os.environ.get("RL_BENCH_INNER") != "1":
        if os.geteuid() != 0:
            sys.exit("%s: must run as root (the runtimes create namespaces)" % sys.argv[0])
        os.environ["RL_BENCH_INNER"] = "1"
        os.execvp("unshare", ["unshare", "-m", "--propagation", "private", sys.executable] + sys.argv)
    if subprocess.run(["mountpoint", "-q", "/sys/fs/cgroup/unified"]).returncode == 0:
        subprocess.run(["umount", "/sys/fs/cgroup/unified"], check=True)
    runc_lite = os.path.abspath(os.environ.get("RUNC_LITE", "runc-lite/runc-lite"))
    crun = shutil.which("crun")
    if not os.access(runc_lite, os.X_OK) or crun is None:
        sys.exit("%s: needs %s (build first) and crun" % (sys.argv[0], runc_lite))
    with tempfile.TemporaryDirectory(prefix="rl-bench-cpu.") as work:
        bundle = build_bundle(work, runc_lite, os.environ.get("BUSYBOX", "/bin/busybox"))
        ro = os.path.join(work, "ro")
        os.mkdir(ro)
        shutil.copy(runc_lite, os.path.join(ro, "runc-lite"))
        shutil.copy(crun, os.path.join(ro, "crun"))
        # in this private namespace only; unmounted before the cleanup
        subprocess.run(["mount", "--bind", "-o", "ro", ro, ro], check=True)
        try:
            tools = [("runc-lite", runc_lite), ("crun", crun),
                     ("runc-lite-ro", os.path.join(ro, "runc-lite")), ("crun-ro", os.path.join(ro, "crun"))]
            with open("/proc/loadavg") as f:
                load_before = " ".join(f.read().split()[:3])
            cpu, wall = time_runs(tools, bundle, work, runs)
            with open("/proc/loadavg") as f:
                load_after = " ".join(f.read().split()[:3])
        finally:
            subprocess.run(["umount", ro], check=True)
    print("run /bin/true, %d interleaved runs each; one private mount namespace, "
          "/sys/fs/cgroup/unified unmounted; load %s -> %s" % (runs, load_before, load_after))
    print("%-14s %12s %12s %16s" % ("runtime", "CPU median", "wall median", "CPU / crun's"))
    for name, _ in tools:
        base = "crun-ro" if name.endswith("-ro") else "crun"
        ratio = statistics.median(cpu[name]) / statistics.median(cpu[base])
        print("%-14s %9.2f ms %9.2f ms %16.2f" % (name, statistics.median(cpu[name]), statistics.median(wall[name]),
                                                  ratio))


if __name__ == "__main__":
    main()
