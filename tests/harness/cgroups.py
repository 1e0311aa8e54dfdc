"""Test-owned cgroups on the machine's cgroup2 hierarchy, each holding the init of a real PID
namespace, named as container engines and the kubelet name theirs (tests/engines). Needs root and
a writable cgroup2 hierarchy; close() kills what it started and removes every cgroup it made."""

import os
import secrets
import signal
import subprocess
import time

from .core import Skip


def cgroup2_mount():
    """The cgroup2 mount point: /sys/fs/cgroup on a v2 host, /sys/fs/cgroup/unified on a hybrid."""
    mounts = []
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            if right.split(" ")[0] == "cgroup2":
                mounts.append(left.split(" ")[4].replace("\\040", " "))
    if "/sys/fs/cgroup" in mounts:
        return "/sys/fs/cgroup"
    return mounts[0] if mounts else None


def need_writable_cgroup2():
    """The cgroup2 mount point, where root may make cgroups; raises Skip, saying why, elsewhere."""
    if os.geteuid() != 0:
        raise Skip("needs root to make cgroups and move processes into them")
    mount = cgroup2_mount()
    if mount is None:
        raise Skip("no cgroup2 hierarchy is mounted")
    if not os.access(mount, os.W_OK):
        raise Skip(f"{mount} is not writable")
    return mount


def rmdir_when_empty(path, timeout=5):
    """Removes a cgroup directory once the tasks killed in it are gone (EBUSY until then);
    returns None, or why it would not go."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            os.rmdir(path)
            return None
        except FileNotFoundError:
            return None
        except OSError as e:  # EBUSY while a killed task is still exiting
            if time.monotonic() > deadline:
                return e.strerror
            time.sleep(0.05)


class Scene:
    """Processes a test starts, each in a cgroup of the test's own if it asks for one and cgroup
    v2 is writable here; close() kills them all and removes the cgroups."""

    def __init__(self, name):
        self.name = name
        self.procs = []
        self.cgroups = []

    def cgroup(self, label):
        """A new cgroup directory, or None where cgroup v2 is not writable."""
        root = cgroup2_mount()
        if not root or not os.access(root, os.W_OK):
            return None
        path = os.path.join(root, f"pidns-{self.name}-{os.getpid()}-{label}-{time.time_ns()}")
        os.mkdir(path)
        self.cgroups.append(path)
        return path

    def start(self, argv, cgroup=None):
        script = 'echo $$ > "$1/cgroup.procs" && shift && exec "$@"'
        cmd = ["sh", "-c", script, "sh", cgroup, *argv] if cgroup else argv
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
        self.procs.append(p)
        return p

    def close(self):
        for p in self.procs:
            p.kill()
        for p in self.procs:
            p.wait()
        for path in self.cgroups:
            rmdir_when_empty(path)


class Fixture:
    """Test-owned cgroups with one PID namespace init in each; torn down by close()."""

    def __init__(self, mount):
        self.root = os.path.join(mount, f"pidns-test-{secrets.token_hex(6)}")
        self.dirs = []  # every directory created, parents first
        self.procs = []  # unshare processes we started
        self.inits = {}  # case name -> host PID of the namespace's init

    def make_cgroup(self, relative):
        path = self.root
        for part in [None] + relative.split("/"):
            if part is not None:
                path = os.path.join(path, part)
            if not os.path.isdir(path):
                os.mkdir(path)
                self.dirs.append(path)
        return path

    def start_init(self, name, cgroup):
        procs_file = os.path.join(cgroup, "cgroup.procs")

        def join_cgroup():
            # Runs in the child before exec: unshare, and the init it forks, are born in the
            # cgroup, so no moment exists where the init is elsewhere.
            with open(procs_file, "w", encoding="ascii") as f:
                f.write(str(os.getpid()))

        proc = subprocess.Popen(  # pylint: disable=subprocess-popen-preexec-fn
            ["unshare", "--pid", "--fork", "--kill-child", "sleep", "60"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=join_cgroup)
        self.procs.append(proc)
        self.inits[name] = self.wait_for_init(proc)

    @staticmethod
    def wait_for_init(proc):
        """The host PID of unshare's child once it runs as PID 1 of its own namespace."""
        children = f"/proc/{proc.pid}/task/{proc.pid}/children"
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"unshare exited with status {proc.returncode}")
            try:
                with open(children, encoding="ascii") as f:
                    pids = f.read().split()
                if pids:
                    with open(f"/proc/{pids[0]}/status", encoding="utf-8") as f:
                        nstgid = [l for l in f if l.startswith("NStgid:")][0].split()[1:]
                    # Still unshare's forked copy until it has exec'd sleep; PID 1 inside at once.
                    with open(f"/proc/{pids[0]}/comm", encoding="utf-8") as f:
                        comm = f.read().strip()
                    if nstgid[-1] == "1" and comm == "sleep":
                        return int(pids[0])
            except (FileNotFoundError, ProcessLookupError, IndexError):
                pass
            time.sleep(0.01)
        raise RuntimeError("the namespace init did not appear within 10 s")

    def close(self):
        for pid in self.inits.values():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for proc in self.procs:
            try:
                proc.wait(timeout=5)  # unshare reaps its child, then exits
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        # Anything still in a test-owned cgroup was started by this test: kill it too.
        for d in reversed(self.dirs):
            try:
                with open(os.path.join(d, "cgroup.procs"), encoding="ascii") as f:
                    for pid in f.read().split():
                        os.kill(int(pid), signal.SIGKILL)
            except (FileNotFoundError, ProcessLookupError):
                pass
        leaks = []
        for d in reversed(self.dirs):  # deepest first
            why = rmdir_when_empty(d)
            if why:
                leaks.append(f"{d}: {why}")
        if leaks:
            print("LEAK: could not remove " + "; ".join(leaks))
            return False
        return True
