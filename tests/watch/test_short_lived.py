#!/usr/bin/env python3
"""--watch with the proc connector sees a namespace that lives 50 ms (unshare --pid --fork of a
copy of sleep under a unique name, sleeping 0.05 s): created at its init's exec, with that name,
level 1 below the host, then gone, having lived at least 50 ms by the kernel's own timestamps.
Five of them. The README's known limit holds on a busy host: an init reaped before the watcher
reads its status after the fork event is not seen, and with both CPUs busy elsewhere the watcher
may wait that long for one. So it runs at the highest priority (nice -20), and a namespace that
goes unseen is started again, up to ten more times, each miss said: only a watcher that misses
most of them fails."""
import os
import subprocess
import time

import harness as h
from harness import watch as w

RUNS = 5
MAX_MISSES = 10
CREATED_TIMEOUT = 5  # seconds; a namespace not reported by then was not seen (see above)


def one_run(watcher, prog, host, run):
    """Starts one short-lived namespace; checks its two events, or returns False if unseen."""
    started = time.monotonic()
    subprocess.run(["unshare", "--pid", "--fork", "--kill-child", prog.path, "0.05"],
                   check=True, stdin=subprocess.DEVNULL, timeout=30)
    took = time.monotonic() - started
    try:
        created = watcher.wait(lambda e: e["event"] == "created" and e["init_name"] == prog.name,
                               f"run {run}: created", timeout=CREATED_TIMEOUT)
    except AssertionError as e:
        if "not seen within" not in str(e):
            raise
        return False
    gone = watcher.wait(lambda e: e["event"] == "gone" and e["ns"] == created["ns"],
                        f"run {run}: gone")
    if created["level"] != 1 or w.key(created["parent"]) != host:
        raise AssertionError(f"run {run}: created {created}, want level 1 under the host")
    if gone["lived_from"] != "created" or not 50 <= gone["lived_ms"] <= took * 1000 + 5:
        raise AssertionError(f"run {run}: lived {gone['lived_ms']} ms "
                             f"({gone['lived_from']}); unshare took {took * 1000:.0f} ms")
    if gone["init"] != created["init"] or gone["init_name"] != prog.name:
        raise AssertionError(f"run {run}: gone {gone} does not match created {created}")
    print(f"run {run}: {created['label']} lived {gone['lived_ms']} ms")
    return True


def test():
    host = h.stat_ns("/proc/self/ns/pid")
    prefix = ["nice", "-n", "-20"] if os.geteuid() == 0 else []
    with w.Watcher(prefix=prefix) as watcher, w.NamedProgram() as prog:
        w.require_connector(watcher)
        w.wait_until_started(watcher)
        seen = misses = 0
        while seen < RUNS:
            if one_run(watcher, prog, host, seen + misses):
                seen += 1
                continue
            misses += 1
            print(f"run {seen + misses - 1}: not seen (reaped before its status was read?)")
            if misses > MAX_MISSES:
                raise AssertionError(f"{misses} of {seen + misses} short-lived namespaces unseen")
        if watcher.stop() != 0:
            raise AssertionError(f"exit {watcher.proc.returncode}: {watcher.err!r}")


h.main(test)
