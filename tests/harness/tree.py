"""pidns-tree's namespace trees as JSON gives them (and as parse_text() gives the text): indexing,
walking, what a scan must show of an nsfixture tree (compare), and the facts every document must
agree with whatever the host runs (check_doc)."""

from .core import eq
from .text import parse_text


def json_key(ns):
    """(dev, ino) of a namespace; for an inferred one (no inode), ("?", its init's PID)."""
    return ("?", ns["init"]) if ns.get("ns_inferred") else (ns["dev"], ns["ino"])


def index_tree(roots, keyed_by_dev=True):
    """{key: node} over a tree from JSON or parse_text(); each node gains "parent_key".
    The key is (dev, ino) for JSON and ino for text."""
    nodes = {}

    def walk(ns, parent_key):
        key = json_key(ns) if keyed_by_dev else ns["ino"]
        if key in nodes:
            raise AssertionError(f"namespace {key} appears twice")
        nodes[key] = dict(ns, parent_key=parent_key)
        for c in ns["children"]:
            walk(c, key)

    for r in roots:
        walk(r, None)
    return nodes


def expected_view(fx, top=None):
    """What a pidns-tree scan of one procfs must show of the fixture.

    top=None: the caller's procfs (pids and nstgid as the caller numbers them). top=i: the
    procfs of fixture namespace i; only i and its descendants are visible, and numbers start at
    namespace i's level. Returns {(dev, ino): {index, parent, level, processes: {pid: {...}}}}
    where level is relative to the scanned procfs's namespace (pidns-tree shifts it by the
    number of namespaces it finds above that one).
    """
    key_of = {n["index"]: (n["dev"], n["ino"]) for n in fx.namespaces}
    index_of = {key: i for i, key in key_of.items()}

    def parent_index(i):
        p = fx.ns(i)["parent"]
        return index_of.get((p["dev"], p["ino"]))

    def below_top(i):
        while i is not None:
            if i == top:
                return True
            i = parent_index(i)
        return False

    visible = [n["index"] for n in fx.namespaces if top is None or below_top(n["index"])]
    base = 0 if top is None else fx.ns(top)["depth"]  # nstgid index of the scanned namespace
    # The view's numbering of each visible process; a parent outside the view reads as PPid 0.
    renumber = {m["pid"]: m["nstgid"][base] for i in visible for m in fx.ns(i)["members"]}
    out = {}
    for i in visible:
        ns = fx.ns(i)
        procs = {}
        for m in ns["members"]:
            nstgid = m["nstgid"][base:]
            ppid = m["ppid"] if top is None else renumber.get(m["ppid"], 0)
            procs[nstgid[0]] = {"name": m["name"], "nstgid": nstgid, "ppid": ppid,
                                "init": m["init"]}
        out[key_of[i]] = {"index": i, "parent": (ns["parent"]["dev"], ns["parent"]["ino"]),
                          "level": ns["depth"] - base, "processes": procs}
    return out


def compare(fx, doc=None, text=None, top=None, level_offset=None, extra_names=(), current=None):
    """Asserts that pidns-tree's JSON document and/or text output shows the fixture's namespaces
    (those visible from the scanned procfs, see expected_view) exactly: parent, level, not
    hidden, members with pid/name/nstgid/ppid(JSON only)/init marker, counts.

    level_offset: the level pidns-tree gives the scanned procfs's namespace, i.e. how many
    namespaces it finds above it; default: the caller's namespace is level 0 (a host, or a
    container whose parent namespaces NS_GET_PARENT may not reveal).
    extra_names: names of processes allowed in addition, e.g. the pidns-tree run itself when it
    runs inside a fixture namespace.
    current: the index of the fixture namespace pidns-tree runs in, if any.
    Returns the indexed nodes (JSON nodes if doc is given) for further checks.
    """
    want = expected_view(fx, top)
    if doc is not None:
        check_summary(doc)
    if level_offset is None:
        level_offset = fx.ns(top)["depth"] if top is not None else 0
    result = None
    for kind, roots in (("json", doc["pidns"] if doc else None),
                        ("text", parse_text(text) if text is not None else None)):
        if roots is None:
            continue
        by_dev = kind == "json"
        nodes = index_tree(roots, keyed_by_dev=by_dev)
        result = result or nodes
        for key, w in want.items():
            k = key if by_dev else key[1]
            where = f"{kind}: fixture namespace {w['index']} (pid:[{key[1]}])"
            got = nodes.get(k)
            if got is None:
                raise AssertionError(f"{where} missing")
            wparent = w["parent"] if by_dev else w["parent"][1]
            if top is not None and w["index"] == top and got["parent_key"] is None:
                pass  # the scanned namespace may be a root (run inside it)
            elif got["parent_key"] != wparent:
                raise AssertionError(f"{where}: parent {got['parent_key']}, want {wparent}")
            eq(where, "level", got["level"], w["level"] + level_offset)
            eq(where, "hidden", got["hidden"], False)
            eq(where, "current", got["current"], w["index"] == current)
            fixture_children = {kk if by_dev else kk[1] for kk, ww in want.items()
                                if ww["parent"] == key}
            got_children = {json_key(c) if by_dev else c["ino"]
                            for c in got["children"]}
            eq(where, "child namespaces", got_children, fixture_children)

            procs = {p["pid"]: p for p in got["processes"]}
            extra = {pid for pid, p in procs.items()
                     if pid not in w["processes"] and p["name"] in extra_names}
            eq(where, "member pids", set(procs) - extra, set(w["processes"]))
            eq(where, "process_count", got["process_count"], len(procs))
            if kind == "json":
                eq(where, "thread_count", got["thread_count"],
                   sum(p["threads"] for p in got["processes"]))
            else:
                eq(where, "thread_count", got["thread_count"], len(procs))
            want_init = [pid for pid, p in w["processes"].items() if p["init"]]
            if kind == "json":
                eq(where, "init", got["init"], want_init[0])
            else:
                eq(where, "(init) markers", [p["pid"] for p in got["processes"] if p["init"]],
                   want_init)
            for pid, wp in w["processes"].items():
                gp = procs[pid]
                pwhere = f"{where}, pid {pid}"
                eq(pwhere, "name", gp["name"], wp["name"])
                eq(pwhere, "nstgid", gp["nstgid"], wp["nstgid"])
                if kind == "json":
                    eq(pwhere, "ppid", gp["ppid"], wp["ppid"])
                    eq(pwhere, "threads", gp["threads"], 1)
            if kind == "text" and got["processes"] != sorted(got["processes"],
                                                             key=lambda p: p["pid"]):
                raise AssertionError(f"{where}: processes not sorted by PID")
    return result


