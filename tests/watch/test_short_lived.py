#!/usr/bin/env python3
"""--watch with the proc connector sees a namespace that lives 50 ms (unshare --pid --fork of a
copy of sleep under a unique name, sleeping 0.05 s): created at its init's exec, with that name,
level 1 below the host, then gone, having lived at least 50 ms by the kernel's own timestamps.
Five in a row, each seen."""
import subprocess
import time

import harness as h
from harness import watch as w

RUNS = 5


def test():
    host = h.stat_ns("/proc/self/ns/pid")
    with w.Watcher() as watcher, w.NamedProgram() as prog:
        w.require_connector(watcher)
        w.wait_until_started(watcher)
        for run in range(RUNS):
            started = time.monotonic()
            subprocess.run(["unshare", "--pid", "--fork", "--kill-child", prog.path, "0.05"],
                           check=True, stdin=subprocess.DEVNULL, timeout=30)
            took = time.monotonic() - started
            created = watcher.wait(lambda e: e["event"] == "created" and
                                   e["init_name"] == prog.name, f"run {run}: created")
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
        if watcher.stop() != 0:
            raise AssertionError(f"exit {watcher.proc.returncode}: {watcher.err!r}")


h.main(test)
