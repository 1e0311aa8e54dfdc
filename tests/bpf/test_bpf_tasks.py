"""test_bpf_tasks: every record of the BPF task iterator against procfs, inside a fresh PID
namespace with its own procfs, on nested namespaces that nsfixture builds.

The test re-runs itself as PID 1 of `unshare --pid --fork --mount-proc --kill-child`, so that
every task in view is its own and the comparison can be exact: the set of PIDs, and per process
NStgid, Tgid, PPid, the real UID, Threads, State (zombie or not), Kthread, Name (escaped as the
kernel escapes it) and comm, readlink of ns/pid, and per namespace NS_GET_PARENT, NS_GET_ID
(where the kernel has it), NS_GET_USERNS and NS_GET_OWNER_UID, and that tasks sharing a css_set
read the same /proc/PID/cgroup. Beside
nsfixture's trees (a nested one, then a chain as deep as the kernel allows) it holds a process
with threads (itself), one of another UID, a zombie and one with a hostile comm.

Needs root: CAP_BPF and CAP_PERFMON in the initial user namespace (tests/bpf/test_bpf_refusals.py
covers everyone else). Skips (77) where the iterator cannot be used, saying why.
"""

import fcntl
import json
import os
import struct
import subprocess
import sys
import threading

import harness as h
from harness import Skip

NS_GET_USERNS = 0xB701  # _IO(0xb7, 0x1), ioctl_ns(2)
NS_GET_PARENT = 0xB702  # _IO(0xb7, 0x2)
NS_GET_OWNER_UID = 0xB704  # _IO(0xb7, 0x4), an uid_t out
NS_GET_ID = 0x8008B70D  # _IOR(0xb7, 0xd, __u64), Linux 6.18
TIMEOUT = 120
HOSTILE_COMM = b"ev\\il\nx y"  # status escapes '\n' and '\\'; comm shows them raw


def outer():
    tool = h.meson_path("BPF_TASKS")
    if os.geteuid() != 0:
        raise Skip("not root: the iterator needs CAP_BPF and CAP_PERFMON")
    host_ns = os.stat("/proc/self/ns/pid").st_ino
    cmd = ["unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
           sys.executable, os.path.abspath(__file__), "--inner", tool, str(host_ns)]
    # Our own stdio pipes: meson must not wait for anything the namespace leaves behind.
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
    try:
        out, _ = p.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        p.kill()  # SIGKILL: unshare --fork ignores SIGTERM; --kill-child ends the namespace
        out, _ = p.communicate()
        raise AssertionError("the namespace did not finish in time:\n" + out.decode(errors="replace"))
    text = out.decode(errors="replace")
    print(text, end="")
    if p.returncode == h.SKIP:
        last = text.strip().splitlines()[-1] if text.strip() else "skipped"
        raise Skip(last.removeprefix("SKIP: "))
    assert p.returncode == 0, f"the test inside the namespace failed (exit {p.returncode})"


# ---------------------------------------------------------------------------------------------
# Inside the namespace, as its PID 1


def status_of(pid):
    with open(f"/proc/{pid}/status", "rb") as f:
        lines = f.read().split(b"\n")
    fields = {}
    for line in lines:
        key, _, value = line.partition(b":")
        fields[key.decode()] = value.strip(b"\t ") if key != b"Name" else value[1:]
    return fields


def kernel_escape(comm):
    """Name: as fs/proc/array.c prints it: only '\\n' and '\\\\' are escaped."""
    return comm.replace(b"\\", b"\\\\").replace(b"\n", b"\\n")


