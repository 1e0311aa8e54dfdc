#!/usr/bin/env python3
"""(6) Limits: about 10,000 processes in 100 nested PID namespaces (nsfixture), scanned under a
32-descriptor limit: exit 0 and every fixture process shown where it belongs, as JSON and as
text. Peak memory: pidns-tree's maximum RSS (wait4's rusage) at about 1,000 and about 10,000
processes grows at most linearly, by a small amount per process. The RSS is measured by the
maxrss helper (MAXRSS): see maxrss.cpp for why not from Python. (33 nested levels, the kernel's
maximum, are tests/integration/test_max_depth.py's.)"""
import os
import tempfile
import time

import harness as h

# 10 + 9 x (100 + 10 x 98) = 9,730 processes in 100 namespaces, 3 levels deep.
SPEC_10K = "10(" + ",".join(["100(" + ",".join(["98"] * 10) + ")"] * 9) + ")"
# 100 + 9 x 100 = 1,000 processes in 10 namespaces.
SPEC_1K = "100(" + ",".join(["100"] * 9) + ")"
FD_LIMIT = 32
# Growth allowed from ~1k to ~10k processes, per output mode. Both keep a process's name,
# numbers and place in the tree, about 0.25 to 0.5 KiB per process on Linux 6.18; output leaves
# in 64 KiB pieces, so JSON costs no more than text. (When JSON was built as a whole document
# tree first it took 2.1 to 2.5 KiB per process: this bound would have failed it.)
MAX_GROWTH_KIB = {"--json": 10 * 1024, "--color=never": 10 * 1024}
MAX_KIB_PER_PROCESS = {"--json": 1.0, "--color=never": 1.0}


def pids_in_use():
    n = 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                n += len(os.listdir(f"/proc/{entry}/task"))
            except OSError:
                pass
    return n


def measure(args):
    """Runs pidns-tree ARGS under the maxrss helper; returns (max RSS in KiB, seconds,
    processes shown (JSON only), the CompletedProcess)."""
    with tempfile.TemporaryDirectory(prefix="pidns-robust-") as tmp:
        rss_file = os.path.join(tmp, "maxrss")
        start = time.monotonic()
        res = h.run(args, prefix=[h.meson_path("MAXRSS"), rss_file])
        seconds = time.monotonic() - start
        h.check_clean_exit(res)
        with open(rss_file) as f:
            rss = int(f.read())
    doc = h.parse_json(res) if "--json" in args else None
    return rss, seconds, doc["summary"]["processes"] if doc else None, res


def check_fixture_shown(fx, doc):
    """Every fixture process is in the document, in its namespace, with its NStgid."""
    nodes = h.check_doc(doc)
    for ns in fx.namespaces:
        got = nodes.get((ns["dev"], ns["ino"]))
        if got is None:
            raise AssertionError(f"fixture namespace {ns['index']} missing")
        pids = {p["pid"]: p["nstgid"] for p in got["processes"]}
        for m in ns["members"]:
            if pids.get(m["pid"]) != m["nstgid"]:
                raise AssertionError(f"fixture namespace {ns['index']}: pid {m['pid']} "
                                     f"{pids.get(m['pid'])}, want {m['nstgid']}")


def test():
    with open("/proc/sys/kernel/pid_max") as f:
        pid_max = int(f.read())
    with open("/proc/sys/kernel/threads-max") as f:
        threads_max = int(f.read())
    free = min(pid_max, threads_max) - pids_in_use()
    if free < 12000:
        raise h.Skip(f"only {free} PIDs free (pid_max {pid_max}, threads-max {threads_max}); "
                     "10,000 fixture processes need more")

    results = {}
    with h.Fixture(SPEC_1K, prefix="rbl") as fx:
        check_fixture_shown(fx, h.parse_json(measure(["--json"])[3]))
        for mode in (["--json"], ["--color=never"]):
            measure(mode)  # warm the kernel's caches
            results[("1k", mode[0])] = measure(mode)[:2] + (
                measure(["--json", "-N"])[2],)

    with h.Fixture(SPEC_10K, prefix="rbl") as fx:
        members = sum(len(n["members"]) for n in fx.namespaces)
        if members != 9730 or len(fx.namespaces) != 100:
            raise AssertionError(f"nsfixture built {members} processes, {len(fx.namespaces)} ns")
        # The descriptor limit: still every process, as JSON (compared in full) and as text.
        start = time.monotonic()
        doc = h.run_json(fd_limit=FD_LIMIT)
        limited_seconds = time.monotonic() - start
        check_fixture_shown(fx, doc)
        h.compare(fx, doc=doc, text=h.run_tool(["--color=never"], fd_limit=FD_LIMIT))
        for mode in (["--json"], ["--color=never"]):
            measure(mode)
            results[("10k", mode[0])] = measure(mode)[:2] + (
                measure(["--json", "-N"])[2],)

    if h.build_is_sanitized() or not h.build_is_optimized():
        print("limits: memory bounds not checked: sanitized or unoptimised build")
        return
    report, too_much = [], []
    for mode in ("--json", "--color=never"):
        (rss1, t1, n1), (rss10, t10, n10) = results[("1k", mode)], results[("10k", mode)]
        growth = rss10 - rss1
        per_process = growth / max(1, n10 - n1)
        report.append(f"{mode}: {n1} processes {rss1} KiB {t1:.2f} s; {n10} processes "
                      f"{rss10} KiB {t10:.2f} s; +{growth} KiB = {per_process:.2f} KiB/process")
        if growth > MAX_GROWTH_KIB[mode] or per_process > MAX_KIB_PER_PROCESS[mode]:
            too_much.append(mode)
    print(f"limits: 10k processes under ulimit -n {FD_LIMIT}: JSON scan {limited_seconds:.2f} s")
    for line in report:
        print("limits: max RSS " + line)
    if too_much:
        raise AssertionError(f"peak RSS grows too much with {too_much}")


h.main(test)
