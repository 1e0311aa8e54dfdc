"""--watch: a running `pidns-tree --watch` whose events are read as they come (each checked
against the JSON Schema of watch events), namespaces made with unshare(1) whose init has a name of
our choosing, and the waits between them.

The machine may be busy with other people's namespaces: each test looks only at the events of
namespaces it made itself (by inode, or by the unique name of their init).
"""

import fcntl
import json
import os
import random
import select
import shutil
import signal
import string
import struct
import subprocess
import tempfile
import threading
import time

from .core import Skip, meson_path
from .procs import kill_sessions
from .schema import validator
from .tool import command, environment

EVENT_TIMEOUT = 20  # seconds to wait for one expected event on a loaded machine
HOST_PIDNS_INO = 0xEFFFFFFC  # PROC_PID_INIT_INO
NS_GET_ID = 0x8008B70D  # _IOR(0xb7, 0xd, __u64), Linux 6.18


def key(obj):
    """(dev, ino) of an event's "ns" or "parent", or of a fixture namespace dict."""
    return (obj["dev"], obj["ino"])


def ns_get_id(path):
    """NS_GET_ID of the namespace file at path, or None where the kernel lacks it."""
    fd = os.open(path, os.O_RDONLY)
    try:
        buf = bytearray(8)
        fcntl.ioctl(fd, NS_GET_ID, buf)
        return struct.unpack("Q", buf)[0]
    except OSError:
        return None
    finally:
        os.close(fd)


def unique_name(prefix):
    """A comm name (at most 15 bytes) no one else on this machine is likely to use."""
    return prefix + "".join(random.choice(string.ascii_lowercase) for _ in range(6))


class Watcher:
    """`pidns-tree --watch ARGS` in a session of its own. Two threads read its stdout and stderr
    as they come, so that it never blocks on a full pipe while the test does something else.
    Use as a context manager: on leaving, it is SIGKILLed if still running."""

    def __init__(self, args=(), prefix=(), env=None, tool=None, json_lines=True):
        self.json_lines = json_lines
        cmd = command(["--watch", *(["--json"] if json_lines else []), *args], prefix, tool)
        self.validator = validator("PIDNS_WATCH_SCHEMA") if json_lines else None
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True, cwd="/",
                                     env=environment(env))
        self.out = b""  # everything read from stdout
        self.err = b""
        self.lines = []  # whole stdout lines, parsed (JSON) or as text
        self.problem = None  # a line that did not parse or validate
        self._used = 0  # lines already looked at by wait()
        self._cond = threading.Condition()
        self._open = 2
        self._threads = [threading.Thread(target=self._read, args=(s, k), daemon=True)
                         for s, k in ((self.proc.stdout, "out"), (self.proc.stderr, "err"))]
        for t in self._threads:
            t.start()

    def _read(self, stream, kind):
        while True:
            chunk = os.read(stream.fileno(), 65536)
            with self._cond:
                if not chunk:
                    self._open -= 1
                    self._cond.notify_all()
                    return
                if kind == "err":
                    self.err += chunk
                else:
                    start = self.out.rfind(b"\n") + 1
                    self.out += chunk
                    for raw in self.out[start:].split(b"\n")[:-1]:
                        self._add(raw.decode(errors="replace"))
                self._cond.notify_all()

    def _add(self, line):
        if not self.json_lines:
            self.lines.append(line)
            return
        try:
            event = json.loads(line)
            self.validator.validate(event)
        except Exception as e:  # noqa: BLE001 - reported by wait() in the test's thread
            self.problem = self.problem or f"line {line!r}: {e}"
            return
        self.lines.append(event)

    def stderr_lines(self):
        with self._cond:
            return self.err.decode(errors="replace").splitlines()

    def mode_line(self, timeout=EVENT_TIMEOUT):
        """The stderr line that says which mode runs."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in self.err.decode(errors="replace").splitlines():
                    if line.startswith("pidns-tree: watching "):
                        return line
                left = deadline - time.monotonic()
                if left <= 0 or self._open == 0:
                    raise AssertionError(f"no mode line on stderr; stderr: {self.err!r}")
                self._cond.wait(left)

    def wait(self, predicate, what, timeout=EVENT_TIMEOUT, from_start=False):
        """The first line from now on (lines seen by a previous wait() are skipped, unless
        from_start) that satisfies predicate; raises after timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            if from_start:
                self._used = 0
            while True:
                if self.problem:
                    raise AssertionError(self.problem)
                while self._used < len(self.lines):
                    line = self.lines[self._used]
                    self._used += 1
                    if predicate(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"{what}: not seen within {timeout} s; stderr: "
                                         f"{self.err.decode(errors='replace')!r}")
                if self._open == 0:
                    raise AssertionError(f"{what}: pidns-tree ended ({self.proc.poll()}); "
                                         f"stderr: {self.err.decode(errors='replace')!r}")
                self._cond.wait(min(left, 0.2))

    def drain(self, seconds):
        """Lets it run for `seconds` more."""
        time.sleep(seconds)
        with self._cond:
            if self.problem:
                raise AssertionError(self.problem)

    def events_of(self, ns_key):
        """Every JSON event so far about the namespace (dev, ino)."""
        with self._cond:
            return [e for e in self.lines if "ns" in e and key(e["ns"]) == ns_key]

    def finish(self, timeout=10):
        """Waits for the end of its output and its exit; returns the exit status."""
        status = self.proc.wait(timeout=timeout)
        for t in self._threads:
            t.join(timeout=timeout)
        if self.problem:
            raise AssertionError(self.problem)
        return status

    def stop(self, sig=signal.SIGINT, timeout=10):
        """Sends sig and reads to the end; returns the exit status."""
        self.proc.send_signal(sig)
        return self.finish(timeout)

    def close(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()
        for t in self._threads:
            t.join(timeout=10)
        self.proc.stdout.close()
        self.proc.stderr.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class NamedProgram:
    """A copy of /bin/sleep under a unique name, so that an init that execs it is recognised by
    its comm among other people's namespaces. A context manager; `path` is the copy."""

    def __init__(self, prefix="wsl"):
        self.name = unique_name(prefix)

    def __enter__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="pidns-watch-")
        os.chmod(self._tmp.name, 0o755)
        self.path = os.path.join(self._tmp.name, self.name)
        shutil.copy(shutil.which("sleep"), self.path)
        os.chmod(self.path, 0o755)
        return self

    def __exit__(self, *exc):
        self._tmp.cleanup()
        return False


