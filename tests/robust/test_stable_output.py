#!/usr/bin/env python3
"""(23) The same answer under load: 20 runs of the text tree on about 10,000 processes, with
every CPU busy, give one output for --jobs 1, 2 and 8, and the same one for all three.

nsfixture builds the processes in a PID + mount namespace of its own with its own procfs, so
nothing else is in view; each run enters it with nsenter and gets the same PID there (written to
its ns_last_pid just before), so that pidns-tree's own row is the same in every run. What could
still differ is pidns-tree's own thread count, its --jobs workers being alive while its own
status is read: it must count as the process it was before it started any."""
import os
import subprocess
import time

import harness as h

# 10 + 9 x (100 + 10 x 98) = 9,730 processes in 100 namespaces, 3 levels deep (as test_limits).
SPEC_10K = "10(" + ",".join(["100(" + ",".join(["98"] * 10) + ")"] * 9) + ")"
RUNS = 20
SELF_PID = 30000  # where each run of the tool is put in the fixture's namespace


def run_once(init_pid, jobs):
    enter = ["nsenter", "-t", str(init_pid), "-p", "-m", "--"]
    subprocess.run(enter + ["sh", "-c", f"echo {SELF_PID - 1} > /proc/sys/kernel/ns_last_pid"],
                   check=True)
    r = h.run(["--color=never", "--jobs", str(jobs)], prefix=enter, text=True)
    if r.returncode != 0 or r.stderr:
        raise AssertionError(f"--jobs {jobs}: exit {r.returncode}, stderr {r.stderr!r}")
    if f"{SELF_PID} pidns-tree" not in r.stdout:
        raise AssertionError(f"--jobs {jobs}: pidns-tree did not run as PID {SELF_PID}: a "
                             "process was started in the fixture's namespace meanwhile?")
    return r.stdout


def test():
    if os.geteuid() != 0:
        raise h.Skip("needs root to enter the fixture's namespace and set its ns_last_pid")
    h.need_program("nsenter")
    load = [subprocess.Popen(["sh", "-c", "while :; do :; done"]) for _ in range(os.cpu_count())]
    try:
        with h.Fixture(SPEC_10K, mount_proc=True) as fx:
            init_pid = fx.namespaces[0]["members"][0]["pid"]
            time.sleep(0.5)
            outputs = {}
            # A sanitized build takes several times as long: fewer runs still catch a count that
            # moves with the load, and keep the suite's time in bounds.
            runs = 5 if h.build_is_sanitized() else RUNS
            for jobs in (1, 2, 8):
                seen = {run_once(init_pid, jobs) for _ in range(runs)}
                if len(seen) != 1:
                    first, second = sorted(seen)[:2]
                    diff = [(a, b) for a, b in zip(first.splitlines(), second.splitlines())
                            if a != b][:3]
                    raise AssertionError(f"--jobs {jobs}: {len(seen)} different outputs in "
                                         f"{runs} runs; first lines that differ: {diff}")
                outputs[jobs] = seen.pop()
            if len(set(outputs.values())) != 1:
                raise AssertionError("--jobs 1, 2 and 8 gave different outputs")
            print(f"{runs} runs each of --jobs 1, 2 and 8 under load: one output, "
                  f"{outputs[1].count(chr(10))} lines")
    finally:
        for p in load:
            p.kill()
            p.wait()


h.main(test)
