#!/usr/bin/env python3
"""Kernel threads on the real /proc of the host: the text lists none of them by default and says
how many there are in one row of their namespace; --kernel-threads lists them; JSON marks every
one and nothing else; a user process named like a kworker is still listed, and unmarked; --pid of
a kernel thread shows it, marked selected. The truth comes from each status file, read here."""
import json
import os
import sys

import harness as h

IMPOSTOR = "kworker/0:1"
NAMER = ("import ctypes, sys, time\n"
         "ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)\n"
         "print('named', flush=True)\n"
         "time.sleep(600)\n")


def rows_by_ns(text):
    return h.text_namespaces(h.parse_rows(text))


def test():
    kernel = h.kernel_thread_pids()
    if not kernel:
        raise h.Skip("no kernel thread is visible in /proc (a container's own procfs?)")
    with h.Background([sys.executable, "-c", NAMER, IMPOSTOR]) as impostor:
        if impostor.readline() != "named":
            raise AssertionError("the impostor did not start")
        kernel = h.kernel_thread_pids()  # again: kworkers come and go
        host = h.stat_ns("/proc/self/ns/pid")[1]

        # Text, by default: no kernel thread, one summary row in their namespace.
        rows = rows_by_ns(h.run_tool(["--color=never"]))
        listed = {p["pid"] for ns in rows.values() for p in h.all_processes(ns)}
        summary = [c for c in rows[host]["children"] if c["kind"] == "kthreads"]
        shown = listed & kernel
        if shown:
            raise AssertionError(f"default text lists kernel threads {sorted(shown)[:10]}")
        if len(summary) != 1 or abs(summary[0]["count"] - len(kernel)) > 20:
            raise AssertionError(f"summary rows {summary}, {len(kernel)} kernel threads seen")
        if impostor.pid not in listed:
            raise AssertionError(f"the user process named {IMPOSTOR!r} is not listed")
        kinds = [c["kind"] for c in rows[host]["children"]]
        if kinds.index("kthreads") != len([k for k in kinds if k == "proc"]):
            raise AssertionError(f"the summary is not after the processes: {kinds}")
        # The namespace line still counts every member.
        if rows[host]["process_count"] != len(h.direct_processes(rows[host])) + summary[0]["count"]:
            raise AssertionError(f"counts: {rows[host]['line']}, {summary[0]['line']}")

        # --ptree: the summary stands where kthreadd's subtree would.
        ptree = rows_by_ns(h.run_tool(["--color=never", "--ptree"]))
        if [c for c in ptree[host]["children"] if c["kind"] == "kthreads"] == []:
            raise AssertionError("--ptree: no summary row")
        if {p["pid"] for p in h.all_processes(ptree[host])} & kernel:
            raise AssertionError("--ptree lists kernel threads")

        # --kernel-threads lists them all.
        rows = rows_by_ns(h.run_tool(["--color=never", "--kernel-threads"]))
        listed = {p["pid"] for ns in rows.values() for p in h.all_processes(ns)}
        missing = {pid for pid in kernel if os.path.exists(f"/proc/{pid}")} - listed
        if len(missing) > 5 or any(c["kind"] == "kthreads" for ns in rows.values()
                                   for c in ns["children"]):
            raise AssertionError(f"--kernel-threads: {len(missing)} not listed, or a summary row")

        # JSON marks every kernel thread, and only them.
        doc = json.loads(h.run_tool(["--json"]))
        procs = [p for n in h.json_nodes(doc["pidns"]).values() for p in n.get("processes", [])]
        marked = {p["pid"] for p in procs if p.get("kernel_thread")}
        present = {p["pid"] for p in procs}
        truth = h.kernel_thread_pids() & present
        if marked != truth and len(marked ^ truth) > 5:
            raise AssertionError(f"json marks {len(marked)}, the kernel says {len(truth)}: "
                                 f"{sorted(marked ^ truth)[:10]}")
        if impostor.pid in marked:
            raise AssertionError(f"json marks the user process named {IMPOSTOR!r}")

        # --pid of a kernel thread shows it, selected.
        kthreadd = 2 if 2 in kernel else min(kernel)
        rows = rows_by_ns(h.run_tool(["--color=never", "--pid", str(kthreadd)]))
        got = [p for ns in rows.values() for p in h.all_processes(ns) if p["pid"] == kthreadd]
        if len(got) != 1 or "(selected)" not in got[0]["tail"]:
            raise AssertionError(f"--pid {kthreadd}: {got}")
        print(f"{len(kernel)} kernel threads: summarised, listed with -k, marked in JSON; "
              f"{IMPOSTOR!r} impostor listed")


h.main(test)
