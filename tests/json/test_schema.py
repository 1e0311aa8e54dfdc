#!/usr/bin/env python3
"""Real `pidns-tree --json` output validates against doc/pidns-tree.schema.json for every view
(plain, -N, --ptree, --pid, --ns, --max-depth, --owner, --all, --proc, the host's whole /proc),
on real nested PID namespaces, with namespaces pinned by an fd, a bind mount and
pid_for_children; and documents broken on purpose fail validation, so the check can fail."""
import copy
import os
import subprocess
import tempfile

import harness as h
from harness import schema

SPEC = "2(3(2(1)),1)"  # levels 1..4 below the caller's namespace


def namespaces(doc):
    def walk(ns):
        yield ns
        for c in ns["children"]:
            yield from walk(c)
    for top in doc["pidns"]:
        yield from walk(top)


def processes(doc):
    def walk(p):
        yield p
        for c in p.get("children", []):
            yield from walk(c)
    for ns in namespaces(doc):
        for p in ns.get("processes", []):
            yield from walk(p)


def child_of(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
            kids = f.read().split()
    except OSError:
        return None
    return int(kids[0]) if kids else None


class Pins:
    """Namespaces held by something else than a member (root only: unshare --pid, mount):
    A, whose only process is killed, stays held by an fd of ours and by a bind mount in a
    private mount namespace; B is the namespace of a live `unshare --pid --fork` (children_ns as
    an id); C is pending after `unshare --pid` without --fork."""

    def __init__(self):
        self.procs = []
        self.fd = -1
        self.tmp = None

    def _spawn(self, cmd):
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, start_new_session=True)
        self.procs.append(p)
        return p

    def __enter__(self):
        try:
            self.tmp = tempfile.TemporaryDirectory(prefix="pidns-json-")
            a = self._spawn(["unshare", "--pid", "--fork", "--kill-child", "sleep", "600"])
            a_init = h.wait_for("the init of namespace A", lambda: child_of(a.pid))
            ns_file = f"/proc/{a_init}/ns/pid"
            h.wait_for("A's init to exec", lambda: open(f"/proc/{a_init}/comm").read() == "sleep\n")
            self.fd = os.open(ns_file, os.O_RDONLY | os.O_CLOEXEC)
            st = os.fstat(self.fd)
            self.a = (st.st_dev, st.st_ino)
            target = os.path.join(self.tmp.name, "pidns")
            open(target, "w").close()
            self.mounter = self._spawn(
                ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                 'mount --bind "$0" "$1" && exec sleep 600', ns_file, target])
            h.wait_for("the bind mount", lambda: target in open(f"/proc/{self.mounter.pid}/mountinfo").read())
            self.target = target
            a.kill()  # --kill-child: A's init dies too; A stays, held by the fd and the mount
            a.wait()
            h.wait_for("A's init to go", lambda: not os.path.exists(f"/proc/{a_init}"))
            self.b_parent = self._spawn(["unshare", "--pid", "--fork", "--kill-child",
                                         "sleep", "600"])
            h.wait_for("the init of namespace B", lambda: child_of(self.b_parent.pid))
            self.pending = self._spawn(["unshare", "--pid", "sleep", "600"])
            h.wait_for("unshare --pid to exec sleep",
                     lambda: open(f"/proc/{self.pending.pid}/comm").read() == "sleep\n")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            try:
                os.killpg(p.pid, 9)
            except ProcessLookupError:
                pass
            p.wait()
        if self.fd >= 0:
            os.close(self.fd)
        if self.tmp is not None:
            self.tmp.cleanup()
        return False

    def check(self, doc):
        """The --all document shows A hidden with its three kinds of pins, and the
        children_ns of B's unshare and of the pending one."""
        by_id = {(n["dev"], n["ino"]): n for n in namespaces(doc)}
        a = by_id.get(self.a)
        if a is None:
            raise AssertionError(f"--all: namespace A pid:[{self.a[1]}] (fd + mount) missing")
        kinds = {(p["kind"], p["pid"]) for p in a["pins"]}
        want = {("fd", os.getpid()), ("mount", self.mounter.pid)}
        if not a["hidden"] or not want <= kinds:
            raise AssertionError(f"--all: A is {a}, want hidden with pins {want}")
        mounts = [p["mountpoint"] for p in a["pins"] if p["kind"] == "mount"]
        fds = [p["fd"] for p in a["pins"] if p["kind"] == "fd"]
        if mounts != [self.target] or fds != [self.fd]:
            raise AssertionError(f"--all: A's pins are {a['pins']}, want mount {self.target} "
                                 f"and fd {self.fd}")
        procs = {p["pid"]: p for p in processes(doc)}
        b = procs[self.b_parent.pid].get("children_ns")
        b_init = child_of(self.b_parent.pid)
        st = os.stat(f"/proc/{b_init}/ns/pid")
        if b != {"dev": st.st_dev, "ino": st.st_ino}:
            raise AssertionError(f"--all: children_ns of unshare --fork is {b!r}, want pid:[{st.st_ino}]")
        if ("pid_for_children", self.b_parent.pid) not in {
                (p["kind"], p["pid"]) for p in by_id[(st.st_dev, st.st_ino)]["pins"]}:
            raise AssertionError("--all: B lacks the pid_for_children pin of its unshare")
        got = procs[self.pending.pid].get("children_ns")
        if got != "pending":
            raise AssertionError(f"--all: children_ns after unshare --pid is {got!r}, want 'pending'")


