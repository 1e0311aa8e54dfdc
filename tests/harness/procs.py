"""Processes: what /proc says about them, the helper processes tests start (each in a session of
its own, so that one killpg() reaches everything it forks) and their bounded cleanup, processes
with names of our choosing, and runs as the unprivileged user 65534."""

import os
import re
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from .core import Skip, meson_path, need_program, wait_for

NOBODY = 65534
AS_NOBODY = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"]
# Upper bound on the life of every helper process, should a test's cleanup itself be killed.
MAX_LIFETIME = 300

# ---------------------------------------------------------------------------------------------
# What /proc says


def pids(proc="/proc"):
    """The PIDs PROC lists now."""
    return [int(e) for e in os.listdir(proc) if e.isdigit()]


def comm_of(pid, proc="/proc"):
    """The name (bytes) of process PID, or None if it is gone."""
    try:
        with open(f"{proc}/{pid}/comm", "rb") as f:
            return f.read()[:-1]
    except OSError:
        return None


def fixture_processes(prefix):
    """PIDs of live processes whose name is PREFIX<ns>-<member>."""
    pattern = re.compile(re.escape(prefix).encode() + rb"\d+-\d+$")
    return [pid for pid in pids() if pattern.match(comm_of(pid) or b"")]


def processes_named(names, timeout=30):
    """{name: [pids]} of live processes whose comm is one of NAMES (bytes), polling until each
    name has at least one."""
    def found():
        by_name = {n: [] for n in names}
        for pid in pids():
            comm = comm_of(pid)
            if comm in by_name:
                by_name[comm].append(pid)
        return by_name if all(by_name.values()) else None
    return wait_for(f"processes named {names}", found, timeout)


def session_members(sid):
    """PIDs of live (not zombie) processes in session SID."""
    found = []
    for pid in pids():
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2:].split()
        if int(fields[3]) == sid and fields[0] != b"Z":
            found.append(pid)
    return found


def status_fields(pid, proc="/proc"):
    """{key: value} of /proc/PID/status."""
    out = {}
    with open(f"{proc}/{pid}/status", encoding="utf-8", errors="replace") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def status_field(pid, key):
    """The fields of one line of /proc/PID/status, or None."""
    value = status_fields(pid).get(key)
    return value.split() if value is not None else None


def kernel_thread_pids(proc="/proc"):
    """PIDs of the kernel threads in PROC, told apart as the kernel tells them: "Kthread: 1" where
    status has that line; else no VmSize line, not a zombie or dead, and PPid 0 or 2."""
    out = set()
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        try:
            f = status_fields(entry, proc)
        except OSError:
            continue
        if "Kthread" in f:
            kernel = f["Kthread"] == "1"
        else:
            kernel = ("VmSize" not in f and f.get("State", "")[:1] not in ("Z", "X")
                      and f.get("PPid") in ("0", "2"))
        if kernel:
            out.add(int(entry))
    return out


def stat_ns(path):
    """(dev, ino) of an nsfs file."""
    st = os.stat(path)
    return (st.st_dev, st.st_ino)


def child_pids(pid):
    """The children of process PID (all its threads'), from /proc/PID/task/*/children."""
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return sorted(out)


def unused_pid():
    """A PID that no process has now: the highest free one below pid_max."""
    with open("/proc/sys/kernel/pid_max", encoding="ascii") as f:
        pid = int(f.read()) - 1
    while os.path.exists(f"/proc/{pid}"):
        pid -= 1
    return pid


# ---------------------------------------------------------------------------------------------
# Processes the tests start, and their cleanup


def start(argv, **kw):
    """Popen in a session of its own (so killpg reaches everything it forks), stdio closed or
    piped to us, never meson's."""
    kw.setdefault("stdin", subprocess.DEVNULL)
    kw.setdefault("stdout", subprocess.DEVNULL)
    kw.setdefault("stderr", subprocess.DEVNULL)
    return subprocess.Popen(argv, start_new_session=True, cwd="/", **kw)


