#!/usr/bin/env python3
"""A failing `pidns-tree --json` prints a whole document or nothing: on a fatal error stdout stays
empty (no half document for jq to choke on), the exit status is 1 (2 for usage errors), and
stderr holds one line that names the problem."""
import os
import tempfile

import harness as h


def free_pid():
    """A PID no process has: above the largest in use, below pid_max."""
    with open("/proc/sys/kernel/pid_max", encoding="ascii") as f:
        pid_max = int(f.read())
    used = {int(e) for e in os.listdir("/proc") if e.isdigit()}
    for pid in range(pid_max - 1, 1, -1):
        if pid not in used:
            return pid
    raise h.Skip("no free PID")


def test():
    with tempfile.TemporaryDirectory(prefix="pidns-json-") as tmp:
        not_procfs = os.path.join(tmp, "proc")
        os.mkdir(not_procfs)
        a_file = os.path.join(tmp, "file")
        open(a_file, "w").close()
        failures = [
            (["--proc", "/nonexistent", "--json"], 1, "/nonexistent"),
            (["--proc", "/nonexistent", "--json", "--ptree", "--all", "--owner"], 1,
             "/nonexistent"),
            (["--proc", a_file, "--json"], 1, a_file),
            (["--proc", not_procfs, "--json"], 1, not_procfs),
            (["--json", "--pid", str(free_pid())], 1, None),
            (["--json", "--ns", "1"], 1, None),  # no namespace has inode 1
            (["--json", "--ns", a_file], 1, a_file),
            (["--json", "--max-depth", "x"], 2, None),
            (["--json", "--format", "dot"], 2, None),
        ]
        for args, status, named in failures:
            r = h.run(args, text=True)
            where = " ".join(r.args)
            if r.returncode != status:
                raise AssertionError(f"{where}: exit {r.returncode}, want {status}; "
                                     f"stderr {r.stderr!r}")
            if r.stdout != "":
                raise AssertionError(f"{where}: {len(r.stdout)} bytes on stdout: "
                                     f"{r.stdout[:200]!r}")
            lines = r.stderr.splitlines()
            if len(lines) != 1 or not lines[0].startswith("pidns-tree: ") or \
                    not r.stderr.endswith("\n"):
                raise AssertionError(f"{where}: want one stderr line, got {r.stderr!r}")
            if named and named not in lines[0]:
                raise AssertionError(f"{where}: stderr does not name {named}: {lines[0]!r}")
            print(f"ok: exit {status}, empty stdout: {' '.join(args)}: {lines[0]}")


h.main(test)
