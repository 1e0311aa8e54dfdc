#!/usr/bin/env python3
"""--max-depth, --ptree and --format dot on real namespaces, checked against what nsfixture built:
the cut namespaces say how many namespaces and processes lie below (text row and JSON "cut"),
--ptree nests members by PPid (text indentation, JSON "children" of processes), and Graphviz
renders one box per namespace shown, one edge per parent link, one ellipse per process."""
import html
import re
import subprocess

import harness as h

# 0 ─┬─ 1 ── 2 ── 3
#    └─ 4
SPEC = "1(2(1(1)),3)"


def below(fx, index):
    """(namespaces, processes) strictly below fixture namespace INDEX."""
    sub = h.subtree(fx, index)[1:]
    return len(sub), sum(len(fx.ns(i)["members"]) for i in sub)


def children(fx, index):
    return [n["index"] for n in fx.namespaces if h.key(n["parent"]) == h.key(fx.ns(index))]


def check_depth(fx, top, depth, doc, text):
    """--ns TOP --max-depth DEPTH: namespaces down to DEPTH levels below TOP; the ones at DEPTH
    that have children carry the count of what is below them."""
    where = f"--ns pid:[{fx.ns(top)['ino']}] --max-depth {depth}"
    top_depth = fx.ns(top)["depth"]
    want = [i for i in h.subtree(fx, top) if fx.ns(i)["depth"] - top_depth <= depth]
    nodes = h.json_nodes(doc["pidns"])
    rows = h.text_namespaces(h.parse_rows(text))
    h.eq(f"{where} json", "namespaces", set(nodes), {h.key(fx.ns(i)) for i in want})
    h.eq(f"{where} text", "namespaces", set(rows), {fx.ns(i)["ino"] for i in want})
    for i in want:
        node, row = nodes[h.key(fx.ns(i))], rows[fx.ns(i)["ino"]]
        iwhere = f"{where}: namespace {i}"
        cut_rows = [c for c in row["children"] if c["kind"] == "cut"]
        at_limit = fx.ns(i)["depth"] - top_depth == depth
        if at_limit and children(fx, i):
            k, m = below(fx, i)
            h.eq(f"{iwhere} json", "cut", node.get("cut"), {"namespaces": k, "processes": m})
            h.eq(f"{iwhere} json", "children", node["children"], [])
            h.eq(f"{iwhere} text", "cut rows",
                 [(c["namespaces"], c["processes"], c["max_depth"]) for c in cut_rows],
                 [(k, m, depth)])
            if row["children"][-1] is not cut_rows[0]:
                raise AssertionError(f"{iwhere} text: the cut row is not the last row")
        else:
            if "cut" in node or cut_rows:
                raise AssertionError(f"{iwhere}: cut where nothing is cut: {node.get('cut')}, "
                                     f"{cut_rows}")
            h.eq(f"{iwhere} json", "children", {h.key(c) for c in node["children"]},
                 {h.key(fx.ns(c)) for c in children(fx, i)})
        h.eq(f"{iwhere} text", "pids", [p["pid"] for p in h.direct_processes(row)],
             [m["pid"] for m in fx.ns(i)["members"]])


def check_ptree(where, want_ppid, roots_json, ns_row):
    """The members of one namespace as a tree by PPid, in JSON and text. want_ppid: {pid: ppid}
    of exactly the members."""
    def expected(pid):
        return sorted(p for p, pp in want_ppid.items() if pp == pid and p != pid)

    want_roots = sorted(p for p, pp in want_ppid.items() if pp not in want_ppid)
    seen = []

    def walk_json(p):
        seen.append(p["pid"])
        h.eq(f"{where} json, pid {p['pid']}", "ppid", p["ppid"], want_ppid[p["pid"]])
        h.eq(f"{where} json, pid {p['pid']}", "children",
             [c["pid"] for c in p["children"]], expected(p["pid"]))
        for c in p["children"]:
            walk_json(c)

    h.eq(f"{where} json", "roots", [p["pid"] for p in roots_json], want_roots)
    for p in roots_json:
        walk_json(p)
    h.eq(f"{where} json", "every member once", sorted(seen), sorted(want_ppid))

    def walk_text(row):
        kids = [c for c in row["children"] if c["kind"] == "proc"]
        h.eq(f"{where} text, pid {row['pid']}", "children", [c["pid"] for c in kids],
             expected(row["pid"]))
        for c in kids:
            walk_text(c)

    h.eq(f"{where} text", "roots", [p["pid"] for p in h.direct_processes(ns_row)], want_roots)
    for p in h.direct_processes(ns_row):
        walk_text(p)
    h.eq(f"{where} text", "every member once",
         sorted(p["pid"] for p in h.all_processes(ns_row)), sorted(want_ppid))


