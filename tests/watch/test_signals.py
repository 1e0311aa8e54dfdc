#!/usr/bin/env python3
"""How --watch ends. SIGINT (JSON Lines) and SIGTERM (text), sent while namespaces come and go
as fast as unshare can make them: exit 0, and the output ends with a whole line. A reader that
goes away (pidns-tree --watch | head -n 1) ends it at once and quietly (exit 0), though no event
follows. A reader that stops reading (a full pipe: a stalled log shipper, `| less` at its prompt)
leaves it blocked in write(2), where SIGTERM and SIGINT still end it at once with exit 0 and only
whole lines in the pipe, and where the reader's going away ends it with exit 0, not SIGPIPE. A
full disk (stdout on /dev/full) ends it with exit 1 and one line that says so."""
import fcntl
import json
import os
import signal
import subprocess
import tempfile
import time

import harness as h
from harness import watch as w

CHURN = "while :; do unshare --pid --fork --kill-child true; done"
F_SETPIPE_SZ = 1031


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
    if status != 0 or took > 5:
        raise AssertionError(f"--watch | head -n 1: status {status} after {took:.1f} s")
    errors = [line for line in err if not line.startswith("pidns-tree: watching ") and
              not h.UNSHOWN_LINE.match(line)]
    if errors:
        raise AssertionError(f"--watch | head -n 1: stderr {errors}")
    print(f"--watch | head -n 1: status {status} after {took:.2f} s")


def blocked_in_write(pid):
    """Whether PID sleeps in write(2) to its stdout (fd 1): /proc/PID/syscall, else wchan."""
    try:
        with open(f"/proc/{pid}/syscall") as f:
            fields = f.read().split()
        if len(fields) > 2:
            return fields[0] == "1" and int(fields[1], 16) == 1  # x86-64 write(1, ...)
    except (OSError, ValueError):
        pass
    try:
        with open(f"/proc/{pid}/wchan") as f:
            return f.read().endswith("pipe_write")
    except OSError:
        return False


def stalled_reader(how):
    """A reader that stops reading: the pipe fills (shrunk to one page, events from a churn of
    namespaces) and the watcher blocks in write(2); then HOW ("SIGTERM", "SIGINT" or "close":
    the reader goes away) must end it at once, with exit 0."""
    what = f"stalled reader, then {how}"
    read_end, write_end = os.pipe()
    fcntl.fcntl(write_end, F_SETPIPE_SZ, 4096)
    watcher = subprocess.Popen(h.command(["--watch", "--json"]), stdin=subprocess.DEVNULL,
                               stdout=write_end, stderr=subprocess.DEVNULL,
                               start_new_session=True, cwd="/", env=h.environment())
    os.close(write_end)
    churn = subprocess.Popen(["sh", "-c", CHURN], stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    try:
        h.wait_for(f"{what}: the watcher blocked in write(2)",
                   lambda: blocked_in_write(watcher.pid), timeout=30)
        os.killpg(churn.pid, signal.SIGKILL)
        churn.wait()
        started = time.monotonic()
        if how == "close":
            os.close(read_end)
        else:
            watcher.send_signal(getattr(signal, how))
        try:
            rc = watcher.wait(timeout=5)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"{what}: still running 5 s later") from None
        took = time.monotonic() - started
        if rc != 0:
            raise AssertionError(f"{what}: exit {rc}")
        if how != "close":
            out = b""
            while chunk := os.read(read_end, 65536):
                out += chunk
            lines = out.split(b"\n")
            if lines[-1] != b"" or not all(json.loads(line) for line in lines[:-1]):
                raise AssertionError(f"{what}: the pipe holds a partial line: {out[-200:]!r}")
        print(f"{what}: exit 0 after {took * 1000:.0f} ms")
    finally:
        for p in (churn, watcher):
            if p.poll() is None:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
        if how != "close":
            os.close(read_end)


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
    for how in ("SIGTERM", "SIGINT", "close"):
        stalled_reader(how)
    full_disk()


h.main(test)
