"""pidns-tree's outputs parsed into one shape, so that every format is checked by the same rules.

Each parser returns key -> Got, where a key is ("ns", inode) for a namespace shown by its inode
and ("inferred", init PID) for one inferred from status files. Fields a format does not carry
stay None.
"""

import json
import re
from dataclasses import dataclass


@dataclass
class GotProc:
    pid: int
    name: str
    nstgid: tuple
    ppid: int = None
    uid: int = None
    threads: int = None
    kthread: bool = None
    tree_parent: int = None  # --ptree: the process it is drawn under (None at the top)
    children_ns: object = None  # --all: (dev, ino), "pending" or None
    init_mark: bool = None


@dataclass
class Got:
    key: tuple
    label: str
    level: int
    parent: tuple = None
    hidden: bool = None
    current: bool = None
    inferred: bool = None
    init: int = None
    process_count: int = None
    thread_count: int = None
    members: dict = None  # PID -> GotProc; None where the format lists none (-N)
    kthread_summary: int = None  # text and DOT: kernel threads counted in one line
    pins: list = None
    owner: object = "unknown"  # (userns inode, uid, user), None (not visible), or unknown
    unique_id: bool = None
    dev: int = None
    all_members_seen: bool = None


def _key(label, init):
    m = re.fullmatch(r"pid:\[(\d+|\?)\]", label)
    if not m:
        raise ValueError(f"not a namespace label: {label!r}")
    return ("inferred", init) if m.group(1) == "?" else ("ns", int(m.group(1)))


# ---------------------------------------------------------------------------------------------
# JSON


def from_json(doc):
    nodes = {}

    def walk(n, parent):
        got = Got(key=_key(n["label"], n["init"]), label=n["label"], level=n["level"],
                  parent=parent, hidden=n["hidden"], current=n["current"],
                  inferred=n["ns_inferred"], init=n["init"], process_count=n["process_count"],
                  thread_count=n["thread_count"], dev=n["dev"], unique_id="unique_id" in n,
                  all_members_seen=n.get("all_members_seen", True),
                  pins=[_json_pin(p) for p in n["pins"]])
        o = n["owner"]
        got.owner = o and (o["userns"]["ino"], o["uid"], o["user"])
        if "processes" in n:
            got.members = {}
            _json_procs(n["processes"], None, got.members)
        if got.key in nodes:
            raise AssertionError(f"{n['label']} (init {n['init']}) is drawn twice")
        nodes[got.key] = got
        for c in n["children"]:
            walk(c, got.key)

    for top in doc["pidns"]:
        walk(top, None)
    return nodes


def _json_pin(p):
    if p["kind"] == "mount":
        return ("mount", p["pid"], p["mountpoint"])
    if p["kind"] == "fd":
        return ("fd", p["pid"], p["fd"])
    return ("pid_for_children", p["pid"], None)


def _json_procs(procs, tree_parent, out):
    for p in procs:
        cns = p.get("children_ns")
        out[p["pid"]] = GotProc(
            pid=p["pid"], name=p["name"], nstgid=tuple(p["nstgid"]), ppid=p["ppid"],
            uid=p["uid"], threads=p["threads"], kthread=p.get("kernel_thread", False),
            tree_parent=tree_parent,
            children_ns=(cns["dev"], cns["ino"]) if isinstance(cns, dict) else cns)
        _json_procs(p.get("children", []), p["pid"], out)


# ---------------------------------------------------------------------------------------------
# Text

_PREFIX = re.compile(r"^((?:[|│] {3}| {4})*)((?:[|`├└](?:--|──) ))?")
_NS = re.compile(r"^(pid:\[(?:\d+|\?)\]) level (\d+), (.*)$")
_PROC = re.compile(r"^(\d+) (.*?)  nstgid=([\d/]+)(.*)$")
_KTHREADS = re.compile(r"^(\d+) kernel threads? \(--kernel-threads lists them\)$")
_COUNTS = re.compile(r"(\d+) process(?:es)?, (\d+) threads?")


