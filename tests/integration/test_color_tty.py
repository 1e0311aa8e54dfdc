#!/usr/bin/env python3
"""--color=auto end to end, on a real pseudo-terminal (as ninja's misc/output_test.py does): color
on a terminal, none on a pipe, none when NO_COLOR is set and not empty, and an explicit --color
beats both. Only pidns-tree's own SGR sequences appear, and only on labels."""
import os
import pty
import re
import subprocess

import harness as h

SGR = h.SGR


def on_tty(args, env):
    """pidns-tree's stdout when stdout is a terminal (a pty whose other end we read)."""
    leader, follower = pty.openpty()
    try:
        proc = subprocess.Popen(h.command(args), stdin=subprocess.DEVNULL, stdout=follower,
                                stderr=subprocess.DEVNULL, env=h.environment(env))
        os.close(follower)
        follower = -1
        out = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the last writer closed the terminal
                break
            if not chunk:
                break
            out += chunk
        if proc.wait(timeout=60) != 0:
            raise AssertionError(f"{args}: exit {proc.returncode}")
        return out
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)


def on_pipe(args, env):
    r = h.run(args, env=env)
    if r.returncode != 0:
        raise AssertionError(h.describe(r))
    return r.stdout


def test():
    base = {"NO_COLOR": None, "TERM": "xterm-256color"}  # None: NO_COLOR unset
    cases = [
        ("auto on a terminal", on_tty, ["-N"], {}, True),
        ("auto on a pipe", on_pipe, ["-N"], {}, False),
        ("auto with NO_COLOR=1", on_tty, ["-N"], {"NO_COLOR": "1"}, False),
        ("auto with an empty NO_COLOR", on_tty, ["-N"], {"NO_COLOR": ""}, True),
        ("auto with TERM=dumb", on_tty, ["-N"], {"TERM": "dumb"}, False),
        ("always on a pipe, NO_COLOR=1", on_pipe, ["-N", "--color=always"], {"NO_COLOR": "1"},
         True),
        ("never on a terminal", on_tty, ["-N", "--color=never"], {}, False),
        ("JSON on a terminal", on_tty, ["--json"], {}, False),
    ]
    for what, run, args, extra, want_color in cases:
        out = run(args, dict(base, **extra))
        if not out.strip():
            raise AssertionError(f"{what}: no output")
        colored = bool(SGR.search(out))
        if colored != want_color:
            raise AssertionError(f"{what}: color {colored}, want {want_color}: {out[:200]!r}")
        if b"\x1b" in SGR.sub(b"", out):
            raise AssertionError(f"{what}: an escape that is not SGR: {out[:200]!r}")
        if colored and not re.search(rb"\x1b\[[0-9;]*mpid:\[\d+\]\x1b\[0m", out):
            raise AssertionError(f"{what}: the namespace label is not the colored part")


h.main(test)