def run_tool(tool):
    """bpf-tasks --hold: its JSON, and the process, alive until its stdin closes."""
    p = subprocess.Popen([tool, "--hold"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    line = p.stdout.readline()
    if not line:
        p.stdin.close()
        rc = p.wait(timeout=30)
        err = p.stderr.read().decode(errors="replace").strip()
        if rc == h.SKIP:
            raise Skip(err)
        raise AssertionError(f"bpf-tasks failed (exit {rc}): {err}")
    return json.loads(line), p


def reader_level(doc):
    """The level of our namespace: the own level of bpf-tasks, which runs in it."""
    for r in doc["records"]:
        if r["levels"][-1]["pid"] == doc["self"]:
            return len(r["levels"]) - 1
    raise AssertionError(f"bpf-tasks (PID {doc['self']}) has no record of its own")


def check_record(r, level, by_tgid, own_ns):
    levels = r["levels"]
    assert len(levels) > level and levels[level]["ns"] == own_ns, f"outside our namespace: {r}"
    pid = levels[level]["pid"]
    st = status_of(pid)
    comm = bytes(r["comm"])
    want = {
        "NStgid": " ".join(str(l["pid"]) for l in levels[level:]).encode(),
        "Tgid": str(pid).encode(),
        "PPid": str(visible_pid(by_tgid.get(r["parent_tgid"]), level, own_ns)).encode(),
        "Uid": str(r["uid"]).encode(),
        "Threads": str(r["threads"]).encode(),
        "Name": kernel_escape(comm),
    }
    got = {k: st.get(k, b"").split(b"\t")[0] if k == "Uid" else st.get(k, b"") for k in want}
    got["NStgid"] = b" ".join(st["NStgid"].split())
    assert got == want, f"PID {pid}: status says {got}, the record {want}"
    assert (st["State"][:1] == b"Z") == r["zombie"], f"PID {pid}: State {st['State']}, {r}"
    if "Kthread" in st:  # Linux 6.x prints it
        assert (st["Kthread"] == b"1") == r["kernel_thread"], f"PID {pid}: {st['Kthread']}, {r}"
    with open(f"/proc/{pid}/comm", "rb") as f:
        assert f.read()[:-1] == comm, f"PID {pid}: comm differs from {comm!r}"
    link = os.readlink(f"/proc/{pid}/ns/pid")
    assert link == f"pid:[{levels[-1]['ns']}]", f"PID {pid}: ns/pid is {link}, the record {levels}"
    return pid


def visible_pid(record, level, own_ns):
    """A process's PID in our namespace, or 0 where it has none (as status's PPid says)."""
    if record is None or len(record["levels"]) <= level:
        return 0
    l = record["levels"][level]
    return l["pid"] if l["ns"] == own_ns else 0


def parent_of(r):
    """The inode of the parent of R's own namespace: the level above's."""
    return r["levels"][-2]["ns"] if len(r["levels"]) > 1 else 0


def ns_id(fd):
    """NS_GET_ID of the namespace FD holds, or 0 where the kernel has none (before 6.18)."""
    try:
        return struct.unpack("Q", fcntl.ioctl(fd, NS_GET_ID, bytes(8)))[0]
    except OSError:
        return 0


def check_namespace(r, fd, ours):
    """What the namespace ioctls say of R's own namespace, through FD: its parent (but for OURS,
    whose parent is outside: NS_GET_PARENT says EPERM), id and owner."""
    if not ours:
        parent = fcntl.ioctl(fd, NS_GET_PARENT)
        try:
            assert os.fstat(parent).st_ino == parent_of(r), f"NS_GET_PARENT differs: {r}"
        finally:
            os.close(parent)
    assert ns_id(fd) == r["own_ns_id"], f"NS_GET_ID is {ns_id(fd)}: {r}"
    userns = fcntl.ioctl(fd, NS_GET_USERNS)
    try:
        uid = struct.unpack("I", fcntl.ioctl(userns, NS_GET_OWNER_UID, bytes(4)))[0]
        got = (os.fstat(userns).st_ino, uid)
        assert got == (r["own_userns"], r["own_userns_uid"]), f"owner {got}: {r}"
    finally:
        os.close(userns)


def check_parents(records, level, host_ns):
    """Each namespace as the namespace ioctls describe it, through one member of it."""
    checked = set()
    for r in records:
        own = r["levels"][-1]
        if own["ns"] in checked:
            continue
        checked.add(own["ns"])
        ours = len(r["levels"]) - 1 == level
        if ours:
            assert parent_of(r) == host_ns, f"our namespace's parent: {r}, host {host_ns}"
        fd = os.open(f"/proc/{r['levels'][level]['pid']}/ns/pid", os.O_RDONLY)
        try:
            check_namespace(r, fd, ours)
        finally:
            os.close(fd)
    return checked


def check_cgroups(records, level):
    """Tasks that share a css_set read the same /proc/PID/cgroup (what the labels' reads rely
    on), but for exiting ones (the zombie here), which show "/" in every v1 hierarchy."""
    by_css = {}
    for r in records:
        pid = r["levels"][level]["pid"]
        if r["exiting"]:
            continue
        try:
            with open(f"/proc/{pid}/cgroup", "rb") as f:
                text = f.read()
        except OSError:
            continue
        assert r["css_set"] != 0, f"PID {pid}: no css_set: {r}"
        first = by_css.setdefault(r["css_set"], (pid, text))
        assert first[1] == text, f"PIDs {first[0]} and {pid} share a css_set, not a cgroup"
    return len(by_css)


def check_fixture(fx, records, level):
    """Every member nsfixture built has its record, in the namespace nsfixture made for it."""
    by_pid = {r["levels"][level]["pid"]: r for r in records}
    for ns in fx.namespaces:
        for m in ns["members"]:
            r = by_pid.get(m["pid"])
            assert r is not None, f"no record of fixture member {m}"
            assert [l["pid"] for l in r["levels"][level:]] == m["nstgid"], f"{m} vs {r}"
            assert r["levels"][-1]["ns"] == ns["ino"], f"{m}: namespace {ns['ino']}, {r}"
            assert parent_of(r) == ns["parent"]["ino"], f"{m}: {ns}, {r}"


def compare(tool, fx, host_ns):
    doc, holder = run_tool(tool)
    try:
        assert doc["rejected"] == 0 and not doc["incomplete"] and not doc["unframed"], \
            f"decoder: {doc}"
        level = reader_level(doc)
        own_ns = os.stat("/proc/self/ns/pid").st_ino
        records = doc["records"]
        by_tgid = {r["tgid"]: r for r in records}
        pids = sorted(check_record(r, level, by_tgid, own_ns) for r in records)
        assert pids == sorted(h.pids()), f"/proc lists {sorted(h.pids())}"
        namespaces = check_parents(records, level, host_ns)
        check_cgroups(records, level)
        check_fixture(fx, records, level)
        return len(records), len(namespaces), max(len(r["levels"]) for r in records)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def extras():
    """Two threads with a child each, a process of another UID, a zombie and a hostile comm."""
    stop = threading.Event()
    by_thread = []

    def fork_and_wait():  # a child whose real_parent is a thread, not the leader: PPid is its tgid
        by_thread.append(subprocess.Popen(["sleep", "600"], stdin=subprocess.DEVNULL))
        stop.wait()

    for _ in range(2):
        threading.Thread(target=fork_and_wait, daemon=True).start()
    h.wait_for("the threads' children", lambda: len(by_thread) == 2, 30)
    nobody = subprocess.Popen(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                               "sleep", "600"], stdin=subprocess.DEVNULL)
    hostile = subprocess.Popen(
        [sys.executable, "-c", "import sys, time\nopen('/proc/self/comm', 'wb').write("
         f"{HOSTILE_COMM!r})\nprint(flush=True)\ntime.sleep(600)"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
    hostile.stdout.readline()  # its comm is set
    zombie = os.fork()
    if zombie == 0:
        os._exit(0)
    h.wait_for("the zombie", lambda: status_of(zombie)["State"].startswith(b"Z"), 30)
    h.wait_for("the other UID", lambda: status_of(nobody.pid)["Uid"].startswith(b"65534"),
                       30)
    return [nobody, hostile] + by_thread


def inner(tool, host_ns):
    assert os.getpid() == 1, "not PID 1 of a fresh namespace"
    children = extras()
    try:
        for spec in ["3(2(1,2(1)),1(1(1(1))),2)", "max"]:
            with h.Fixture(spec, wrapper=[]) as fx:
                tasks, namespaces, deepest = compare(tool, fx, host_ns)
                print(f"{spec}: {tasks} records, {namespaces} namespaces, up to {deepest} "
                      "levels, as procfs says")
    finally:
        for c in children:
            c.kill()
            c.wait()


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--inner":
        h.main(lambda: inner(sys.argv[2], int(sys.argv[3])))
    else:
        h.main(outer)
