#!/usr/bin/env python3
"""--watch holds no more descriptors and hardly more memory after hundreds of namespaces and
thousands of processes have come and gone: its state is bounded by the live namespaces, never
by the processes it has seen. Measured from /proc/PID/fd and VmRSS of the running watcher, after
a warm-up and again after the churn."""
import os
import subprocess

import harness as h
from harness import watch as w

RSS_GROWTH_KIB = 512  # allocator noise; a leak of even 100 bytes per namespace would show


def churn(namespaces, forks):
    subprocess.run(["sh", "-c", f'i=0; while [ $i -lt {namespaces} ]; do '
                    f'unshare --pid --fork --kill-child sleep 0.005; i=$((i+1)); done; '
                    f'i=0; while [ $i -lt {forks} ]; do /bin/true; i=$((i+1)); done'],
                   check=True, stdin=subprocess.DEVNULL, timeout=300)


def usage(pid):
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    with open(f"/proc/{pid}/status", encoding="utf-8") as f:
        rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
    return fds, rss


def test():
    if os.geteuid() != 0:
        raise h.Skip("needs root to make PID namespaces with unshare")
    with w.Watcher() as watcher:
        mode = watcher.mode_line()
        w.wait_until_started(watcher)
        churn(30, 200)
        watcher.drain(1.5)
        before = usage(watcher.proc.pid)
        churn(300, 2000)
        watcher.drain(1.5)
        after = usage(watcher.proc.pid)
        seen = sum(1 for e in watcher.lines if e["event"] == "gone")
        print(f"{'connector' if 'connector' in mode else 'rescans'}: {seen} namespaces gone; "
              f"fds {before[0]} -> {after[0]}, VmRSS {before[1]} -> {after[1]} KiB")
        if after[0] != before[0]:
            raise AssertionError(f"descriptors {before[0]} -> {after[0]}")
        # A sanitizer changes what memory use means: then descriptors only.
        if not h.build_is_sanitized() and after[1] - before[1] > RSS_GROWTH_KIB:
            raise AssertionError(f"VmRSS grew by {after[1] - before[1]} KiB")
        if seen < 150:  # each lives 5 ms: a few may be reaped before their fork is read
            raise AssertionError(f"only {seen} namespaces reported gone, of at least 330")
        if watcher.stop() != 0:
            raise AssertionError(f"exit {watcher.proc.returncode}")


h.main(test)