def broken_documents(doc):
    """(what, document) pairs that must fail validation, each made from a valid document."""
    ns = next(n for n in namespaces(doc) if n.get("processes"))

    def mutate(what, change):
        d = copy.deepcopy(doc)
        change(d, next(n for n in namespaces(d) if n["ino"] == ns["ino"]))
        return what, d

    yield mutate("nstgid as a string", lambda d, n: n["processes"][0].update(nstgid="1/2"))
    yield mutate("nstgid empty", lambda d, n: n["processes"][0].update(nstgid=[]))
    yield mutate("nstgid with 0", lambda d, n: n["processes"][0].update(nstgid=[0]))
    yield mutate("a stray process key", lambda d, n: n["processes"][0].update(comm="x"))
    yield mutate("a stray namespace key", lambda d, n: n.update(type="pid"))
    yield mutate("a stray top-level key", lambda d, n: d.update(extra=1))
    yield mutate("schema 1", lambda d, n: d.update(schema=1))
    yield mutate("a null ino, not inferred", lambda d, n: n.update(ino=None))
    yield mutate("inferred with an inode", lambda d, n: n.update(ns_inferred=True))
    yield mutate("no summary.inferred", lambda d, n: d["summary"].pop("inferred"))
    yield mutate("a bad label", lambda d, n: n.update(label=f"pid:{n['ino']}"))
    yield mutate("level 33", lambda d, n: n.update(level=33))
    yield mutate("no children", lambda d, n: n.pop("children"))
    yield mutate("pid as a string", lambda d, n: n["processes"][0].update(pid="1"))
    yield mutate("an fd pin without fd", lambda d, n: n.update(pins=[{"kind": "fd", "pid": 1}]))
    yield mutate("a pin of unknown kind", lambda d, n: n.update(pins=[{"kind": "x", "pid": 1}]))
    yield mutate("children_ns as a word", lambda d, n: n["processes"][0].update(children_ns="x"))
    yield mutate("relation unknown word", lambda d, n: d["procfs"].update(relation="parent"))
    yield mutate("hidden with processes", lambda d, n: n.update(hidden=True))
    yield mutate("partial with processes", lambda d, n: n.update(partial=True))
    yield mutate("owner without user", lambda d, n: n.update(
        owner={"userns": {"dev": 1, "ino": 2}, "uid": 0}))
    yield mutate("container without pod_uid", lambda d, n: n.update(
        container={"engine": "docker", "id": "abc"}))


