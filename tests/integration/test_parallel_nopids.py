#!/usr/bin/env python3
"""(17) Two faster ways to the same answer, on a forest of 1,500 processes in 7 namespaces with a
procfs of its own (every member stopped with SIGSTOP, so that nothing moves between runs):

(a) --jobs N reads processes on N threads and merges them in PID order: text and JSON are
    byte-identical to --jobs 1, for 2, 3 and 8 threads, with and without --ptree;
(b) --no-pids reads no status file where it may stat ns/pid instead: its namespaces, levels,
    parents, inits, process and thread counts and summary are exactly those of the status-based
    scan, and it reads (almost) no status file at all (strace).

The --jobs runs read the forest's own procfs from outside (--proc /proc/INIT/root/proc), so
that the threads of the run itself are not in view; the --no-pids runs happen inside the forest's
top PID namespace (nsenter), where that procfs is pidns-tree's own, both with --jobs 1."""
import json
import os
import signal

import harness as h

SPEC = "500(300(200),300(100,100),1)"


def run(fx, args, prefix=()):
    """pidns-tree ARGS run inside the forest's top namespace, under PREFIX (strace) if given."""
    r = h.run(args, prefix=["nsenter", "-t", str(fx.init_pid(0)), "-p", "-m", *prefix],
              ptrace=bool(prefix), text=True)
    if r.returncode != 0:
        raise AssertionError(f"{r.args}: exit {r.returncode}: {r.stderr}")
    return r.stdout


def namespaces(doc):
    """Every namespace's facts."""
    return {h.json_key(n): {"level": n["level"], "hidden": n["hidden"], "init": n["init"],
                            "parent": h.json_key(parent) if parent else None,
                            "process_count": n["process_count"],
                            "thread_count": n["thread_count"]}
            for n, parent in h.walk(doc["pidns"])}


def check_parallel(fx):
    proc = ["--proc", f"/proc/{fx.init_pid(0)}/root/proc"]
    for extra in ([], ["--ptree"]):
        for fmt in (["--color=never"], ["--json"]):
            serial = h.run_tool(["--jobs", "1", *proc, *fmt, *extra])
            for jobs in ("2", "3", "8"):
                got = h.run_tool(["--jobs", jobs, *proc, *fmt, *extra])
                if got != serial:
                    raise AssertionError(f"--jobs {jobs} {fmt} {extra} differs from --jobs 1")
    print("(a) --jobs 2, 3, 8: text and JSON byte-identical to --jobs 1")


def check_no_pids(fx):
    full = json.loads(run(fx, ["--json", "--jobs", "1"]))
    fast = json.loads(run(fx, ["--json", "--no-pids", "--jobs", "1"]))
    want, got = namespaces(full), namespaces(fast)
    if want != got:
        diff = {k: (want.get(k), got.get(k)) for k in set(want) | set(got)
                if want.get(k) != got.get(k)}
        raise AssertionError(f"--no-pids differs from the status scan: {diff}")
    for key in ("namespaces", "inaccessible", "inferred", "malformed", "tops"):
        h.eq("--no-pids summary", key, fast["summary"][key], full["summary"][key])
    if h.have_program("strace", "strace", "(b) the status files --no-pids reads"):
        log = os.path.join("/tmp", f"pidns-nopids-{os.getpid()}.strace")
        try:
            run(fx, ["--no-pids", "--jobs", "1"], prefix=["strace", "-f", "-e", "trace=openat",
                                                         "-o", log])
            with open(log, encoding="utf-8") as f:
                statuses = sum(1 for ln in f if '/status"' in ln)
        finally:
            if os.path.exists(log):
                os.unlink(log)
        total = fast["summary"]["processes"]
        if statuses > 5:
            raise AssertionError(f"--no-pids read {statuses} status files for {total} processes")
        print(f"(b) --no-pids: the same forest, {statuses} status files read for {total} processes")
    else:
        print("(b) --no-pids: the same forest")


def test():
    h.need_program("nsenter")
    if os.geteuid() != 0:
        raise h.Skip("needs root to enter the forest's namespaces")
    with h.Fixture(SPEC, mount_proc=True, prefix="nspar") as fx:
        members = [m["pid"] for n in fx.namespaces for m in n["members"]]
        for pid in members:
            os.kill(pid, signal.SIGSTOP)
        try:
            check_parallel(fx)
            check_no_pids(fx)
        finally:
            for pid in members:
                try:
                    os.kill(pid, signal.SIGCONT)
                except ProcessLookupError:
                    pass


h.main(test)