SVG_NODE = re.compile(r'<g id="node\d+" class="node">\s*<title>([^<]*)</title>')
SVG_EDGE = re.compile(r'<g id="edge\d+" class="edge">\s*<title>([^<]*)</title>')
NS_NODE = re.compile(r"^ns_(\d+)_(\d+)$")


def svg_of(dot, args):
    source = h.run_tool(["--format", "dot", *args])
    r = subprocess.run([dot, "-Tsvg"], input=source, capture_output=True, text=True, timeout=60)
    if r.returncode != 0 or r.stderr:
        raise AssertionError(f"dot -Tsvg of pidns-tree {args}: exit {r.returncode}: {r.stderr}")
    nodes = [html.unescape(t) for t in SVG_NODE.findall(r.stdout)]
    edges = [tuple(html.unescape(t).split("->")) for t in SVG_EDGE.findall(r.stdout)]
    return nodes, edges


def check_dot(fx, dot, args, namespaces, processes, cut=()):
    """The SVG has one node per namespace shown (and per process, unless -N), an edge per
    parent link among them, and a _cut node for each cut namespace."""
    where = f"--format dot {' '.join(args)} | dot -Tsvg"
    nodes, edges = svg_of(dot, args)
    ns_nodes = [n for n in nodes if NS_NODE.match(n)]
    want = [f"ns_{fx.ns(i)['dev']}_{fx.ns(i)['ino']}" for i in namespaces]
    h.eq(where, "namespace nodes", sorted(ns_nodes), sorted(want))
    h.eq(where, "process nodes", sorted(n for n in nodes if n.startswith("p_")),
         sorted(f"p_{m['pid']}" for i in processes for m in fx.ns(i)["members"]))
    h.eq(where, "cut nodes", sorted(n for n in nodes if n.endswith("_cut")),
         sorted(f"ns_{fx.ns(i)['dev']}_{fx.ns(i)['ino']}_cut" for i in cut))
    h.eq(where, "nodes", len(nodes), len(ns_nodes) + len(
        [n for n in nodes if n.startswith("p_")]) + len(cut))
    links = {(f"ns_{fx.ns(i)['parent']['dev']}_{fx.ns(i)['parent']['ino']}",
              f"ns_{fx.ns(i)['dev']}_{fx.ns(i)['ino']}") for i in namespaces}
    links = {link for link in links if link[0] in want}
    h.eq(where, "namespace edges", {e for e in edges if NS_NODE.match(e[1])}, links)


def check_dots(fx, dot):
    ns0 = str(fx.ns(0)["ino"])
    everything = h.subtree(fx, 0)
    check_dot(fx, dot, ["--ns", ns0], everything, everything)
    check_dot(fx, dot, ["--ns", ns0, "-N"], everything, [])
    check_dot(fx, dot, ["--ns", ns0, "-N", "--max-depth", "1"], [0, 1, 4], [], cut=[1])
    # --pid: the way down (partial: no processes) plus the subtree; the caller's namespace
    # and those above it are not the fixture's and are checked only by count.
    nodes, _ = svg_of(dot, ["--pid", str(fx.init_pid(2))])
    fixture_nodes = {f"ns_{n['dev']}_{n['ino']}" for n in fx.namespaces}
    shown = {n for n in nodes if NS_NODE.match(n)}
    want = {f"ns_{fx.ns(i)['dev']}_{fx.ns(i)['ino']}" for i in (0, 1, 2, 3)}
    h.eq("--pid dot", "fixture namespace nodes", shown & fixture_nodes, want)
    h.eq("--pid dot", "process nodes", sorted(n for n in nodes if n.startswith("p_")),
         sorted(f"p_{m['pid']}" for i in (2, 3) for m in fx.ns(i)["members"]))
    if f"ns_{fx.caller['dev']}_{fx.caller['ino']}" not in shown:
        raise AssertionError("--pid dot: the caller's namespace is not on the way down")
    # ... and the selected process is marked, as the text marks it.
    selected = fx.init_pid(2)
    lines = [ln for ln in h.run_tool(["--format", "dot", "--pid", str(selected)]).splitlines()
             if ln.strip().startswith(f"p_{selected} [")]
    if len(lines) != 1 or "(selected)" not in lines[0] or "filled" not in lines[0]:
        raise AssertionError(f"--pid dot: the selected process's node: {lines}")
    # --ptree: a process hangs from its parent process when that is a member of its namespace
    # too, and from the namespace otherwise, as in the text.
    _, edges = svg_of(dot, ["--ns", ns0, "--ptree"])
    ns_of = {m["pid"]: i for i in everything for m in fx.ns(i)["members"]}
    want = set()
    for i in everything:
        for m in fx.ns(i)["members"]:
            if ns_of.get(m["ppid"]) == i:
                want.add((f"p_{m['ppid']}", f"p_{m['pid']}"))
            else:
                want.add((f"ns_{fx.ns(i)['dev']}_{fx.ns(i)['ino']}", f"p_{m['pid']}"))
    h.eq("--ptree dot", "edges into processes", {e for e in edges if e[1].startswith("p_")},
         want)


