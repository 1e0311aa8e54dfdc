#!/usr/bin/env python3
"""(5) Bad input: --proc naming a missing path, a regular file, an empty directory, a tmpfs (in a
private mount namespace, so nothing leaks) and a directory its user may not read; malformed or
contradictory option values; PIDs and namespaces that do not exist. Each gets exactly one stderr
line, starting "pidns-tree: " and naming the value, no stdout, and the documented exit status
(1 runtime failure, 2 usage error): never a signal, never an exception trace."""
import os
import tempfile

import harness as h

FAIL, USAGE = 1, 2


def free_pid():
    """A PID no process has (the highest free one below pid_max)."""
    with open("/proc/sys/kernel/pid_max") as f:
        pid = int(f.read()) - 1
    while os.path.exists(f"/proc/{pid}"):
        pid -= 1
    return pid


def check(args, status, names, prefix=(), tool=None):
    res = h.run(args, prefix=prefix, tool=tool)
    what = " ".join(list(prefix[-1:]) + args)
    if res.returncode < 0:
        raise AssertionError(f"{what}: killed by signal {-res.returncode}")
    err = res.stderr.decode(errors="replace")
    lines = err.splitlines()
    if res.returncode != status:
        raise AssertionError(f"{what}: exit {res.returncode}, want {status}; stderr {err!r}")
    if res.stdout:
        raise AssertionError(f"{what}: stdout {res.stdout[:200]!r}")
    if len(lines) != 1 or not lines[0].startswith("pidns-tree: "):
        raise AssertionError(f"{what}: stderr {err!r}, want one 'pidns-tree: ' line")
    for n in names:
        if n not in lines[0]:
            raise AssertionError(f"{what}: stderr {lines[0]!r} does not name {n!r}")
    for trace in ("terminate called", "what()", "Traceback", "Aborted", "core dumped"):
        if trace in err:
            raise AssertionError(f"{what}: {trace!r} on stderr")


def test():
    with tempfile.TemporaryDirectory(prefix="pidns-robust-") as tmp:
        missing = os.path.join(tmp, "missing")
        regular = os.path.join(tmp, "regular")
        with open(regular, "w") as f:
            f.write("1\n")
        empty = os.path.join(tmp, "empty")
        os.mkdir(empty)
        pid = str(free_pid())
        cases = [
            (["--proc", missing], FAIL, [missing]),
            (["--proc", regular], FAIL, [regular]),
            (["--proc", empty], FAIL, [empty]),
            (["--proc", empty, "--json"], FAIL, [empty]),
            (["--color=1"], USAGE, ["--color", "1"]),
            (["--color", "sometimes"], USAGE, ["sometimes"]),
            (["--max-depth", "-1"], USAGE, ["--max-depth", "-1"]),
            (["--max-depth", "x"], USAGE, ["--max-depth", "x"]),
            (["--max-depth", "65"], USAGE, ["--max-depth", "65"]),
            (["--pid", "0"], USAGE, ["--pid", "0"]),
            (["--pid", "abc"], USAGE, ["--pid", "abc"]),
            (["--pid", "99999999999999999999"], USAGE, ["99999999999999999999"]),
            (["--format", "xml"], USAGE, ["--format", "xml"]),
            (["--json", "--format", "dot"], USAGE, ["--json", "dot"]),
            (["--pid", "1", "--ns", "1"], USAGE, ["--pid", "--ns"]),
            (["--translate", "1"], USAGE, ["--translate", "--to"]),
            (["--to", "1"], USAGE, ["--to", "--translate"]),
            (["--bogus-option"], USAGE, ["--bogus-option"]),
            (["stray-argument"], USAGE, ["stray-argument"]),
            (["--ns", "bogus-path"], FAIL, ["bogus-path"]),
            (["--ns", regular], FAIL, [regular]),
            (["--ns", "/proc/self/ns/net"], FAIL, ["/proc/self/ns/net"]),
            (["--ns", "12345"], FAIL, ["12345"]),
            (["--ns", "pid:[abc]"], FAIL, ["pid:[abc]"]),
            (["--pid", pid], FAIL, [pid]),
            (["--translate", pid, "--to", str(os.getpid())], FAIL, [pid]),
        ]
        for args, status, names in cases:
            check(args, status, names)

        # A tmpfs, mounted in a mount namespace of its own that dies with the run.
        if os.geteuid() == 0 and h.have_program("unshare", "util-linux", "a tmpfs as --proc"):
            tmpfs = os.path.join(tmp, "tmpfs")
            os.mkdir(tmpfs)
            check(["--proc", tmpfs], FAIL, [tmpfs, "procfs"],
                  prefix=["unshare", "--mount", "--propagation", "private", "sh", "-c",
                          'mount -t tmpfs none "$0" && exec "$@"', tmpfs])
        else:
            print("tmpfs case skipped: needs root")

        # A directory user 65534 may not open.
        if os.geteuid() == 0 and h.have_program("setpriv", "util-linux",
                                                "a --proc that user 65534 may not open"):
            locked = os.path.join(tmp, "locked")
            os.mkdir(locked, 0o700)
            os.chmod(tmp, 0o755)
            with h.UserBinary() as ub:
                check(["--proc", locked], FAIL, [locked, "Permission denied"],
                      prefix=h.AS_NOBODY, tool=ub.path)
        else:
            print("unreadable-directory case skipped: needs root")


h.main(test)
