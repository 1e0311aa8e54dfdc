#!/usr/bin/env python3
"""Integration test: container labels read from real cgroups, with no engine asked.

Builds, under a test-owned parent in the cgroup v2 hierarchy, cgroups named as Docker's systemd
driver and the kubelet's systemd driver (with containerd) name theirs, plus a login session scope,
starts a real PID namespace init in each, and checks what pidns-tree says about them:

  labels      the JSON "container" object (or null) of each namespace and the text label in
              square brackets on the namespace's line
  no-connect  pidns-tree under strace makes no connect(): it never talks to an engine's socket

Runs as root where a cgroup2 hierarchy is writable; exits 77 (skip), saying why, elsewhere.
Python 3 standard library only. PIDNS_TREE names the binary under test.
"""

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid

SKIP = 77
HARD_ERROR = 99  # meson: the test itself could not run as intended



def skip(reason):
    print(f"SKIP: {reason}")
    sys.exit(SKIP)


def fail(message):
    print(f"FAIL: {message}")
    sys.exit(1)


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
            deadline = time.monotonic() + 5
            while True:
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError as e:  # EBUSY while a killed task is still exiting
                    if time.monotonic() > deadline:
                        leaks.append(f"{d}: {e.strerror}")
                        break
                    time.sleep(0.05)
        if leaks:
            print("LEAK: could not remove " + "; ".join(leaks))
            return False
        return True


def find_by_init(namespaces, pid):
    for ns in namespaces:
        if ns.get("init") == pid:
            return ns
        found = find_by_init(ns.get("children", []), pid)
        if found:
            return found
    return None


def run_tool(tool, args):
    res = subprocess.run([tool] + args, capture_output=True, text=True, timeout=60, check=False)
    if res.returncode != 0:
        fail(f"{' '.join([tool] + args)} exited {res.returncode}: {res.stderr.strip()}")
    return res.stdout


def check_labels(tool, fixture, expected):
    doc = json.loads(run_tool(tool, ["--json"]))
    text = run_tool(tool, ["--ascii", "--color", "never"])
    errors = []
    for name, (want, want_text) in expected.items():
        pid = fixture.inits[name]
        ns = find_by_init(doc["pidns"], pid)
        if ns is None:
            errors.append(f"{name}: no namespace with init {pid} in the JSON")
            continue
        if "container" not in ns:
            errors.append(f"{name}: namespace {ns['label']} has no \"container\" key")
        else:
            got = ns["container"]
            if want is None:
                if got is not None:
                    errors.append(f"{name}: container should be null, is {got!r}")
            elif not isinstance(got, dict):
                errors.append(f"{name}: container should be {want!r}, is {got!r}")
            else:
                # An empty pod_uid may be written as "" or null. Names come from engines' files,
                # and these cgroups have none: every name key is there, and empty.
                got_norm = dict(got)
                if got_norm.get("pod_uid") is None:
                    got_norm["pod_uid"] = ""
                want = dict(want, containerd_namespace="", name="", pod_name="",
                            pod_namespace="", compose_project="", compose_service="")
                if got_norm != want:
                    errors.append(f"{name}: container should be {want!r}, is {got!r}")

        # The namespace's own line: its label first, the counts, then "[<label text>]".
        lines = [l for l in text.splitlines() if re.search(re.escape(ns["label"]) + r"\s", l + " ")]
        if len(lines) != 1:
            errors.append(f"{name}: {len(lines)} text lines name {ns['label']}")
            continue
        line = lines[0]
        after_counts = line[line.find(" thread") + 1:] if " thread" in line else ""
        if want_text is None:
            if "[" in after_counts:
                errors.append(f"{name}: no label expected on {line!r}")
        elif f"[{want_text}]" not in after_counts:
            errors.append(f"{name}: [{want_text}] missing after the counts on {line!r}")
    return errors


