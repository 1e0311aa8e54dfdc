#!/usr/bin/env python3
"""(12) What other users set up cannot make a root run of pidns-tree --all (or --ns, --to) hang,
fail, open a file that is not a namespace, or miss what it should find:

(a) a descriptor swapped, again and again, between a PID namespace and a FIFO (and /dev/zero):
    the run never blocks and never opens fd/N without O_PATH (strace);
(b) --ns FIFO and --to FIFO: one error line, exit 1, no hang;
(c) a bind mount whose path a chrooted holder covered with an absolute symbolic link to a FIFO
    outside its root: reported as unreachable, never followed out of the root;
(d) a bind mount covered by a file bind-mounted over it, and one below a directory that a later
    mount turned into a file (ENOTDIR): reported on stderr, exit 0;
(e) a mount namespace with 400 mounts before the bind mount (mountinfo is read a page at a time)
    and a holder with 400 descriptors before the namespace's: both found;
(f) a mount namespace whose lowest PID is chrooted: the bind mount outside its root is found
    through the other process;
(g) a zombie is not "waiting for its first child"; a live process after unshare(CLONE_NEWPID)
    is.
Each holder runs in a private mount namespace of its own; everything is killed at the end."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import harness as h

HANG_TIMEOUT = 20  # seconds: far more than a run takes; reaching it means pidns-tree blocked

# A namespace that no process lives in, held by whatever the test does with its /proc/PID/ns/pid:
# `unshare --pid --fork` whose init is killed once the holder reports it holds the namespace.
def start_ns():
    p = h.start(["unshare", "--pid", "--fork", "--kill-child", "sleep", "600"],
                stdout=subprocess.PIPE)
    init = h.wait_for("the namespace's init", lambda: h.child_pids(p.pid))[0]
    return p, init, h.stat_ns(f"/proc/{init}/ns/pid")


def run_all(args=("--all", "--json"), prefix=()):
    """pidns-tree with a timeout that means a hang; returns the CompletedProcess."""
    try:
        return h.run(list(args), prefix=prefix, timeout=HANG_TIMEOUT)
    except subprocess.TimeoutExpired as e:
        raise AssertionError(f"pidns-tree {' '.join(args)} hung for {HANG_TIMEOUT} s") from e


def doc_of(res, what):
    if res.returncode != 0:
        raise AssertionError(f"{what}: {h.describe(res)}")
    return json.loads(res.stdout)


def pins_of(doc, key):
    nodes = {(n["dev"], n["ino"]): n for n, _ in h.walk(doc["pidns"])}
    if key not in nodes:
        raise AssertionError(f"pid:[{key[1]}] is not in the tree")
    return nodes[key]["pins"]


def unreachable_line(res):
    lines = [ln for ln in res.stderr.decode(errors="replace").splitlines()
             if "could not be opened by" in ln]
    return lines[0] if len(lines) == 1 else None


def holder(script, *args):
    """sh -c SCRIPT in a private mount namespace, which prints "ready" when set up."""
    p = h.start(["unshare", "--mount", "--propagation", "private", "sh", "-ec", script, "sh",
                 *args], stdout=subprocess.PIPE)
    line = p.stdout.readline()
    if line.strip() != b"ready":
        raise AssertionError(f"holder did not set up: {line!r} (exit {p.poll()})")
    return p


SWAPPER = r"""
import os, sys
ns = os.open(sys.argv[1], os.O_RDONLY)
fifo = os.open(sys.argv[2], os.O_RDONLY | os.O_NONBLOCK)  # no writer: open(O_RDONLY) would block
zero = os.open("/dev/zero", os.O_RDONLY)
print(100, flush=True)
while True:
    for fd in (ns, fifo, ns, zero):
        os.dup2(fd, 100)
