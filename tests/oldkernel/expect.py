"""What one pidns-tree run must show, derived from the truth, the viewer and the procfs it scans.

Root sees every namespace by its inode. nobody reads ns/pid only of its own processes: the
namespaces of root's fixture are inferred from status files (`pid:[?]`, keyed by their init),
its own (in a user namespace it owns) and pidns-tree's own are named. With `--proc` of an inner
procfs, PIDs are that procfs's (NStgid from that level down) and the namespaces above it are
shown hidden, with the kernel's levels.
"""

from dataclasses import dataclass, field

from .truth import NOBODY

USERS = {0: "root", NOBODY: "nobody"}


@dataclass
class ProcView:
    pid: int
    name: str
    nstgid: tuple
    ppid: int
    uid: int
    threads: int
    kthread: bool
    host_pid: int


@dataclass
class Want:
    """One namespace as the run must show it."""

    key: tuple  # ("ns", ino) or ("inferred", init PID as shown)
    label: str
    level: int
    parent: tuple  # key, or None at the top
    hidden: bool
    current: bool
    inferred: bool
    init: int  # as shown; None: no init seen
    members: dict = field(default_factory=dict)  # PID as shown -> ProcView
    open: bool = False  # pidns-tree's own namespace under /proc: it and its callers join it
    pins: list = field(default_factory=list)
    owner: tuple = None  # (userns inode, uid, user); None: not visible
    nid: tuple = None  # (dev, ino) in the truth


def view(truth, viewer, procfs_pid=None, with_all=False):
    """Key -> Want for a run by VIEWER ("root" or "nobody") over /proc, or over the procfs of
    the namespace of host PID PROCFS_PID, with or without --all."""
    scanned = truth.stable[procfs_pid].ns if procfs_pid else truth.top
    level0 = truth.namespaces[scanned].level
    inside = {scanned} | {nid for nid in truth.namespaces if scanned in truth.ancestors(nid)}
    above = set(truth.ancestors(scanned))
    pins = {nid: _visible_pins(truth.namespaces[nid], viewer) if with_all else []
            for nid in inside | above}
    shown = {nid for nid in inside | above if not truth.pinned(truth.namespaces[nid])
             or (pins[nid] and procfs_pid is None)}
    named = _named(truth, viewer, shown) | {nid for nid in shown if pins[nid]}
    keys = {nid: _key(truth, truth.namespaces[nid], nid in named, level0) for nid in shown}
    wants = {}
    for nid, key in keys.items():
        ns = truth.namespaces[nid]
        shown = nid in inside
        w = Want(key=key, label=f"pid:[{nid[1]}]" if nid in named else "pid:[?]",
                 level=ns.level, parent=keys.get(ns.parent), hidden=not (shown and ns.members),
                 current=nid == truth.top, inferred=nid not in named, init=None, nid=nid,
                 open=nid == truth.top and shown)
        if shown:
            w.members = {p.nstgid[level0]: _proc_view(truth, p, level0, inside)
                         for p in ns.members}
            w.init = ns.init and truth.stable[ns.init].nstgid[level0]
        w.pins = pins[nid]
        if nid in named:
            w.owner = (ns.userns, ns.owner_uid, USERS[ns.owner_uid])
        wants[key] = w
    return wants


def _visible_pins(ns, viewer):
    """What --all finds of what holds NS: root everything; nobody only the bind mounts, which
    it may open through the root of a process of its own in that mount namespace (its
    nsfixture), and neither root's descriptors nor root's pid_for_children."""
    return [p for p in ns.pins if viewer == "root" or p[0] == "mount"]


def _named(truth, viewer, nids):
    """The namespaces the viewer can name: root all; nobody those where it may read a member,
    pidns-tree's own, and their ancestors (NS_GET_PARENT)."""
    if viewer == "root":
        return set(nids)
    readable = {truth.top} | {nid for nid in nids
                              if any(p.uid == NOBODY for p in truth.namespaces[nid].members)}
    named = set(readable)
    for nid in readable:
        named.update(truth.ancestors(nid))
    return named & set(nids)


def _key(truth, ns, named, level0):
    if named:
        return ("ns", ns.id[1])
    return ("inferred", truth.stable[ns.init].nstgid[level0])


def _proc_view(truth, p, level0, inside):
    """P as the scanned procfs numbers it: its parent is 0 when that procfs cannot see it."""
    parent = truth.seen.get(p.ppid)
    ppid = parent.nstgid[level0] if parent and parent.ns in inside else 0
    return ProcView(pid=p.nstgid[level0], name=p.name, nstgid=p.nstgid[level0:], ppid=ppid,
                    uid=p.uid, threads=p.threads, kthread=p.kthread, host_pid=p.pid)