def kill_sessions(procs, timeout=10):
    """SIGKILLs the sessions the Popen objects lead, reaps the leaders, and waits until no
    process of those sessions is left. Raises if one survives."""
    sids = [p.pid for p in procs]
    for p in procs:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            p.kill()
        except ProcessLookupError:
            pass
    for p in procs:
        p.wait()
        for f in (p.stdin, p.stdout, p.stderr):
            if f is not None:
                f.close()
    deadline = time.monotonic() + timeout
    while True:
        # Members that left the process group (a namespace's init is in a new session only if it
        # calls setsid; ours do not) are killed one by one.
        left = [pid for sid in sids for pid in session_members(sid)]
        if not left:
            return
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if time.monotonic() > deadline:
            raise AssertionError(f"processes survived cleanup: {left}")
        time.sleep(0.05)


class Background:
    """A helper process in a session of its own, talking line by line over pipes; SIGKILLed
    (its whole process group) on close() or on leaving the with block."""

    def __init__(self, cmd):
        self._err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._err, start_new_session=True)
        self.pid = self.proc.pid

    def readline(self, timeout=30):
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        ready = sel.select(timeout)
        sel.close()
        line = self.proc.stdout.readline().decode(errors="replace") if ready else ""
        if not line:
            self._err.seek(0)
            err = self._err.read().decode(errors="replace")
            raise AssertionError(f"{self.proc.args}: no output (exit {self.proc.poll()}): {err}")
        return line.rstrip("\n")

    def send(self, line):
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def close(self):
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.proc.stdin.close()
        self.proc.stdout.close()
        self._err.close()
        self.proc = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


# ---------------------------------------------------------------------------------------------
# Processes with names of our choosing

# A process that names itself (PR_SET_NAME = 15) with the bytes given in hex, says so on stdout if
# it has one, and sleeps. Its name is what /proc/PID/status and comm show.
NAMER = ("import ctypes, sys, time\n"
         "ctypes.CDLL(None).prctl(15, ctypes.c_char_p(bytes.fromhex(sys.argv[1])), 0, 0, 0)\n"
         "try:\n"
         "    print('named', flush=True)\n"
         "except Exception:\n"
         "    pass\n"
         "time.sleep(float(sys.argv[2]))\n")


def namer_argv(name, lifetime=MAX_LIFETIME):
    """argv of a python3 process that names itself NAME (bytes, at most 15) and sleeps."""
    if len(name) > 15:
        raise ValueError(f"comm names are at most 15 bytes: {name!r}")
    return [sys.executable, "-c", NAMER, name.hex(), str(lifetime)]


def wait_named(p, timeout=30):
    """Waits at most TIMEOUT seconds for a NAMER process started with stdout=PIPE to say it has
    renamed itself."""
    sel = selectors.DefaultSelector()
    sel.register(p.stdout, selectors.EVENT_READ)
    ready = sel.select(timeout)
    sel.close()
    line = p.stdout.readline() if ready else b""
    if line.strip() != b"named":
        raise AssertionError(f"{p.args}: did not start within {timeout} s (exit {p.poll()})")


# ---------------------------------------------------------------------------------------------
# The unprivileged user


class UserBinary:
    """A copy of pidns-tree that user 65534 may run (the build directory may not be reachable
    for it): a 0755 temporary directory holding a 0755 copy. A context manager."""

    def __enter__(self):
        if os.geteuid() != 0:
            raise Skip("needs root to switch to user 65534")
        need_program("setpriv")
        self._tmp = tempfile.TemporaryDirectory(prefix="pidns-user-")
        os.chmod(self._tmp.name, 0o755)
        self.path = os.path.join(self._tmp.name, "pidns-tree")
        shutil.copy(meson_path("PIDNS_TREE"), self.path)
        os.chmod(self.path, 0o755)
        self.dir = self._tmp.name
        return self

    def __exit__(self, *exc):
        self._tmp.cleanup()
        return False