def from_text(text):
    """The tree drawn by text output (any of -N, --ptree, -k, --owner, --all)."""
    nodes = {}
    stack = []  # (depth, "ns" | "proc", key or pid)
    for line in text.splitlines():
        m = _PREFIX.match(line)
        depth = len(m.group(0)) // 4
        body = line[len(m.group(0)):]
        while stack and stack[-1][0] >= depth:
            stack.pop()
        ns_key = next((k for _, kind, k in reversed(stack) if kind == "ns"), None)
        if (n := _NS.match(body)) is not None:
            got = _text_ns(n, ns_key)
            if got.key in nodes:
                raise AssertionError(f"{got.label} (init {got.init}) is drawn twice")
            nodes[got.key] = got
            stack.append((depth, "ns", got.key))
        elif (k := _KTHREADS.match(body)) is not None:
            nodes[ns_key].kthread_summary = int(k.group(1))
        elif (p := _PROC.match(body)) is not None:
            tree_parent = stack[-1][2] if stack and stack[-1][1] == "proc" else None
            proc = GotProc(pid=int(p.group(1)), name=p.group(2),
                           nstgid=tuple(int(x) for x in p.group(3).split("/")),
                           tree_parent=tree_parent, init_mark="(init)" in p.group(4))
            flags = p.group(4)
            if (c := re.search(r"children in pid:\[(\d+)\]", flags)) is not None:
                proc.children_ns = (None, int(c.group(1)))
            elif "children in a new namespace, not yet started" in flags:
                proc.children_ns = "pending"
            members = nodes[ns_key].members
            if members is None:
                members = nodes[ns_key].members = {}
            members[proc.pid] = proc
            stack.append((depth, "proc", proc.pid))
        else:
            raise AssertionError(f"text line not understood: {line!r}")
    return nodes


def _text_ns(m, parent):
    label, level, rest = m.group(1), int(m.group(2)), m.group(3)
    init = re.search(r"\binit (\d+)", rest)
    got = Got(key=_key(label, init and int(init.group(1))), label=label, level=level,
              parent=parent, hidden="(hidden)" in rest, current="(current)" in rest,
              inferred="(inferred)" in rest, init=init and int(init.group(1)))
    counts = _COUNTS.search(rest)
    if counts:
        got.process_count, got.thread_count = int(counts.group(1)), int(counts.group(2))
    elif re.search(r"\bno (visible )?processes\b", rest):
        got.process_count, got.thread_count = 0, 0
    owner = re.search(r"owner uid (\d+) \((.*?)\) of user:\[(\d+)\]", rest)
    if owner:
        got.owner = (int(owner.group(3)), int(owner.group(1)), owner.group(2))
    elif "owner not visible" in rest:
        got.owner = None
    got.unique_id = re.search(r", id \d+", rest) is not None
    got.pins = [("mount", int(p), mp) for mp, p in
                re.findall(r"mount at (\S+) \(PID (\d+)\)", rest)]
    got.pins += [("fd", int(p), int(fd)) for fd, p in re.findall(r"fd (\d+) of PID (\d+)", rest)]
    got.pins += [("pid_for_children", int(p), None)
                 for p in re.findall(r"pid_for_children of PID (\d+)", rest)]
    return got


# ---------------------------------------------------------------------------------------------
# DOT

_DOT_NODE = re.compile(r'^  (\w+) \[(.*)label="(.*)"\];$')
_DOT_EDGE = re.compile(r"^  (\w+) -> (\w+)( \[arrowhead=none, style=dotted\])?;$")


def from_dot(text):
    """Namespaces (boxes), processes (ellipses) and kernel-thread counts; edges between
    namespaces are parent to child, dotted ones namespace to member."""
    nodes, procs, by_id, kthreads = {}, {}, {}, {}
    lines = text.splitlines()
    if lines[0] != "digraph pidns {" or lines[-1] != "}":
        raise AssertionError("not a pidns digraph")
    for line in lines[1:-1]:
        if (m := _DOT_NODE.match(line)) is not None:
            node_id, attrs, label = m.groups()
            parts = label.split("\\n")
            if node_id.endswith("_kthreads"):
                kthreads[node_id[: -len("_kthreads")]] = int(parts[0].split()[0])
            elif "shape=box" in attrs:
                init = next((int(x.split()[1]) for x in parts if x.startswith("init ")), None)
                got = Got(key=_key(parts[0], init), label=parts[0],
                          level=int(parts[1].split()[1]), init=init, members={},
                          inferred=any("(inferred)" in x for x in parts))
                counts = _COUNTS.search(label)
                if counts:
                    got.process_count = int(counts.group(1))
                    got.thread_count = int(counts.group(2))
                by_id[node_id] = got
                nodes[got.key] = got
            else:
                pid, name = parts[0].split(" ", 1)
                procs[node_id] = GotProc(pid=int(pid), name=name,
                                         nstgid=tuple(int(x) for x in parts[1].split("/")),
                                         init_mark="bold" in attrs)
        elif (e := _DOT_EDGE.match(line)) is not None:
            a, b, dotted = e.groups()
            if b.endswith("_kthreads"):
                continue  # the count, read from the node
            if dotted:
                by_id[a].members[procs[b].pid] = procs[b]
            else:
                by_id[b].parent = by_id[a].key
        elif line.strip() not in ("rankdir=TB;", 'node [fontname="monospace"];'):
            raise AssertionError(f"DOT line not understood: {line!r}")
    for node_id, count in kthreads.items():
        by_id[node_id].kthread_summary = count
    return nodes


def parse(mode, raw):
    text = raw.decode()
    if mode == "json":
        return from_json(json.loads(text))
    if mode == "dot":
        return from_dot(text)
    return from_text(text)
