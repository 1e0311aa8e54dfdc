"""What the VM held, from the guest's records, and what pidns-tree must show of it.

The truth is taken as root inside the VM, before and after the runs (guest.sh's `snapshot`):
every process's ns/pid and ns/user (stat -L), its status fields, and its stat line, whose flags
say PF_KTHREAD whatever lines the kernel's status file has. What nsfixture built (parents of
namespaces) and what the guest pinned come from their own records. A process in both snapshots,
unchanged, is stable; pidns-tree must show every stable process exactly as the truth has it.
"""

import json
import re
from dataclasses import dataclass, field

PF_KTHREAD = 0x00200000
NOBODY = 65534


@dataclass
class Proc:
    pid: int
    name: str = ""
    ppid: int = 0
    uid: int = 0
    nstgid: tuple = ()
    threads: int = 1
    state: str = ""
    kthread: bool = False
    ns: tuple = None  # (dev, ino) of ns/pid
    userns: int = None  # inode of ns/user

    def same(self, other):
        return (stable_name(self.name), self.nstgid, self.ns, self.ppid) == \
            (stable_name(other.name), other.nstgid, other.ns, other.ppid)


def stable_name(name):
    """A name without what changes by itself: a kernel worker's name ends with the workqueue
    it runs now (kworker/0:1-events, then kworker/0:1-mm_percpu_wq)."""
    return re.sub(r"^(kworker/[^-]+)-.*$", r"\1", name)


def parse_snapshot(records, name):
    """PID -> Proc, from the three files of one snapshot."""
    procs = {}

    def proc(pid):
        return procs.setdefault(pid, Proc(pid))

    for line in records[name + ".ns"].decode().splitlines():
        path, dev, ino = line.split()
        pid, _, kind = path.split("/")
        if kind == "pid":
            proc(int(pid)).ns = (int(dev), int(ino))
        else:
            proc(int(pid)).userns = int(ino)
    for line in records[name + ".status"].decode(errors="replace").splitlines():
        path, _, rest = line.partition(":")
        key, _, value = rest.partition(":")
        p = proc(int(path.split("/")[0]))
        value = value.strip()
        if key == "Name":
            p.name = value
        elif key == "PPid":
            p.ppid = int(value)
        elif key == "Uid":
            p.uid = int(value.split()[0])
        elif key == "NStgid":
            p.nstgid = tuple(int(v) for v in value.split())
        elif key == "Threads":
            p.threads = int(value)
        elif key == "State":
            p.state = value.split()[0]
    for line in records[name + ".stat"].decode(errors="replace").splitlines():
        pid = int(line.split(" ", 1)[0])
        fields = line[line.rindex(")") + 2:].split()
        if pid in procs:
            procs[pid].kthread = bool(int(fields[6]) & PF_KTHREAD)
    # A process that ended between the three reads is not in all of them: not truth.
    return {pid: p for pid, p in procs.items() if p.ns and p.nstgid and p.name}


@dataclass
class Ns:
    """One namespace, as it was built and as the snapshots saw it."""

    id: tuple  # (dev, ino)
    level: int
    parent: tuple = None
    members: list = field(default_factory=list)  # stable Procs, by PID
    userns: int = None
    owner_uid: int = 0
    pins: list = field(default_factory=list)  # (kind, pid, detail) with --all

    @property
    def init(self):
        """The host PID of its PID 1; None if it has none."""
        for p in self.members:
            if p.nstgid[-1] == 1:
                return p.pid
        return None


class Truth:
    """Stable processes, every namespace with its parent and members, and the pins."""

    def __init__(self, records):
        before = parse_snapshot(records, "before")
        after = parse_snapshot(records, "after")
        self.stable = {pid: p for pid, p in before.items() if pid in after and p.same(after[pid])}
        self.seen = {**before, **after}  # anything either snapshot saw
        self.top = self.stable[1].ns
        fixtures = {k: json.loads(records["fixture." + k]) for k in ("root", "nobody")}
        self.namespaces = {}
        for p in sorted(self.stable.values(), key=lambda p: p.pid):
            ns = self.namespaces.setdefault(p.ns, Ns(p.ns, len(p.nstgid) - 1))
            ns.members.append(p)
        self.nobody_owned = set()
        for kind, doc in fixtures.items():
            for built in doc["namespaces"]:
                nid = (built["dev"], built["ino"])
                ns = self.namespaces[nid]
                ns.parent = (built["parent"]["dev"], built["parent"]["ino"])
                if kind == "nobody":
                    self.nobody_owned.add(nid)
        self.top_userns = self.stable[1].userns
        self._pins(records["pins"].decode())
        for ns in self.namespaces.values():
            if ns.level == 1:
                ns.parent = self.top
            if ns.level > 0 and ns.parent is None:
                raise RuntimeError(f"truth: no parent recorded for namespace {ns.id}")
            ns.userns = ns.members[0].userns if ns.members else self.top_userns
            ns.owner_uid = NOBODY if ns.id in self.nobody_owned else 0

    def _pins(self, text):
        """Namespaces held without a process: bind mount, fd, pid_for_children; and the
        process whose pid_for_children has no namespace yet."""
        self.pending = None
        self.children_ns = {}
        for line in text.splitlines():
            kind, dev, ino, *rest = line.split()
            if kind == "pending":
                self.pending = int(rest[0])
                continue
            nid = (int(dev), int(ino))
            ns = self.namespaces.setdefault(nid, Ns(nid, 1))  # made by root in the top one
            if kind == "mount":
                ns.pins.append(("mount", None, rest[0]))
            elif kind == "fd":
                ns.pins.append(("fd", int(rest[0]), int(rest[1])))
            else:
                ns.pins.append(("pid_for_children", int(rest[0]), None))
                self.children_ns[int(rest[0])] = nid

    def pinned(self, ns):
        return bool(ns.pins) and not ns.members

    def ancestors(self, nid):
        out = []
        while self.namespaces[nid].parent is not None:
            nid = self.namespaces[nid].parent
            out.append(nid)
        return out

    def transient_kthreads(self):
        """Kernel threads that only one snapshot saw: the kernel starts and ends workers."""
        return {pid for pid, p in self.seen.items() if p.kthread and pid not in self.stable}
