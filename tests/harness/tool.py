"""Running pidns-tree: command() and environment() build every command line and environment that
starts it, run() is the one function that runs it to the end, and the checks below judge what
run() returns (exit status, stderr lines, stdout).

meson passes the binary as PIDNS_TREE. Every run has NO_COLOR=1 unless the caller says otherwise,
stdin from /dev/null and / as its working directory.
"""

import json
import os
import re
import resource
import subprocess

from .core import meson_path

TOOL_TIMEOUT = 60  # seconds for one pidns-tree run

# The one stderr line pidns-tree may print and still succeed: on this kind of host PID 1 denies
# /proc/1/ns/pid even to root.
UNSHOWN_LINE = re.compile(r"^pidns-tree: (\d+ process(es)? placed by inference from (its|their) "
                          r"status \(no ptrace rights to read (its|their) ns/pid\)(; |$))?"
                          r"(\d+ process(es)? not shown: .+)?$")
# pidns-tree's warning when it shows a forest (namespaces whose parents the kernel hides).
FOREST_LINE = re.compile(r"^pidns-tree: \d+ separate trees: .+$")
# Notes on what the host holds, which a run may print and still be clean, each once: on this
# shared machine other tests and people hold what they describe while a test scans the host.
HOST_NOTES = (
    # No container names, over a procfs not pidns-tree's own without --host-root: printed only
    # where a container's cgroup is in view.
    re.compile(r"^pidns-tree: no container names: .+ pass the host's root directory with "
               r"--host-root .+$"),
    # --all: bind mounts of PID namespaces that their path no longer reaches (robust/hostile-pins
    # makes such mounts while other tests scan with --all).
    re.compile(r"^pidns-tree: \d+ PID namespace bind mounts? could not be opened by (its|their) "
               r"path .+$"),
)
# An ANSI SGR sequence: the only escape pidns-tree itself writes (--color).
SGR = re.compile(rb"\x1b\[[0-9;]*m")


def command(args=(), prefix=(), tool=None):
    """[*PREFIX, pidns-tree (or TOOL), *ARGS]."""
    return list(prefix) + [tool or meson_path("PIDNS_TREE")] + list(args)


def environment(env=None, ptrace=False):
    """The environment of a pidns-tree run: ours, NO_COLOR=1, then ENV (a value of None removes
    that variable). PTRACE: the run is under strace, where LeakSanitizer cannot work, so a
    sanitized build checks leaks in the other tests, not in this one."""
    out = dict(os.environ, NO_COLOR="1")
    if ptrace:
        out["ASAN_OPTIONS"] = out.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    for k, v in (env or {}).items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = v
    return out


def _limit_fds(limit):
    def apply():
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    return apply


def run(args=(), prefix=(), tool=None, env=None, ptrace=False, text=False, fd_limit=None,
        stdout=subprocess.PIPE, timeout=TOOL_TIMEOUT):
    """Runs command(ARGS, PREFIX, TOOL) to its end, from /, with environment(ENV, PTRACE) and
    at most FD_LIMIT open descriptors if given; returns the CompletedProcess, whatever the exit
    (stdout and stderr as bytes, or str if TEXT). What must talk to a running pidns-tree (a
    terminal, a pipe that closes, --watch) starts command() itself, with environment()."""
    return subprocess.run(command(args, prefix, tool), stdin=subprocess.DEVNULL, stdout=stdout,
                          stderr=subprocess.PIPE, text=text, timeout=timeout,
                          env=environment(env, ptrace), cwd="/",
                          preexec_fn=None if fd_limit is None else _limit_fds(fd_limit))


def describe(r):
    err = r.stderr if isinstance(r.stderr, str) else r.stderr.decode(errors="replace")
    return f"{r.args} exited {r.returncode}; stderr:\n{err}"


def check_clean_exit(r, allow_forest=False):
    """Exit 0, output on stdout, and stderr holding at most the one summary line of processes
    not shown, each of the HOST_NOTES once and, if allowed, the one line explaining a forest.
    Returns the stderr lines."""
    if r.returncode != 0:
        raise AssertionError(describe(r))
    if not r.stdout:
        raise AssertionError(f"{r.args}: empty output")
    err = r.stderr if isinstance(r.stderr, str) else r.stderr.decode(errors="replace")
    lines = err.splitlines()
    unshown = [ln for ln in lines if UNSHOWN_LINE.match(ln)]
    notes = [[ln for ln in lines if note.match(ln)] for note in HOST_NOTES]
    forest = [ln for ln in lines if allow_forest and FOREST_LINE.match(ln)]
    other = [ln for ln in lines if ln not in unshown + forest + sum(notes, [])]
    if other or len(unshown) > 1 or len(forest) > 1 or any(len(n) > 1 for n in notes):
        raise AssertionError(f"{r.args}: stderr holds more than one summary line: {lines!r}")
    return lines


def run_tool(args=(), prefix=(), fd_limit=None, allow_forest=False):
    """Runs pidns-tree; asserts exit 0, output, and a stderr of summary lines only (the forest
    line too if ALLOW_FOREST: a container view where other tests' namespaces cannot be placed);
    returns stdout as text."""
    r = run(args, prefix, text=True, fd_limit=fd_limit)
    check_clean_exit(r, allow_forest)
    return r.stdout


def run_json(args=(), **kw):
    """run_tool(["--json", *ARGS]) as a document of schema 2."""
    doc = json.loads(run_tool(["--json", *args], **kw))
    if doc.get("schema") != 2:
        raise AssertionError(f"unexpected JSON schema: {doc.get('schema')!r}")
    return doc


def run_failure(args, prefix=(), stdout_empty=True):
    """Asserts that pidns-tree exits 1 with one stderr line that says why (the environment's
    "not shown" summary aside) and, unless stdout_empty is False, nothing on stdout. Returns
    (that line, stdout)."""
    r = run(args, prefix, text=True)
    cmd = " ".join(list(prefix) + ["pidns-tree"] + list(args))
    if r.returncode != 1:
        raise AssertionError(f"{cmd}: exit {r.returncode}, want 1; stderr:\n{r.stderr}")
    if stdout_empty and r.stdout:
        raise AssertionError(f"{cmd}: stdout not empty:\n{r.stdout}")
    lines = [ln for ln in r.stderr.splitlines() if not UNSHOWN_LINE.match(ln)]
    if len(lines) != 1 or not lines[0].startswith("pidns-tree: "):
        raise AssertionError(f"{cmd}: want one 'pidns-tree: ...' stderr line, got {lines!r}")
    return lines[0], r.stdout


def parse_json(r):
    """The JSON document on R's stdout."""
    try:
        return json.loads(r.stdout)
    except ValueError as e:
        raise AssertionError(f"{r.args}: output is not JSON ({e}):\n{r.stdout[:2000]!r}") from e
