"""Container engines run privately for a test or a benchmark (tests/engines, tests/bench/names.py):
a dockerd whose every file lives below a temporary directory, an image made from busybox-static,
and the cleanup of what an engine leaves behind (processes, mounts, cgroups); and what pidns-tree
says of a container: its namespace in the JSON and text output, its JSON "container" object.

Engines are not in the Quick start: a missing engine is a plain skip, and .ci/run, which installs
them, fails on any skip of the engines suite."""

import os
import shutil
import signal
import subprocess
import time

from .cgroups import rmdir_when_empty
from .core import Skip
from .tree import walk

ENGINE_TIMEOUT = 120  # seconds for one engine command (an import, a run, a daemon's start)


def need(*programs):
    """Skips unless every one of PROGRAMS is installed and this runs as root."""
    for p in programs:
        if shutil.which(p) is None:
            raise Skip(f"{p} is not installed")
    if os.geteuid() != 0:
        raise Skip("needs root to run container engines")


def run(cmd, **kw):
    """Runs an engine command; returns its stdout, stripped; raises with its stderr on failure."""
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=ENGINE_TIMEOUT, check=False, **kw)
    if r.returncode != 0:
        raise AssertionError(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.strip()}")
    return r.stdout.strip()


def has_interpreter(path):
    """Whether the 64-bit little-endian ELF file at `path` names a dynamic loader (PT_INTERP)."""
    with open(path, "rb") as f:
        elf = f.read()
    if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
        return True  # not what this test can tell: treat as dynamic
    phoff = int.from_bytes(elf[0x20:0x28], "little")
    phentsize = int.from_bytes(elf[0x36:0x38], "little")
    phnum = int.from_bytes(elf[0x38:0x3a], "little")
    for i in range(phnum):
        off = phoff + i * phentsize
        if int.from_bytes(elf[off:off + 4], "little") == 3:  # PT_INTERP
            return True
    return False


def busybox_tarball(tmp):
    """A root filesystem of busybox-static with a few applet links, as a tar file."""
    busybox = shutil.which("busybox")
    if has_interpreter(busybox):  # a dynamic busybox would need its libraries in the image
        raise Skip(f"{busybox} is not static (install busybox-static)")
    rootfs = os.path.join(tmp, "rootfs")
    os.makedirs(os.path.join(rootfs, "bin"))
    shutil.copy(busybox, os.path.join(rootfs, "bin", "busybox"))
    for applet in ["sh", "sleep", "cat", "ls"]:
        os.symlink("busybox", os.path.join(rootfs, "bin", applet))
    tarball = os.path.join(tmp, "rootfs.tar")
    run(["tar", "-C", rootfs, "-cf", tarball, "."])
    return tarball


def unmount_below(path):
    """Lazily unmounts whatever an engine left mounted below `path`; returns what it found."""
    found = []
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        for line in f:
            mountpoint = line.split(" ")[4].replace("\\040", " ")
            if mountpoint == path or mountpoint.startswith(path + "/"):
                found.append(mountpoint)
    for m in sorted(found, key=len, reverse=True):
        subprocess.run(["umount", "-l", m], check=False, capture_output=True)
    return found


def kill_all(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def mentioning(path):
    """PIDs of the processes whose command line names `path`: a daemon's containerd and shims, a
    conmon and the `podman container cleanup` it runs all take the test's directories as
    arguments."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if path.encode() in cmdline:
            found.append(int(entry))
    return found


def kill_mentioning(path, grace=15):
    """Waits `grace` seconds for the processes naming `path` to end on their own (podman's
    cleanup runs after its container is gone), then kills the rest; returns what it killed."""
    deadline = time.monotonic() + grace
    while mentioning(path) and time.monotonic() < deadline:
        time.sleep(0.1)
    survivors = mentioning(path)
    kill_all(survivors)
    return survivors


def remove_engine_cgroups(created):
    """Removes the cgroups an engine made that were not there before the test, deepest first;
    returns those that would not go (still populated after a few seconds)."""
    left = []
    for d in created:
        for dirpath, _, _ in sorted(os.walk(d, topdown=False), key=lambda w: -len(w[0])):
            if rmdir_when_empty(dirpath):
                left.append(dirpath)
    return left


def cgroup_dirs(name):
    """Every /sys/fs/cgroup/*/NAME and /sys/fs/cgroup/NAME directory that exists."""
    found = set()
    for base in ["/sys/fs/cgroup"] + [os.path.join("/sys/fs/cgroup", d)
                                      for d in os.listdir("/sys/fs/cgroup")]:
        p = os.path.join(base, name)
        if os.path.isdir(p):
            found.add(p)
    return found


class Dockerd:
    """A private dockerd: everything of it lives below `tmp`, and stop() ends it."""

    def __init__(self, tmp, data_root):
        self.tmp = tmp
        self.sock = os.path.join(tmp, "docker.sock")
        self.pidfile = os.path.join(tmp, "docker.pid")
        self.exec_root = os.path.join(tmp, "exec")
        self.data_root = data_root
        self.log = open(os.path.join(tmp, "dockerd.log"), "w", encoding="utf-8")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            ["dockerd", "--data-root", self.data_root, "--exec-root", self.exec_root,
             "-H", "unix://" + self.sock, "--pidfile", self.pidfile, "--iptables=false",
             "--ip6tables=false", "--bridge=none", "--default-ulimit", "nofile=1024:1024",
             "--default-ulimit", "nproc=4096:4096", "--log-level=warn"],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log, start_new_session=True)
        deadline = time.monotonic() + ENGINE_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Skip(f"dockerd exited {self.proc.returncode}: {self.tail()}")
            r = subprocess.run(self.cli("version", "--format", "{{.Server.Version}}"),
                               capture_output=True, text=True, check=False, timeout=30)
            if r.returncode == 0:
                return
            time.sleep(0.2)
        raise AssertionError(f"dockerd did not answer within {ENGINE_TIMEOUT} s: {self.tail()}")

    def tail(self):
        self.log.flush()
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            return f.read()[-2000:]

    def cli(self, *args):
        return ["docker", "-H", "unix://" + self.sock, *args]

    def docker(self, *args):
        return run(self.cli(*args))

    def stop(self):
        if self.proc is None:
            return
        try:
            ids = subprocess.run(self.cli("ps", "-aq"), capture_output=True, text=True,
                                 check=False, timeout=60).stdout.split()
            if ids:
                subprocess.run(self.cli("rm", "-f", *ids), capture_output=True, check=False,
                               timeout=60)
        except subprocess.TimeoutExpired:
            pass
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)  # its containerd and shims too
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.proc = None
        self.log.close()


def container_json(engine, cid, name="", project="", service="", pod_uid="", pod_name="",
                   pod_namespace=""):
    """The JSON "container" object pidns-tree gives a container's namespace, whole."""
    return {"engine": engine, "id": cid, "pod_uid": pod_uid, "containerd_namespace": "",
            "name": name, "pod_name": pod_name, "pod_namespace": pod_namespace,
            "compose_project": project, "compose_service": service}


def namespace_of(doc, pid):
    """The JSON namespace whose processes include host PID `pid`."""
    for ns, _ in walk(doc["pidns"]):
        if any(p["pid"] == pid for p in ns.get("processes", [])):
            return ns
    raise AssertionError(f"PID {pid} is in no namespace of the JSON output")


def ns_line(text, label):
    """The text line of namespace `label` (pid:[INODE])."""
    lines = [line for line in text.splitlines() if (label + " ") in line]
    if len(lines) != 1:
        raise AssertionError(f"{label}: expected one text line, found {lines!r}")
    return lines[0]