"""


def case_fd_swap(tmp, procs):
    ns_proc, _, ns = start_ns()
    procs.append(ns_proc)
    fifo = os.path.join(tmp, "swap-fifo")
    os.mkfifo(fifo)
    init = h.child_pids(ns_proc.pid)[0]
    swapper = h.start([sys.executable, "-c", SWAPPER, f"/proc/{init}/ns/pid", fifo],
                      stdout=subprocess.PIPE)
    procs.append(swapper)
    swapper.stdout.readline()
    deadline = time.monotonic() + 3
    runs = 0
    while time.monotonic() < deadline:
        res = run_all()
        if res.returncode != 0:
            raise AssertionError(f"(a) fd swap: {h.describe(res)}")
        runs += 1
    # Every open of another process's descriptor is O_PATH: nothing its owner swaps in gets
    # opened. (Reopening pidns-tree's own O_PATH descriptors through its /proc/self/fd is how
    # the checked namespaces become usable for ioctls.)
    if h.have_program("strace", "strace", "(a) O_PATH on every open of another's descriptor"):
        log = os.path.join(tmp, "strace.log")
        res = h.run(["--all", "--json"], prefix=["strace", "-f", "-y", "-e", "trace=openat",
                                                 "-o", log],
                    ptrace=True, stdout=subprocess.DEVNULL, timeout=HANG_TIMEOUT)
        if res.returncode != 0:
            raise AssertionError(f"(a) under strace: {h.describe(res)}")
        opens = re.compile(r'^(\d+)\s+openat\(\d+</proc/(\d+)/fd>, "\d+", ([A-Z_|]+)')
        seen, bad = 0, []
        with open(log, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = opens.match(line)
                if m and m[1] != m[2]:
                    seen += 1
                    if "O_PATH" not in m[3]:
                        bad.append(line.strip())
        if bad or not seen:
            raise AssertionError(f"(a) {seen} opens of descriptors, without O_PATH: {bad[:3]}")
    print(f"(a) fd swapped between a namespace, a FIFO and /dev/zero: {runs} runs, none hung")


def case_named_fifo(tmp):
    fifo = os.path.join(tmp, "named-fifo")
    os.mkfifo(fifo)
    for args in (["--ns", fifo], ["--translate", str(os.getpid()), "--to", fifo]):
        res = run_all(args)
        err = res.stderr.decode(errors="replace").strip()
        if res.returncode != 1 or res.stdout or fifo not in err or "not a PID namespace file" not in err:
            raise AssertionError(f"(b) {args}: exit {res.returncode}, stderr {err!r}")
    print("(b) --ns FIFO and --to FIFO: one error line each")


# In a private mount namespace: bind-mount the namespace at $ROOT/cover/pin, cover $ROOT/cover
# with a tmpfs holding an absolute symbolic link "pin" -> $2, and chroot into $ROOT.
SYMLINK_HOLDER = """
root=$1; target=$2; ns=$3
mkdir -p "$root/cover"; touch "$root/cover/pin"
mount --bind "$ns" "$root/cover/pin"
mount -t tmpfs none "$root/cover"
ln -s "$target" "$root/cover/pin"
exec chroot "$root" /pause
"""


def case_symlink(tmp, procs, pause):
    ns_proc, init, ns = start_ns()
    procs.append(ns_proc)
    root = os.path.join(tmp, "chroot")
    os.makedirs(root)
    shutil.copy(pause, os.path.join(root, "pause"))
    fifo = os.path.join(tmp, "escape-fifo")
    os.mkfifo(fifo)
    procs.append(holder(SYMLINK_HOLDER, root, fifo, f"/proc/{init}/ns/pid"))
    ns_proc.kill()  # the namespace is now held by the covered bind mount only
    res = run_all()
    doc_of(res, "(c) symlink")
    line = unreachable_line(res)
    if line is None or "/cover/pin" not in line or f"pid:[{ns[1]}]" not in line:
        raise AssertionError(f"(c) symlink: stderr {res.stderr!r}")
    print(f"(c) covered by a symlink out of the chroot: {line}")


COVER_HOLDER = """
dir=$1; ns=$2; kind=$3
mkdir -p "$dir/a/b"; touch "$dir/a/pin" "$dir/a/b/pin" "$dir/file"
if [ "$kind" = file ]; then
  mount --bind "$ns" "$dir/a/pin"
  mount --bind "$dir/file" "$dir/a/pin"      # a file over the namespace
else
  mount --bind "$ns" "$dir/a/b/pin"
  mount -t tmpfs none "$dir/a"; touch "$dir/a/b"  # a/b is now a file: ENOTDIR
