#!/usr/bin/env python3
"""How --watch ends. SIGINT (JSON Lines) and SIGTERM (text), sent while namespaces come and go
as fast as unshare can make them: exit 0, and the output ends with a whole line. A reader that
goes away (pidns-tree --watch | head -n 1) ends it at once and quietly, though no event follows.
A full disk (stdout on /dev/full) ends it with exit 1 and one line that says so."""
import os
import signal
import subprocess
import tempfile
import time

import harness as h
from harness import watch as w

CHURN = "while :; do unshare --pid --fork --kill-child true; done"
SIGPIPE_STATUS = 128 + signal.SIGPIPE


def ends_cleanly(json_lines, sig):
    what = f"{'json' if json_lines else 'text'} watcher, {signal.Signals(sig).name}"
    with w.Watcher(json_lines=json_lines) as watcher:
        w.wait_until_started(watcher)
        churn = subprocess.Popen(["sh", "-c", CHURN], stdin=subprocess.DEVNULL,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                 start_new_session=True)
        try:
            watcher.drain(1.5)
            started = time.monotonic()
            rc = watcher.stop(sig)
            took = time.monotonic() - started
        finally:
            os.killpg(churn.pid, signal.SIGKILL)
            churn.wait()
        if rc != 0:
            raise AssertionError(f"{what}: exit {rc}; stderr {watcher.err!r}")
        if not watcher.out.endswith(b"\n"):
            raise AssertionError(f"{what}: output ends with a partial line: {watcher.out[-200:]!r}")
        if took > 2:
            raise AssertionError(f"{what}: took {took:.1f} s to end")
        churned = sum(1 for e in watcher.lines
                      if (e["event"] != "exists" if json_lines else " exists " not in e))
        print(f"{what}: exit 0 after {took * 1000:.0f} ms, {len(watcher.lines)} whole lines "
              f"({churned} beyond the first exists)")
        errors = [line for line in watcher.stderr_lines()
                  if not line.startswith("pidns-tree: watching ") and not h.UNSHOWN_LINE.match(line)]
        if errors:
            raise AssertionError(f"{what}: stderr {errors}")


def closed_pipe():
    script = ('"$0" --watch 2>"$1" | head -n 1 >/dev/null; echo "${PIPESTATUS[0]}"')
    with tempfile.NamedTemporaryFile(prefix="pidns-watch-err-") as err_file:
        started = time.monotonic()
        # bash runs pidns-tree as "$0"
        r = subprocess.run(["bash", "-c", script, *h.command(), err_file.name],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=30,
                           start_new_session=True, env=h.environment())
        took = time.monotonic() - started
        err = err_file.read().decode(errors="replace").splitlines()
    status = int(r.stdout.split()[-1])
    if status not in (0, SIGPIPE_STATUS) or took > 5:
        raise AssertionError(f"--watch | head -n 1: status {status} after {took:.1f} s")
    errors = [line for line in err if not line.startswith("pidns-tree: watching ") and
              not h.UNSHOWN_LINE.match(line)]
    if errors:
        raise AssertionError(f"--watch | head -n 1: stderr {errors}")
    print(f"--watch | head -n 1: status {status} after {took:.2f} s")


def full_disk():
    with open("/dev/full", "wb") as full:
        r = h.run(["--watch"], stdout=full, timeout=30)
    lines = [line for line in r.stderr.decode().splitlines()
             if not line.startswith("pidns-tree: watching ") and not h.UNSHOWN_LINE.match(line)]
    if r.returncode != 1 or lines != ["pidns-tree: error writing to standard output"]:
        raise AssertionError(f"--watch >/dev/full: exit {r.returncode}, stderr {lines}")


def test():
    if os.geteuid() != 0:
        raise h.Skip("needs root to make PID namespaces with unshare")
    ends_cleanly(True, signal.SIGINT)
    ends_cleanly(False, signal.SIGTERM)
    closed_pipe()
    full_disk()


h.main(test)
