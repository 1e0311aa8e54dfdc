"""Two runs of pidns-tree that must print the same bytes (the two --source's of one binary): in
the top PID namespace of an nsfixture --mount-proc forest, where the host's other processes are
out of view, each run given the same PID there (written to the namespace's ns_last_pid just
before, as tools/same_output.py does), so that the tool's own row is the same for both.
--jobs 1 keeps worker threads out of the namespace's PID counter and out of the tool's threads.

Needs root (nsenter, ns_last_pid).
"""

import os
import re
import signal
import subprocess
import time

from .procs import AS_NOBODY
from .tool import command, environment, run

SELF_PID = 4000  # the PID each run of the tool gets in the fixture's top namespace


def enter(init_pid):
    """The prefix that runs a command in the PID and mount namespaces of process INIT_PID."""
    return ["nsenter", "-t", str(init_pid), "-p", "-m", "--"]


def _next_pid(init_pid):
    subprocess.run(enter(init_pid) + ["sh", "-c",
                                      f"echo {SELF_PID - 1} > /proc/sys/kernel/ns_last_pid"],
                   check=True, stdin=subprocess.DEVNULL)


def run_inside(init_pid, args, as_nobody=False, tool=None):
    """(exit status, stdout, stderr) of pidns-tree ARGS run as PID SELF_PID inside the namespace
    of INIT_PID, as root or as user 65534 (TOOL: a copy that user may run)."""
    _next_pid(init_pid)
    # nsenter forks into the namespace; setpriv execs, so the tool keeps that child's PID.
    prefix = enter(init_pid) + (AS_NOBODY if as_nobody else [])
    r = run(args, prefix=prefix, tool=tool)
    return r.returncode, r.stdout, r.stderr


def watch_inside(init_pid, args, as_nobody=False, tool=None, seconds=1.5):
    """--watch ARGS inside the namespace for SECONDS, then SIGINT: (exit status, its lines
    without their time stamps, stderr)."""
    _next_pid(init_pid)
    prefix = enter(init_pid) + (AS_NOBODY if as_nobody else [])
    p = subprocess.Popen(command(["--watch"] + list(args), prefix, tool), stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=environment(),
                         cwd="/")
    time.sleep(seconds)
    # nsenter passes no signal on: the tool is its child, and only the tool gets one, so that
    # nsenter lives to reap it.
    with open(f"/proc/{p.pid}/task/{p.pid}/children", encoding="ascii") as f:
        for child in f.read().split():
            os.kill(int(child), signal.SIGINT)
    out, err = p.communicate(timeout=30)
    lines = []
    for line in out.decode(errors="replace").splitlines():
        if line.startswith("{"):
            lines.append(re.sub(r'"time":"[^"]*"', '"time":""', line))
        else:
            lines.append(line.split(" ", 1)[1])
    return p.returncode, "\n".join(lines).encode(), err


def differences(name, args, a, b, first="procfs", second="bpf"):
    """'' where the two (status, stdout, stderr) agree, else what differs, for a message."""
    if a == b:
        return ""
    out = [f"{name}: {' '.join(args)}"]
    for what, x, y in zip(("status", "stdout", "stderr"), a, b):
        if x != y:
            out.append(f"  {what}:\n    {first}: {x!r:.3000}\n    {second}: {y!r:.3000}")
    return "\n".join(out)
