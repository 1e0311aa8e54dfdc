"""The one parser of pidns-tree's text output: parse_rows() keeps every row and annotation, and
the functions below are views of what it returns."""

import re

GLYPHS = {"├── ", "└── ", "│   ", "    ", "|-- ", "`-- ", "|   "}
# Strict about the facts, lenient about annotations a line may carry after them (owner, container,
# pins, ...): markers such as "(hidden)", "(current)" and "(init)" are looked for in that tail.
NS_LINE = re.compile(r"^pid:\[(\d+|\?)\] level (\d+), "
                     r"(?:(\d+) process(?:es)?, (\d+) threads?|no (?:visible )?processes)(.*)$")
PROC_LINE = re.compile(r"^(\d+) (.*?)  nstgid=(\d+(?:/\d+)*)(.*)$")
# The one row that stands for a namespace's kernel threads (listed with --kernel-threads).
KTHREADS_LINE = re.compile(r"^(\d+) kernel threads? \(--kernel-threads lists (?:it|them)\)$")
# The first line with --proc, or over a procfs not of pidns-tree's own namespace.
PROCFS_LINE = re.compile(r"^procfs (.+): (?:pid:\[(\d+)\], )?"
                         r"(pidns-tree's own PID namespace|(\d+) levels? (above|below) "
                         r"pidns-tree's own PID namespace|neither above nor below pidns-tree's own "
                         r"PID namespace|a PID namespace that could not be placed)$")
TEXT_CUT = re.compile(r"^(?:…|\.\.\.) (\d+) namespaces? with (\d+) process(?:es)? below "
                      r"\(--max-depth (\d+)\)$")


def procfs_header(text):
    """The procfs line that opens TEXT, as {proc, ino, relation, levels}, or None."""
    m = PROCFS_LINE.match(text.split("\n", 1)[0])
    if not m:
        return None
    relation = ("same" if m[3].startswith("pidns-tree's own") else
                "ancestor" if m[5] == "above" else "descendant" if m[5] == "below" else
                "unrelated" if m[3].startswith("neither") else "unknown")
    return {"proc": m[1], "ino": int(m[2]) if m[2] else None, "relation": relation,
            "levels": int(m[4]) if m[4] else 0}


def _without_header(text):
    return text.split("\n", 1)[1] if procfs_header(text) else text


def parse_rows(text):
    """pidns-tree's text output as a tree of rows, keeping every annotation: a list of roots,
    each {kind: "ns"|"proc"|"cut"|"kthreads", line, tail, children: [...]} plus, for "ns": ino,
    level, hidden, process_count, thread_count; "proc": pid, name, nstgid; "cut": namespaces,
    processes, max_depth; "kthreads": count. A row's parent is the nearest row above it one level
    less deep, so --ptree's process trees parse too."""
    roots, stack = [], []
    for number, line in enumerate(_without_header(text).splitlines(), 1):
        depth, rest = 0, line
        while rest[:4] in GLYPHS:
            depth, rest = depth + 1, rest[4:]
        if depth > len(stack):
            raise AssertionError(f"text line {number}: bad indentation: {line!r}")
        m = NS_LINE.match(rest)
        if m:
            if ("(hidden)" in m[5]) != (m[3] is None):
                raise AssertionError(f"text line {number}: hidden with processes, or not hidden "
                                     f"without: {line!r}")
            # An inferred namespace has no inode: it is keyed "?INIT" by its init's PID.
            inferred = re.search(r"^, init (\d+)", m[5]) if m[1] == "?" else None
            row = {"kind": "ns", "ino": f"?{inferred[1]}" if inferred else int(m[1]),
                   "level": int(m[2]),
                   "hidden": m[3] is None, "process_count": int(m[3] or 0),
                   "thread_count": int(m[4] or 0), "tail": m[5]}
        elif (m := PROC_LINE.match(rest)):
            row = {"kind": "proc", "pid": int(m[1]), "name": m[2],
                   "nstgid": [int(x) for x in m[3].split("/")], "tail": m[4]}
        elif (m := TEXT_CUT.match(rest)):
            row = {"kind": "cut", "namespaces": int(m[1]), "processes": int(m[2]),
                   "max_depth": int(m[3]), "tail": ""}
        elif (m := KTHREADS_LINE.match(rest)):
            row = {"kind": "kthreads", "count": int(m[1]), "tail": ""}
        else:
            raise AssertionError(f"text line {number}: not a namespace, process or cut row: "
                                 f"{line!r}")
        if depth == 0 and row["kind"] != "ns":
            raise AssertionError(f"text line {number}: a top row that is not a namespace")
        row.update(line=line, children=[])
        del stack[depth:]
        (stack[-1]["children"] if stack else roots).append(row)
        stack.append(row)
    return roots


def parse_text(text):
    """pidns-tree's text tree as a list of root dicts: {ino, level, hidden, current,
    process_count, thread_count, kernel_threads (the count of its summary row, or 0),
    processes: [{pid, name, nstgid, init}] (--ptree's subtrees included), children: [...]}.
    A view of parse_rows()."""
    def ns_of(row):
        rows = row["children"]
        return {"ino": row["ino"], "level": row["level"], "hidden": row["hidden"],
                "current": "(current)" in row["tail"], "process_count": row["process_count"],
                "thread_count": row["thread_count"],
                "kernel_threads": sum(c["count"] for c in rows if c["kind"] == "kthreads"),
                "processes": [{"pid": p["pid"], "name": p["name"], "nstgid": p["nstgid"],
                               "init": "(init)" in p["tail"]} for p in all_processes(row)],
                "children": [ns_of(c) for c in rows if c["kind"] == "ns"]}
    return [ns_of(r) for r in parse_rows(text)]


def text_namespaces(rows):
    """{ino: ns row} over parse_rows()'s tree; each row gains "parent_ino"."""
    out = {}

    def walk(row, parent):
        if row["kind"] == "ns":
            if row["ino"] in out:
                raise AssertionError(f"text: pid:[{row['ino']}] appears twice")
            row["parent_ino"] = parent
            out[row["ino"]] = row
            parent = row["ino"]
        for c in row["children"]:
            walk(c, parent)

    for r in rows:
        walk(r, None)
    return out


def direct_processes(ns_row):
    """The process rows directly under a namespace row (not those of --ptree subtrees)."""
    return [c for c in ns_row["children"] if c["kind"] == "proc"]


def all_processes(ns_row):
    """Every process row of a namespace row, --ptree subtrees included."""
    out = []

    def walk(row):
        for c in row["children"]:
            if c["kind"] == "proc":
                out.append(c)
                walk(c)

    walk(ns_row)
    return out
