"""Shared helpers of the robustness tests (tests/robust): the integration harness
(tests/integration/nsharness.py) plus what these tests add to it: running pidns-tree without
asserting success, a tree-consistency check that needs no fixture, processes with chosen names,
runs as an unprivileged user, and bounded cleanup of everything a test started.

meson passes PIDNS_TREE and NSFIXTURE in the environment. Exit 77 means skip.
"""

import json
import os
import selectors
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import nsharness as h  # noqa: E402

Skip = h.Skip
main = h.main
binary = h.binary
UNSHOWN_LINE = h.UNSHOWN_LINE
FOREST_LINE = h.FOREST_LINE
walk = h.walk
_eq = h._eq
find_by_name = h.processes_named
session_members = h.session_members
NOBODY = 65534
RUN_TIMEOUT = 60  # seconds for one pidns-tree run
# Upper bound on the life of every helper process, should a test's cleanup itself be killed.
MAX_LIFETIME = 300

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


def run(args, prefix=(), env=None, preexec_fn=None, timeout=RUN_TIMEOUT, tool=None):
    """Runs [*prefix, pidns-tree, *args] with bytes output; returns the CompletedProcess."""
    return h.run_raw(args, prefix, env=env, preexec_fn=preexec_fn, timeout=timeout, tool=tool)


def describe(r):
    return (f"{r.args} exited {r.returncode}; stderr:\n"
            f"{r.stderr.decode(errors='replace')}")


def check_clean_exit(r, allow_forest=False):
    """Exit 0, output on stdout, and stderr holding at most the one summary line of processes
    not shown (and, if allowed, the one line explaining a forest). Returns the stderr lines."""
    if r.returncode != 0:
        raise AssertionError(describe(r))
    if not r.stdout:
        raise AssertionError(f"{r.args}: empty output")
    lines = r.stderr.decode(errors="replace").splitlines()
    unshown = [ln for ln in lines if UNSHOWN_LINE.match(ln)]
    forest = [ln for ln in lines if allow_forest and FOREST_LINE.match(ln)]
    other = [ln for ln in lines if ln not in unshown and ln not in forest]
    if other or len(unshown) > 1 or len(forest) > 1:
        raise AssertionError(f"{r.args}: stderr holds more than one summary line: {lines!r}")
    return lines


def check_doc(doc, where="json"):
    """The facts of one JSON document agree with each other, whatever the host runs:
    levels step by one along parent links (unless the parent was inferred), counts match lists,
    every process's NStgid has one field per level down from the scanned procfs's namespace,
    init is the member numbered 1 there, PIDs are unique and sorted. Returns {(dev, ino): node}."""
    if doc.get("schema") != 2:
        raise AssertionError(f"{where}: schema {doc.get('schema')!r}")
    nodes, pids, shift = {}, set(), None
    for ns, parent in walk(doc["pidns"]):
        key = h.json_key(ns)
        w = f"{where}: pid:[{ns['ino']}]"
        if key in nodes:
            raise AssertionError(f"{w} appears twice")
        nodes[key] = ns
        if parent is None and ns["level"] != 0 and doc["summary"]["tops"] == 1:
            raise AssertionError(f"{w}: the only top is at level {ns['level']}")
        if parent is not None and not ns["parent_inferred"] and ns["level"] != parent["level"] + 1:
            raise AssertionError(f"{w}: level {ns['level']} under level {parent['level']}")
        if parent is None and ns["parent_inferred"]:
            raise AssertionError(f"{w}: a top with an inferred parent")
        procs = ns.get("processes")
        if procs is None:
            continue
        _eq(w, "process_count", ns["process_count"], len(procs))
        _eq(w, "thread_count", ns["thread_count"], sum(p["threads"] for p in procs))
        _eq(w, "hidden", ns["hidden"], not procs)
        if [p["pid"] for p in procs] != sorted(p["pid"] for p in procs):
            raise AssertionError(f"{w}: processes not sorted by PID")
        inits = [p["pid"] for p in procs if p["nstgid"][-1] == 1]
        _eq(w, "init", ns["init"], inits[0] if inits else None)
        if len(inits) > 1:
            raise AssertionError(f"{w}: several members numbered 1: {inits}")
        for p in procs:
            pw = f"{w}, pid {p['pid']}"
            if p["pid"] in pids:
                raise AssertionError(f"{pw} appears twice")
            pids.add(p["pid"])
            if p["nstgid"][0] != p["pid"] or any(x <= 0 for x in p["nstgid"]):
                raise AssertionError(f"{pw}: nstgid {p['nstgid']}")
            # NStgid counts levels from the scanned procfs's namespace; the tree's levels count
            # from the outermost namespace shown. The difference is one constant per document.
            s = ns["level"] - (len(p["nstgid"]) - 1)
            if shift is None:
                shift = s
            elif s != shift:
                raise AssertionError(f"{pw}: nstgid {p['nstgid']} at level {ns['level']}, other "
                                     f"processes are {shift} levels off")
    s = doc["summary"]
    _eq(where, "summary.namespaces", s["namespaces"], len(nodes))
    _eq(where, "summary.processes", s["processes"], sum(n["process_count"] for n in nodes.values()))
    _eq(where, "summary.tops", s["tops"], len(doc["pidns"]))
    if len([n for n in nodes.values() if n["current"]]) > 1:
        raise AssertionError(f"{where}: more than one current namespace")
    return nodes


def parse_json(r):
    try:
        return json.loads(r.stdout)
    except ValueError as e:
        raise AssertionError(f"{r.args}: output is not JSON ({e}):\n{r.stdout[:2000]!r}") from e


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


def status_field(pid, key):
    """The fields of one line of /proc/PID/status, or None."""
    value = h.status_fields(pid).get(key)
    return value.split() if value is not None else None


# ---------------------------------------------------------------------------------------------
# The unprivileged user


class UserBinary:
    """A copy of pidns-tree that user 65534 may run (the build directory may not be reachable
    for it): a 0755 temporary directory holding a 0755 copy. A context manager."""

    def __enter__(self):
        if os.geteuid() != 0:
            raise Skip("needs root to switch to user 65534")
        if shutil.which("setpriv") is None:
            raise Skip("setpriv(1) is not installed")
        self._tmp = tempfile.TemporaryDirectory(prefix="pidns-robust-")
        os.chmod(self._tmp.name, 0o755)
        self.path = os.path.join(self._tmp.name, "pidns-tree")
        shutil.copy(binary("PIDNS_TREE"), self.path)
        os.chmod(self.path, 0o755)
        self.dir = self._tmp.name
        return self

    def __exit__(self, *exc):
        self._tmp.cleanup()
        return False


AS_NOBODY = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", "--"]