def check_no_connect(tool):
    if shutil.which("strace") is None:
        skip("strace is not installed")
    probe = subprocess.run(["strace", "-qq", "-e", "trace=none", "true"], capture_output=True,
                           check=False)
    if probe.returncode != 0:
        skip(f"strace cannot trace here: {probe.stderr.decode(errors='replace').strip()}")
    errors = []
    # No connect() at all, in any mode: owner names come from /etc/passwd, not from NSS daemons.
    for args in (["--ascii", "--color", "never"], ["--json"], ["--owner", "--all"]):
        with tempfile.NamedTemporaryFile("r", prefix="pidns-strace-", suffix=".txt") as log:
            # LeakSanitizer cannot work under ptrace: in a sanitized build, leaks are checked by
            # every other test, not by this one.
            env = dict(os.environ)
            env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
            res = subprocess.run(
                ["strace", "-f", "-qq", "-e", "trace=connect,socket", "-o", log.name, tool] + args,
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=60,
                check=False, env=env)
            if res.returncode != 0:
                errors.append(f"{' '.join(args)} under strace exited {res.returncode}: "
                              f"{res.stderr.strip()}")
            trace = log.read()
        calls = [l for l in trace.splitlines() if "connect(" in l]
        bad = calls
        for line in bad:
            errors.append(f"{' '.join(args)}: {line.strip()}")
        print(f"{' '.join(args)}: {len(calls)} connect() calls, {len(bad)} not allowed")
    return errors


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "labels"
    if mode not in ("labels", "no-connect"):
        print(f"usage: {sys.argv[0]} [labels|no-connect]")
        return HARD_ERROR
    tool = os.environ.get("PIDNS_TREE")
    if not tool or not os.access(tool, os.X_OK):
        print("PIDNS_TREE must name the pidns-tree binary")
        return HARD_ERROR
    if os.geteuid() != 0:
        skip("needs root to create cgroups and move processes into them")
    if shutil.which("unshare") is None:
        skip("unshare (util-linux) is not installed")
    mount = cgroup2_mount()
    if mount is None:
        skip("no cgroup2 hierarchy is mounted")
    if not os.access(mount, os.W_OK):
        skip(f"{mount} is not writable")

    docker_id = secrets.token_hex(32)
    k8s_id = secrets.token_hex(32)
    pod_uid = str(uuid.uuid4())
    pod_slice = f"kubepods-besteffort-pod{pod_uid.replace('-', '_')}.slice"
    cases = {
        "docker": (f"system.slice/docker-{docker_id}.scope",
                   {"engine": "docker", "id": docker_id, "pod_uid": ""},
                   f"docker {docker_id[:12]}"),
        "k8s": (f"kubepods.slice/kubepods-besteffort.slice/{pod_slice}/"
                f"cri-containerd-{k8s_id}.scope",
                {"engine": "containerd", "id": k8s_id, "pod_uid": pod_uid},
                f"k8s pod {pod_uid} containerd {k8s_id[:12]}"),
        "session": ("user.slice/user-4242.slice/session-7.scope", None, None),
    }

    fixture = Fixture(mount)
    # meson sends SIGTERM on timeout: unwind through the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    errors = []
    try:
        try:
            for name, (relative, _, _) in cases.items():
                cgroup = fixture.make_cgroup(relative)
                fixture.start_init(name, cgroup)
        except PermissionError as e:
            skip(f"cannot create or join a cgroup under {mount}: {e}")
        except OSError as e:
            skip(f"cannot use the cgroup2 hierarchy at {mount}: {e}")
        for name, (relative, _, _) in cases.items():
            with open(f"/proc/{fixture.inits[name]}/cgroup", encoding="utf-8") as f:
                if not any(l.startswith("0::") and l.rstrip("\n").endswith("/" + relative)
                           for l in f):
                    print(f"{name}: the init did not land in its cgroup")
                    return HARD_ERROR
        if mode == "labels":
            errors = check_labels(
                tool, fixture, {name: (c[1], c[2]) for name, c in cases.items()})
        else:
            errors = check_no_connect(tool)
    finally:
        if not fixture.close():
            errors.append("cgroups left behind")
    for e in errors:
        print(f"FAIL: {e}")
    if not errors:
        print(f"PASS: {mode}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
