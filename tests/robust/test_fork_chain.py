#!/usr/bin/env python3
"""(13) A user's fork chain against a root run: user 65534 makes a chain of 1,000 processes, each
the child of the one before (tests/helpers/forkchain), in a PID namespace of its own with its own
procfs, so that nothing else the host runs is in view. pidns-tree --ptree draws it as JSON (whose
indentation makes the document grow with the square of the chain: about 20 MB), as text and as
DOT, and --json without --ptree, as root:

- its peak RSS stays under twice what the same procfs costs without the chain: output leaves in
  pieces on the way into a process as on the way out, so memory is bounded by the pieces, not
  the document;
- its stack does not grow with the chain: with RLIMIT_STACK a little above what the run needs
  without the chain, it still ends with exit 0 (the walk keeps no stack frame per process);
- the chain is drawn whole: its last link, 1,000 deep in the process tree."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import harness as h

LINKS = 1000
MODES = [["--ptree", "--json"], ["--ptree"], ["--ptree", "--format", "dot"], ["--json"]]
STACK_SLACK_KIB = 16


def peak_rss(args):
    """pidns-tree ARGS under the maxrss helper: (max RSS in KiB, its CompletedProcess)."""
    with tempfile.TemporaryDirectory(prefix="pidns-chain-") as tmp:
        rss_file = os.path.join(tmp, "maxrss")
        r = h.run(args, prefix=[h.meson_path("MAXRSS"), rss_file], stdout=subprocess.PIPE)
        h.check_clean_exit(r)
        with open(rss_file) as f:
            return int(f.read()), r


def runs_with_stack(args, kib):
    """Whether pidns-tree ARGS ends with exit 0 under RLIMIT_STACK = KIB KiB (prlimit execs it)."""
    return h.run(args, prefix=["prlimit", f"--stack={kib * 1024}"]).returncode == 0


def least_stack(args):
    """The least RLIMIT_STACK, in KiB, under which pidns-tree ARGS runs (binary search)."""
    lo, hi = 8, 4096
    if not runs_with_stack(args, hi):
        raise AssertionError(f"{args}: fails even with {hi} KiB of stack")
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if runs_with_stack(args, mid) else (mid + 1, hi)
    return lo


def chain_depth(doc, last):
    """How deep below its namespace's top row process LAST sits in a --ptree --json document."""
    todo = [(p, 1) for ns, _ in h.walk(doc["pidns"]) for p in ns.get("processes", [])]
    while todo:
        p, depth = todo.pop()
        if p["pid"] == last:
            return depth
        todo.extend((c, depth + 1) for c in p["children"])
    return None


class Chain:
    """forkchain LINKS as user 65534, the first link the init of a new PID namespace with its own
    procfs (`proc`); `last` is the last link's PID there. A context manager."""

    def __init__(self, links):
        self.links = links

    def __enter__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="pidns-chain-")
        os.chmod(self._tmp.name, 0o755)  # for user 65534, like the copy below
        program = os.path.join(self._tmp.name, "forkchain")
        shutil.copy(h.meson_path("FORKCHAIN"), program)
        os.chmod(program, 0o755)
        self.holder = h.start(["unshare", "--pid", "--fork", "--mount-proc", "--kill-child",
                               *h.AS_NOBODY, program, str(self.links)], stdout=subprocess.PIPE)
        try:
            ready = self.holder.stdout.readline().decode().split()
            if len(ready) != 2 or ready[0] != "ready":
                raise AssertionError(f"forkchain {self.links}: said {ready}")
            self.last = int(ready[1])
            init = h.wait_for("the chain's first link", lambda: h.child_pids(self.holder.pid))[0]
        except BaseException:
            self.__exit__()
            raise
        self.proc = f"/proc/{init}/root/proc"
        return self

    def __exit__(self, *exc):
        # setpriv's change of user cleared --kill-child's PR_SET_PDEATHSIG: kill_sessions()
        # kills the first link itself, and the kernel the rest of its namespace.
        h.kill_sessions([self.holder])
        self._tmp.cleanup()
        return False


def measure(links, stack_limits=None):
    """Per mode, pidns-tree's (peak RSS, CompletedProcess) on the procfs of a chain of LINKS,
    and whether it ran under each mode's STACK_LIMITS (KiB) if given, else the least stack it
    needs; plus the chain's last PID."""
    with Chain(links) as chain:
        out = {}
        for mode in MODES:
            args = ["--proc", chain.proc, "--jobs", "1", *mode]
            key = " ".join(mode)
            rss, r = peak_rss(args)
            if h.build_is_sanitized():  # a sanitizer's own needs for stack are not ours
                stack = None
            elif stack_limits is None:
                stack = least_stack(args)
            else:
                stack = runs_with_stack(args, stack_limits[key])
            out[key] = (rss, r, stack)
        return out, chain.last


def test():
    if os.geteuid() != 0:
        raise h.Skip("needs root to switch to user 65534 and to read the chain's procfs")
    h.need_program("setpriv")
    h.need_program("prlimit")
    bounded = not h.build_is_sanitized() and h.build_is_optimized()
    alone, _ = measure(1)  # the same procfs, without the chain: one process
    limits = {k: (stack or 0) + STACK_SLACK_KIB for k, (_, _, stack) in alone.items()}
    chained, last = measure(LINKS, limits)
    failures = []
    for key, (rss, r, ran) in chained.items():
        rss0, _, stack0 = alone[key]
        print(f"{key}: {len(r.stdout)} bytes; peak RSS {rss} KiB, {rss0} KiB without the "
              f"chain; stack: {ran} with {limits[key]} KiB ({stack0} KiB without the chain)")
        if bounded and rss > 2 * rss0:
            failures.append(f"{key}: peak RSS {rss} KiB, over twice {rss0} KiB")
        if ran is False:
            failures.append(f"{key}: not within {limits[key]} KiB of stack")
    sys.setrecursionlimit(20 * LINKS)  # the document nests two levels per link
    doc = json.loads(chained["--ptree --json"][1].stdout)
    depth = chain_depth(doc, last)
    text = chained["--ptree"][1].stdout.decode(errors="replace")
    if depth != LINKS or not any(line.endswith(f" {last} forkchain  nstgid={last}")
                                 for line in text.splitlines()):
        failures.append(f"the chain's last link {last}: {depth} deep in JSON, want {LINKS}")
    if not bounded:
        print("fork chain: peak RSS not bounded: sanitized or unoptimised build")
    if h.build_is_sanitized():
        print("fork chain: stack not bounded: sanitized build")
    if failures:
        raise AssertionError("; ".join(failures))


h.main(test)