fi
echo ready
exec sleep 600
"""


def case_covered(tmp, procs, kind):
    ns_proc, init, ns = start_ns()
    procs.append(ns_proc)
    d = os.path.join(tmp, f"covered-{kind}")
    procs.append(holder(COVER_HOLDER, d, f"/proc/{init}/ns/pid", kind))
    ns_proc.kill()
    res = run_all()
    doc_of(res, f"(d) covered by {kind}")
    line = unreachable_line(res)
    if line is None or f"pid:[{ns[1]}]" not in line:
        raise AssertionError(f"(d) covered by {kind}: stderr {res.stderr!r}")
    print(f"(d) covered ({kind}): {line}")


MANY_HOLDER = """
dir=$1; ns=$2
mkdir -p "$dir/m"
i=0
while [ $i -lt 400 ]; do mkdir "$dir/m/$i"; mount -t tmpfs "filler$i" "$dir/m/$i"; i=$((i+1)); done
touch "$dir/pin"; mount --bind "$ns" "$dir/pin"
echo ready
exec sleep 600
"""

FD_HOLDER = r"""
import os, sys
keep = [os.open("/dev/null", os.O_RDONLY) for _ in range(400)]
print(os.open(sys.argv[1], os.O_RDONLY), flush=True)
sys.stdin.readline()
"""


def case_many(tmp, procs):
    ns_proc, init, ns = start_ns()
    procs.append(ns_proc)
    d = os.path.join(tmp, "many")
    hold = holder(MANY_HOLDER, d, f"/proc/{init}/ns/pid")
    procs.append(hold)
    ns_proc2, init2, ns2 = start_ns()
    procs.append(ns_proc2)
    fds = h.start([sys.executable, "-c", FD_HOLDER, f"/proc/{init2}/ns/pid"],
                  stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    procs.append(fds)
    fd = int(fds.stdout.readline())
    ns_proc.kill()
    ns_proc2.kill()
    mountinfo_size = len(open(f"/proc/{hold.pid}/mountinfo", "rb").read())
    doc = doc_of(run_all(), "(e) many")
    mounts = [p for p in pins_of(doc, ns) if p["kind"] == "mount"]
    if not any(p["mountpoint"] == os.path.join(d, "pin") for p in mounts):
        raise AssertionError(f"(e) the mount after 400 others (mountinfo {mountinfo_size} bytes) "
                             f"is not found: pins {pins_of(doc, ns)}")
    held = [p for p in pins_of(doc, ns2) if p["kind"] == "fd"]
    if {"kind": "fd", "pid": fds.pid, "fd": fd} not in held:
        raise AssertionError(f"(e) fd {fd} after 400 others not found: {held}")
    print(f"(e) a mount after 400 others ({mountinfo_size} bytes of mountinfo) and fd {fd} found")


# $1 chroot dir (holding the static pause), $2 where to bind-mount, $3 the namespace. The lowest
# PID of the new mount namespace (the shell, exec'd into chroot) is chrooted; its child is not.
CHROOT_HOLDER = """
root=$1; pin=$2; ns=$3
touch "$pin"; mount --bind "$ns" "$pin"
sleep 600 &
exec chroot "$root" /pause
"""


def case_chroot(tmp, procs, pause):
    ns_proc, init, ns = start_ns()
    procs.append(ns_proc)
    root = os.path.join(tmp, "chroot2")
    os.makedirs(root)
    shutil.copy(pause, os.path.join(root, "pause"))
    pin = os.path.join(tmp, "outside-pin")
    hold = holder(CHROOT_HOLDER, root, pin, f"/proc/{init}/ns/pid")
    procs.append(hold)
    ns_proc.kill()
    if os.readlink(f"/proc/{hold.pid}/root") != root:
        raise AssertionError("(f) the lowest PID of the mount namespace is not the chrooted one")
    doc = doc_of(run_all(), "(f) chroot")
    mounts = [p for p in pins_of(doc, ns) if p["kind"] == "mount"]
    if not any(p["mountpoint"] == pin and p["pid"] != hold.pid for p in mounts):
        raise AssertionError(f"(f) the bind mount outside the chroot is not found: {mounts}")
    print(f"(f) a bind mount outside the root of the namespace's chrooted lowest PID: found")


ZOMBIE_MAKER = r"""
import os, sys, time
pid = os.fork()
if pid == 0:
    os._exit(0)
while open(f"/proc/{pid}/stat").read().split(") ")[1][0] != "Z":
    time.sleep(0.01)
print(pid, flush=True)
time.sleep(600)
"""


def case_zombie(procs):
    maker = h.start([sys.executable, "-c", ZOMBIE_MAKER], stdout=subprocess.PIPE)
    procs.append(maker)
    zombie = int(maker.stdout.readline())
    pending = h.start(["unshare", "--pid", "sleep", "600"])  # no --fork: waits for its first child
    procs.append(pending)
    h.wait_for("unshare to exec sleep", lambda: h.status_fields(pending.pid)["Name"] == "sleep")
    doc = doc_of(run_all(), "(g) zombie")
    procs_by_pid = {p["pid"]: p for n, _ in h.walk(doc["pidns"]) for p in n.get("processes", [])}
    if zombie not in procs_by_pid or "children_ns" in procs_by_pid[zombie]:
        raise AssertionError(f"(g) zombie {zombie}: {procs_by_pid.get(zombie)}")
    if procs_by_pid.get(pending.pid, {}).get("children_ns") != "pending":
        raise AssertionError(f"(g) pending {pending.pid}: {procs_by_pid.get(pending.pid)}")
    print(f"(g) zombie {zombie} is not pending; {pending.pid} after unshare is")


def test():
    if os.geteuid() != 0:
        raise h.Skip("needs root to mount and to read other processes' descriptors")
    for tool, package in (("unshare", "util-linux"), ("chroot", "coreutils"), ("mount", "mount")):
        h.need_program(tool, package)
    pause = h.meson_path("PAUSE")
    procs = []
    with tempfile.TemporaryDirectory(prefix="pidns-pins-") as tmp:
        try:
            case_fd_swap(tmp, procs)
            case_named_fifo(tmp)
            case_symlink(tmp, procs, pause)
            case_covered(tmp, procs, "file")
            case_covered(tmp, procs, "enotdir")
            case_many(tmp, procs)
            case_chroot(tmp, procs, pause)
            case_zombie(procs)
        finally:
            h.kill_sessions(procs)


h.main(test)