def test():
    nsenter = h.need_program("nsenter")
    with h.Fixture(SPEC, prefix="nsvdp") as fx:
        if [len(n["members"]) for n in fx.namespaces] != [1, 2, 1, 1, 3]:
            raise AssertionError("nsfixture built something else than " + SPEC)
        ns0 = str(fx.ns(0)["ino"])
        for depth in (0, 1, 2):
            args = ["--ns", ns0, "--max-depth", str(depth)]
            check_depth(fx, 0, depth, h.run_json(args), h.run_tool(args + ["--color=never"]))

        # The whole tree from the top: the fixture hangs one level below the caller's namespace.
        doc = h.run_json(["--max-depth", "1"])
        node = h.json_nodes(doc["pidns"]).get(h.key(fx.ns(0)))
        k, m = below(fx, 0)
        if node is None or node.get("cut") != {"namespaces": k, "processes": m}:
            raise AssertionError(f"--max-depth 1: fixture namespace 0 is {node}, want cut "
                                 f"{k} namespaces with {m} processes")
        text = h.run_tool(["--max-depth", "1", "-N", "--color=never"])
        row = h.text_namespaces(h.parse_rows(text))[fx.ns(0)["ino"]]
        h.eq("-N --max-depth 1 text: namespace 0", "rows",
             [(c["kind"], c.get("namespaces"), c.get("processes")) for c in row["children"]],
             [("cut", k, m)])

        # Graphviz first: the processes --ptree adds below stay as zombies (the fixture's inits
        # do not reap), and they are members too.
        dot = h.have_program("dot", "graphviz", "DOT output")
        if dot is not None:
            check_dots(fx, dot)

        # --ptree: the fixture's members hang under their init; add a three-deep chain of
        # processes whose top's parent (nsenter) lives outside the namespace.
        chain = "sh -c 'sleep 600 & exec sleep 601' & exec sleep 602"
        with h.Background([nsenter, "--target", str(fx.init_pid(4)), "--pid", "--",
                           "sh", "-c", chain]) as bg:
            def chain_ready():
                top = h.child_pids(bg.pid)
                mid = h.child_pids(top[0]) if top else []
                low = h.child_pids(mid[0]) if mid else []
                names = [h.status_fields(p)["Name"] for p in top + mid + low]
                return top + mid + low if names == ["sleep"] * 3 else None

            extra = h.wait_for("the sleep chain in namespace 4", chain_ready)
            want_ppid = {m["pid"]: m["ppid"] for m in fx.ns(4)["members"]}
            want_ppid.update({p: int(h.status_fields(p)["PPid"]) for p in extra})
            if want_ppid[extra[0]] != bg.pid:
                raise AssertionError("the chain's top is not nsenter's child")
            args = ["--ns", str(fx.ns(4)["ino"]), "--ptree"]
            doc = h.run_json(args)
            text = h.run_tool(args + ["--color=never"])
            check_ptree("--ptree namespace 4", want_ppid, doc["pidns"][0]["processes"],
                        h.text_namespaces(h.parse_rows(text))[fx.ns(4)["ino"]])
            # ns 1: the init and its fork, beside the init of ns 2 that it cloned elsewhere.
            args = ["--ns", str(fx.ns(1)["ino"]), "--ptree"]
            doc = h.run_json(args)
            text = h.run_tool(args + ["--color=never"])
            check_ptree("--ptree namespace 1", {m["pid"]: m["ppid"] for m in fx.ns(1)["members"]},
                        doc["pidns"][0]["processes"],
                        h.text_namespaces(h.parse_rows(text))[fx.ns(1)["ino"]])


h.main(test)