class Namespace:
    """`unshare --pid --fork --kill-child PROGRAM SECONDS`: a new PID namespace whose init execs
    PROGRAM. In a session of its own; SIGKILLed (the whole session) on close()."""

    def __init__(self, program, seconds, prefix=()):
        self.proc = subprocess.Popen(list(prefix) + ["unshare", "--pid", "--fork", "--kill-child",
                                                     program, str(seconds)],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True, cwd="/")

    def init_pid(self, timeout=EVENT_TIMEOUT):
        """The PID of the namespace's init: the child of unshare."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with open(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children") as f:
                    children = f.read().split()
                if children:
                    return int(children[0])
            except OSError:
                pass
            time.sleep(0.01)
        raise AssertionError("unshare started no child")

    def close(self):
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class ThreadedInit:
    """tests/helpers/thread_init NAME MODE [PROGRAM]: a PID namespace whose init (named NAME) is
    multithreaded. "leader-exits": its init has a child namespace (init named NAME + "c"); the
    first step() makes the init's main thread exit (a zombie leader with a live thread), the
    second makes the other thread exit, which ends the namespace. "exec": step() makes a second
    thread exec PROGRAM. `init` is the init's PID. A context manager: on leaving, its session is
    SIGKILLed and nothing of it may survive."""

    def __init__(self, name, mode, program=None, prefix=()):
        cmd = [*prefix, meson_path("THREAD_INIT"), name, mode, *([program] if program else [])]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True, cwd="/")
        self.steps = 0
        line = self._line()
        if not line.startswith("init "):
            self.close()
            if self.proc.returncode == 77:
                raise Skip("thread_init may not make PID namespaces here")
            raise AssertionError(f"thread_init said {line!r}, exit {self.proc.returncode}")
        self.init = int(line.split()[1])

    def _line(self, timeout=EVENT_TIMEOUT):
        ready = select.select([self.proc.stdout], [], [], timeout)[0]
        return self.proc.stdout.readline().decode().strip() if ready else ""

    def step(self):
        """The next step; returns once the helper has taken it."""
        self.proc.stdin.write(b"\n")
        self.proc.stdin.flush()
        self.steps += 1
        line = self._line()
        if line != f"done {self.steps}":
            raise AssertionError(f"thread_init step {self.steps}: said {line!r}")

    def close(self):
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            kill_sessions([self.proc])

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def require_connector(watcher):
    """Skips unless the watcher runs on the proc connector; returns its mode line."""
    line = watcher.mode_line()
    if "proc connector" not in line or "rescanning" in line:
        raise Skip(f"the proc connector is not available here: {line}")
    return line


def wait_until_started(watcher):
    """Waits for the first exists event: the initial scan is done, so whatever is made from now
    on is reported created."""
    watcher.wait(lambda e: (e["event"] == "exists") if isinstance(e, dict)
                 else " exists " in e, "the first exists event")


def kill_and_wait(pid, timeout=10):
    """SIGKILLs pid and waits until /proc/PID is gone or a zombie."""
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read()
            if stat[stat.rindex(b")") + 2:].startswith(b"Z"):
                return
        except OSError:
            return
        time.sleep(0.01)
    raise AssertionError(f"pid {pid} survived SIGKILL")
