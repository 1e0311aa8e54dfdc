#!/usr/bin/env python3
"""Runs two pidns-tree binaries on the same real namespaces, in every mode, and shows where their
outputs differ: the check that a restructuring changed no byte of output.

    tools/same_output.py OLD_BINARY NEW_BINARY NSFIXTURE [SPEC]

As root. nsfixture builds SPEC (default below) with its own procfs, so the host's other
processes are out of view. Each run gets the same PID in the fixture's top namespace (written to
its ns_last_pid just before), so that the tool's own row is the same for both; --jobs 1 keeps
worker threads out of its thread count. Exit status 0 when every output, stderr and exit status
agree; --watch lines are compared without their time stamps.
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

SPEC = "3(2(1,2(1)),1,2(3))"
SELF_PID = 4000  # the PID each run of the tool gets in the fixture's top namespace
NOBODY = 65534


def modes(fixture):
    """(name, arguments, run as nobody?) of every mode compared."""
    namespaces = fixture["namespaces"]
    inner = namespaces[2]
    member = inner["members"][0]["pid"]
    inode = str(inner["ino"])
    base = ["--jobs", "1"]
    each = [
        ("text", []), ("json", ["--json"]), ("dot", ["--format", "dot"]),
        ("no-pids", ["-N"]), ("no-pids-json", ["-N", "--json"]), ("no-pids-dot", ["-N", "--format", "dot"]),
        ("ptree", ["--ptree"]), ("ptree-json", ["--ptree", "--json"]), ("kernel-threads", ["-k"]),
        ("all", ["--all"]), ("all-json", ["--all", "--json"]), ("owner-id", ["--owner", "--ns-id"]),
        ("depth", ["-d", "1"]), ("depth-json", ["-d", "1", "--json"]), ("pid", ["--pid", str(member)]),
        ("pid-json", ["--pid", str(member), "--json"]), ("ns", ["--ns", inode]),
        ("ns-path", ["--ns", f"/proc/{member}/ns/pid"]), ("ascii", ["--ascii"]),
        ("color", ["--color", "always"]), ("no-labels", ["--no-labels"]),
        ("translate", ["--translate", str(member), "--to", "1"]),
        ("translate-json", ["--translate", str(member), "--to", inode, "--json"]),
        ("missing-pid", ["--pid", "99999"]), ("bad-ns", ["--ns", "/etc/passwd"]),
    ]
    for name, args in each:
        yield name, base + args, False
    for name, args in [("nobody", []), ("nobody-json", ["--json"]), ("nobody-dot", ["--format", "dot"]),
                       ("nobody-no-pids", ["-N"])]:
        yield name, base + args, True


def run(binary, init_pid, args, as_nobody):
    enter = ["nsenter", "-t", str(init_pid), "-p", "-m", "--"]
    subprocess.run(enter + ["sh", "-c", f"echo {SELF_PID - 1} > /proc/sys/kernel/ns_last_pid"],
                   check=True)
    prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] if as_nobody else []
    # setpriv execs, so the tool keeps the PID its parent (nsenter's child) was given.
    r = subprocess.run(enter + prefix + [binary] + args, capture_output=True, timeout=60)
    return r.returncode, r.stdout, r.stderr


def watch(binary, init_pid, args, as_nobody=False):
    enter = ["nsenter", "-t", str(init_pid), "-p", "-m", "--"]
    subprocess.run(enter + ["sh", "-c", f"echo {SELF_PID - 1} > /proc/sys/kernel/ns_last_pid"],
                   check=True)
    prefix = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] if as_nobody else []
    p = subprocess.Popen(enter + prefix + [binary, "--watch", "--jobs", "1"] + args, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE)
    time.sleep(1.5)
    # nsenter does not pass signals on: the tool itself is its child. Only the tool gets one, so
    # that nsenter lives to reap it (an orphan would be left to the fixture's init, a zombie
    # that later runs would count).
    with open(f"/proc/{p.pid}/task/{p.pid}/children", encoding="ascii") as f:
        for child in f.read().split():
            os.kill(int(child), signal.SIGINT)
    out, err = p.communicate(timeout=30)
    # Times differ from run to run: the first field of a text line, "time" of a JSON line.
    lines = []
    for line in out.decode().splitlines():
        if line.startswith("{"):
            lines.append(re.sub(r'"time":"[^"]*"', '"time":""', line))
        else:
            lines.append(line.split(" ", 1)[1])
    return p.returncode, "\n".join(lines).encode(), err


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit(__doc__)
    old, new, nsfixture = (os.path.abspath(a) for a in sys.argv[1:4])
    spec = sys.argv[4] if len(sys.argv) == 5 else SPEC
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "fixture.json")
        fx = subprocess.Popen([nsfixture, "--mount-proc", spec, out], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE)
        try:
            if fx.stdout.readline() != b"ready\n":
                sys.exit("nsfixture failed")
            fixture = json.load(open(out, encoding="utf-8"))
            init_pid = fixture["namespaces"][0]["members"][0]["pid"]
            differ = 0
            for name, args, nobody in modes(fixture):
                a = run(old, init_pid, args, nobody)
                b = run(new, init_pid, args, nobody)
                differ += report(name, args, a, b)
            for name, args, nobody in [("watch", [], False), ("watch-json", ["--json"], False),
                                       ("watch-nobody", [], True),
                                       ("watch-nobody-json", ["--json"], True)]:
                differ += report(name, args, watch(old, init_pid, args, nobody),
                                 watch(new, init_pid, args, nobody))
        finally:
            fx.stdin.close()
            fx.wait(timeout=30)
    print(f"{differ} mode(s) differ" if differ else "every mode is byte-identical")
    sys.exit(1 if differ else 0)


def report(name, args, a, b):
    if a == b:
        print(f"same    {name}")
        return 0
    print(f"DIFFERS {name}: {' '.join(args)}")
    for what, x, y in zip(("status", "stdout", "stderr"), a, b):
        if x != y:
            print(f"  {what}:\n    old: {x!r:.2000}\n    new: {y!r:.2000}")
    return 1


main()
