#!/usr/bin/env python3
"""(1) Churn: while two churn.sh loops keep forking, exiting, creating nested PID namespaces and
killing their inits (which takes the members with them), pidns-tree scans again and again, as
JSON, as JSON with --all, and as text, serial and parallel (--jobs), with and without status files (-N). Every scan exits 0; stderr holds at most the one summary
line (processes that vanish mid-scan are counted in summary.vanished, never printed); every
document and every text tree is consistent in itself. Bounded: SCAN_SECONDS and MAX_SCANS."""
import os
import time

import harness as h

CHURNERS = 2
SCAN_SECONDS = 30
MAX_SCANS = 1000
# Serial and parallel reads (--jobs 2), with and without status files (-N).
MODES = [["--json"], ["--color=never"], ["--json", "--all"], ["--json", "--jobs", "2"],
         ["--color=never", "-N"], ["--color=never", "--jobs", "2"], ["--json", "-N", "--jobs", "2"],
         ["--json", "--jobs", "1"]]


def check_text(out, where):
    """Every line is a namespace or a process line (a raw newline in a name, or a message in
    the output, would break that), levels step by one, and NStgid has level+1 fields."""
    roots = h.parse_text(out.decode("utf-8"))
    todo = [(n, None) for n in roots]
    while todo:
        ns, parent = todo.pop()
        w = f"{where}: pid:[{ns['ino']}]"
        if parent is not None and ns["level"] != parent["level"] + 1:
            raise AssertionError(f"{w}: level {ns['level']} under level {parent['level']}")
        listed = len(ns["processes"]) + ns["kernel_threads"]  # kernel threads: one summary row
        if ns["processes"] and listed != ns["process_count"]:
            raise AssertionError(f"{w}: {len(ns['processes'])} process lines and "
                                 f"{ns['kernel_threads']} kernel threads, count "
                                 f"{ns['process_count']}")
        for p in ns["processes"]:
            if len(p["nstgid"]) != ns["level"] + 1 or p["nstgid"][0] != p["pid"]:
                raise AssertionError(f"{w}: pid {p['pid']} nstgid {p['nstgid']} at level "
                                     f"{ns['level']}")
        todo.extend((c, ns) for c in ns["children"])
    return len(roots)


def test():
    churn = os.path.join(os.path.dirname(os.path.abspath(__file__)), "churn.sh")
    probe = h.start(["unshare", "--pid", "--fork", "--kill-child", "true"])
    if probe.wait(timeout=30) != 0:
        raise h.Skip("cannot create PID namespaces here (unshare --pid --fork failed)")
    churners = []
    try:
        churners = [h.start(["bash", churn, str(SCAN_SECONDS + 5)]) for _ in range(CHURNERS)]
        time.sleep(1)  # let the churn build up
        stats = {"scans": 0, "json": 0, "text": 0, "vanished": 0, "max_level": 0,
                 "max_namespaces": 0}
        deadline = time.monotonic() + SCAN_SECONDS
        while stats["scans"] < MAX_SCANS and time.monotonic() < deadline:
            args = MODES[stats["scans"] % len(MODES)]
            res = h.run(args)
            where = f"scan {stats['scans']} {args}"
            h.check_clean_exit(res)
            if "--json" in args:
                doc = h.parse_json(res)
                nodes = h.check_doc(doc, where)
                s = doc["summary"]
                if s["malformed"] != 0 or s["tops"] != 1:
                    raise AssertionError(f"{where}: summary {s}")
                stats["vanished"] += s["vanished"]
                stats["max_level"] = max([stats["max_level"]] + [n["level"] for n in nodes.values()])
                stats["max_namespaces"] = max(stats["max_namespaces"], len(nodes))
                stats["json"] += 1
            else:
                if check_text(res.stdout, where) != 1:
                    raise AssertionError(f"{where}: more than one top")
                stats["text"] += 1
            stats["scans"] += 1
            if any(c.poll() is not None for c in churners):
                raise AssertionError("a churn loop ended early")
        print(f"churn: {stats}")
        # The test proves something only if the races happened: processes did vanish mid-scan
        # and nested namespaces were seen.
        if stats["scans"] < 20:  # a few hundred on an idle machine; fewer on a busy one
            raise AssertionError(f"only {stats['scans']} scans in {SCAN_SECONDS} s")
        if stats["vanished"] == 0:
            raise AssertionError("no process vanished during any scan: the churn did not bite")
        if stats["max_level"] < 2:
            raise AssertionError("no nested namespace was seen during the churn")
    finally:
        h.kill_sessions(churners)


h.main(test)