def check_summary(doc):
    """The JSON summary agrees with the tree it summarises, and at most one namespace is
    current."""
    nodes = index_tree(doc["pidns"])
    s = doc["summary"]
    eq("json", "summary.namespaces", s["namespaces"], len(nodes))
    eq("json", "summary.processes", s["processes"],
       sum(n["process_count"] for n in nodes.values()))
    for n in nodes.values():
        if "processes" in n:  # absent with --no-pids
            eq(f"json pid:[{n['ino']}]", "process_count", n["process_count"],
               len(n["processes"]))
        eq(f"json pid:[{n['ino']}]", "hidden", n["hidden"], n["process_count"] == 0)
        if n["parent_key"] is not None:
            eq(f"json pid:[{n['ino']}]", "level", n["level"], nodes[n["parent_key"]]["level"] + 1)
    current = [k for k, n in nodes.items() if n["current"]]
    if len(current) > 1:
        raise AssertionError(f"json: more than one current namespace: {current}")


def key(ns):
    """(dev, ino) of a namespace dict from nsfixture's or pidns-tree's JSON."""
    return json_key(ns)


def subtree(fx, index):
    """Indices of fixture namespace `index` and of every namespace below it, in pre-order."""
    out = [index]
    for n in fx.namespaces:
        if key(n["parent"]) == key(fx.ns(index)):
            out += subtree(fx, n["index"])
    return out


def ancestors(fx, index):
    """Indices of the fixture namespaces above `index`, nearest first."""
    index_of = {key(n): n["index"] for n in fx.namespaces}
    out = []
    i = index_of.get(key(fx.ns(index)["parent"]))
    while i is not None:
        out.append(i)
        i = index_of.get(key(fx.ns(i)["parent"]))
    return out


def walk(roots):
    """(node, parent node or None) for every namespace of a JSON tree, parents first."""
    todo = [(r, None) for r in reversed(roots)]
    while todo:
        node, parent = todo.pop()
        yield node, parent
        todo.extend((c, node) for c in reversed(node["children"]))


def json_nodes(doc_roots):
    """{(dev, ino): node} over pidns-tree's JSON namespaces; each node gains "parent_key"."""
    return index_tree(doc_roots)


def check_doc(doc, where="json"):
    """The facts of one JSON document agree with each other, whatever the host runs:
    levels step by one along parent links (unless the parent was inferred), counts match lists,
    every process's NStgid has one field per level down from the scanned procfs's namespace,
    init is the member numbered 1 there, PIDs are unique and sorted. Returns {(dev, ino): node}."""
    if doc.get("schema") != 2:
        raise AssertionError(f"{where}: schema {doc.get('schema')!r}")
    nodes, pids, shift = {}, set(), None
    for ns, parent in walk(doc["pidns"]):
        key = json_key(ns)
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
        eq(w, "process_count", ns["process_count"], len(procs))
        eq(w, "thread_count", ns["thread_count"], sum(p["threads"] for p in procs))
        eq(w, "hidden", ns["hidden"], not procs)
        if [p["pid"] for p in procs] != sorted(p["pid"] for p in procs):
            raise AssertionError(f"{w}: processes not sorted by PID")
        inits = [p["pid"] for p in procs if p["nstgid"][-1] == 1]
        eq(w, "init", ns["init"], inits[0] if inits else None)
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
    eq(where, "summary.namespaces", s["namespaces"], len(nodes))
    eq(where, "summary.processes", s["processes"], sum(n["process_count"] for n in nodes.values()))
    eq(where, "summary.tops", s["tops"], len(doc["pidns"]))
    if len([n for n in nodes.values() if n["current"]]) > 1:
        raise AssertionError(f"{where}: more than one current namespace")
    return nodes
