#!/usr/bin/env python3
"""(12) The command line's edges:

(a) --proc of a directory inside a procfs (/proc/sys, /proc/self/task, /proc/self) is refused:
    only the root of a procfs mount is one;
(b) --pid of a thread that is not its process's leader selects that process, and says so;
    --translate of such a thread translates the thread's own ID (its NSpid), in JSON too;
(c) a write error (stdout is /dev/full) is exit 1 and one line "error writing to standard
    output", for the tree, JSON, --translate, --help and --version;
(d) --watch's own stderr lines are escaped like every other (a hostile --ns path);
(e) --watch --interval of a value that is no finite number of seconds in range (NaN, infinities,
    an overflow) is a usage error at once (exit 2, one line naming the value), never a watcher
    that does not rescan."""
import json
import os
import subprocess
import sys

import harness as h

# A process with a second thread that reports its own thread ID, in a PID namespace of its own
# when run through unshare --pid --fork, so that its NSpid has two fields.
THREADS = r"""
import threading, time
def worker():
    print(threading.get_native_id(), flush=True)
    time.sleep(600)
threading.Thread(target=worker, daemon=True).start()
time.sleep(600)
"""


def case_procfs_root():
    for inside in ("/proc/sys", "/proc/self/task", "/proc/self", "/proc/1"):
        res = h.run(["--proc", inside])
        err = res.stderr.decode(errors="replace")
        if res.returncode != 1 or res.stdout or inside not in err or "inside a procfs" not in err:
            raise AssertionError(f"(a) --proc {inside}: exit {res.returncode}, stderr {err!r}")
    print("(a) directories inside a procfs are refused as --proc")


def case_thread(procs):
    box = h.start(["unshare", "--pid", "--fork", "--kill-child", sys.executable, "-c", THREADS],
                  stdout=subprocess.PIPE)
    procs.append(box)
    box.stdout.readline()  # the thread's ID as its own namespace numbers it
    init = h.wait_for("the process", lambda: h.child_pids(box.pid))[0]
    tids = h.wait_for("its second thread", lambda: [int(t) for t in os.listdir(f"/proc/{init}/task")
                                                    if int(t) != init])
    tid = tids[0]
    nspid = [int(x) for x in open(f"/proc/{init}/task/{tid}/status").read()
             .split("NSpid:")[1].split("\n")[0].split()]
    res = h.run(["--pid", str(tid), "--json"])
    if res.returncode != 0:
        raise AssertionError(f"(b) --pid {tid}: {h.describe(res)}")
    doc = json.loads(res.stdout)
    selected = [p["pid"] for n, _ in h.walk(doc["pidns"]) for p in n.get("processes", [])
                if p.get("selected")]
    err = res.stderr.decode()
    if selected != [init] or f"PID {tid} is a thread of process {init}" not in err:
        raise AssertionError(f"(b) --pid {tid}: selected {selected}, stderr {err!r}")
    for to, want in ((str(init), nspid[-1]), (str(os.getpid()), nspid[0])):
        res = h.run(["--translate", str(tid), "--to", to])
        got = res.stdout.decode().strip()
        if res.returncode != 0 or got != str(want):
            raise AssertionError(f"(b) --translate {tid} --to {to}: {got!r}, want {want}; "
                                 f"{h.describe(res)}")
    res = h.run(["--translate", str(tid), "--to", str(init), "--json"])
    if json.loads(res.stdout)["translated"] != nspid[-1]:
        raise AssertionError(f"(b) --translate --json: {res.stdout!r}")
    print(f"(b) thread {tid} of {init}: --pid selects {init}; --translate gives its NSpid {nspid}")


def case_write_errors():
    with open("/dev/full", "wb") as full:
        me = str(os.getpid())
        for args in ([], ["--json"], ["--translate", me, "--to", me], ["--help"],
                     ["--version"], ["--format", "dot"]):
            res = h.run(args, stdout=full)
            lines = [ln for ln in res.stderr.decode().splitlines() if not h.UNSHOWN_LINE.match(ln)]
            if res.returncode != 1 or lines != ["pidns-tree: error writing to standard output"]:
                raise AssertionError(f"(c) {args} > /dev/full: exit {res.returncode}, "
                                     f"stderr {lines}")
    print("(c) a full disk is exit 1 and one line, for every kind of output")


def case_watch_escapes():
    """--watch's own stderr lines are escaped like every other: a hostile --ns path."""
    res = h.run(["--watch", "--ns", "/tmp/\x1b[31mX"], timeout=30)
    err = res.stderr.decode(errors="replace")
    if res.returncode != 1 or "\x1b" in err or "/tmp/\\x1B[31mX" not in err:
        raise AssertionError(f"(d) --watch --ns ESC: exit {res.returncode}, stderr {err!r}")
    print("(d) --watch escapes its stderr lines: " + err.splitlines()[-1])


def case_interval():
    for value in ("nan", "NaN", "-nan", "inf", "-inf", "1e999", "0", "86401"):
        # --proc of another name of /proc: a watcher would rescan, connector or not.
        try:
            res = h.run(["--watch", "--interval", value, "--proc", "/proc/"], timeout=10)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"(e) --interval {value}: still watching after 10 s") from None
        err = res.stderr.decode(errors="replace").splitlines()
        if res.returncode != 2 or res.stdout or len(err) != 1 or f"'{value}'" not in err[0]:
            raise AssertionError(f"(e) --interval {value}: {h.describe(res)}")
    print("(e) --interval of NaN, infinities and values out of range is a usage error")


def test():
    procs = []
    try:
        case_procfs_root()
        case_write_errors()
        case_watch_escapes()
        case_interval()
        if os.geteuid() == 0:
            case_thread(procs)
        else:
            print("(b) skipped: needs root for a PID namespace")
    finally:
        h.kill_sessions(procs)


h.main(test)