def test():
    validator = schema.validator()
    with h.Fixture(SPEC, mount_proc=True, prefix="jsfxs") as fx:
        deep = fx.ns(2)  # level 3
        member = deep["members"][1]["pid"]
        views = {
            "plain (the host's whole /proc)": [],
            "-N": ["-N"],
            "--ptree": ["--ptree"],
            "--pid": ["--pid", str(member)],
            "--ns INODE": ["--ns", str(fx.ns(1)["ino"])],
            "--ns pid:[INODE], twice": ["--ns", f"pid:[{fx.ns(3)['ino']}]", "--ns",
                                        str(fx.ns(2)["ino"])],
            "--max-depth 1": ["--max-depth", "1"],
            "--owner": ["--owner"],
            "--ns-id": ["--ns-id"],
            "--all": ["--all"],
            "--no-labels": ["--no-labels"],
            "--proc of a descendant": ["--proc", fx.ns(0)["proc"]],
            "--proc of a descendant --all --ptree": ["--proc", fx.ns(1)["proc"], "--all",
                                                     "--ptree"],
            "--ptree --pid --owner --all": ["--ptree", "--pid", str(member), "--owner", "--all"],
            "-N --max-depth 1 --all": ["-N", "--max-depth", "1", "--all"],
            "--pid --max-depth 0": ["--pid", str(member), "--max-depth", "0"],
        }
        docs = {}
        for what, args in views.items():
            doc = h.run_json(args)
            schema.validate(validator, doc, what)
            docs[what] = doc
            print(f"valid: {what}")

        # Each view really produced the optional parts the schema describes.
        h.compare(fx, doc=docs["plain (the host's whole /proc)"])
        if any("processes" in n for n in namespaces(docs["-N"])):
            raise AssertionError("-N: processes present")
        if not any("children" in p for p in processes(docs["--ptree"])):
            raise AssertionError("--ptree: no process has children")
        selected = [p["pid"] for p in processes(docs["--pid"]) if p.get("selected")]
        if selected != [member]:
            raise AssertionError(f"--pid: selected {selected}, want [{member}]")
        if not any(n.get("partial") for n in namespaces(docs["--pid"])):
            raise AssertionError("--pid: no partial ancestor")
        tops = [n["ino"] for n in docs["--ns INODE"]["pidns"]]
        if fx.ns(1)["ino"] not in [n["ino"] for n in namespaces(docs["--ns INODE"])]:
            raise AssertionError(f"--ns: namespace missing; tops {tops}")
        if not any("cut" in n for n in namespaces(docs["--max-depth 1"])):
            raise AssertionError("--max-depth 1: no cut")
        if max(n["level"] for n in namespaces(docs["--max-depth 1"])) != 1:
            raise AssertionError("--max-depth 1: deeper levels shown")
        if docs["--proc of a descendant"]["procfs"]["relation"] != "descendant":
            raise AssertionError("--proc: relation is not descendant")

        if os.geteuid() == 0:
            with Pins() as pins:
                for what, args in (("--all with pins", ["--all"]),
                                   ("--all --ptree --owner with pins", ["--all", "--ptree",
                                                                        "--owner"])):
                    doc = h.run_json(args)
                    schema.validate(validator, doc, what)
                    pins.check(doc)
                    print(f"valid: {what}")
        else:
            print("not root: namespaces held by fds, mounts and pid_for_children not built")

        # The check can fail: broken documents are rejected, each for its own reason.
        base = docs["plain (the host's whole /proc)"]
        for what, doc in broken_documents(base):
            if validator.is_valid(doc):
                raise AssertionError(f"a document with {what} passed validation")
        print("rejected: every broken document")


h.main(test)
