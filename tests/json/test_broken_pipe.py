#!/usr/bin/env python3
"""`pidns-tree --json | head -c 10` ends quietly: pidns-tree dies of SIGPIPE (the default
disposition a shell gives it) or exits 0, prints nothing on stderr, and the pipeline's status
under `set -o pipefail` is 0 or 141. Run on a document far larger than a pipe's buffer (real
nested namespaces with 600 processes), so that the pipe does break, and on the host's /proc."""
import subprocess
import tempfile

import harness as h

SPEC = "1(1(1(1(1(1(600))))))"  # 605 processes with nstgid of 2..7 elements: about 500 KiB
SIGPIPE_STATUS = 128 + 13
PIPELINE = ('set -o pipefail; "$0" --json "$@" 2>"$PIDNS_ERR" | head -c 10; '
            'rc=$? st="${PIPESTATUS[*]}"; printf "\\n%s/%s\\n" "$rc" "$st"; exit "$rc"')


def run_pipeline(args, allow_unshown, must_break):
    with tempfile.NamedTemporaryFile(prefix="pidns-err-") as err:
        # bash runs pidns-tree as "$0" "$@"
        r = subprocess.run(["bash", "-c", PIPELINE, *h.command(args)], stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=h.TOOL_TIMEOUT,
                           env=h.environment({"PIDNS_ERR": err.name}))
        tool_err = err.read().decode(errors="replace")
    what = f"pidns-tree --json {' '.join(args)} | head -c 10"
    head, _, status = r.stdout.rpartition(b"\n")[0].rpartition(b"\n")
    if head != b'{\n  "schem':
        raise AssertionError(f"{what}: head got {head!r}")
    rc, tool_status, head_status = (int(x) for x in status.decode().replace("/", " ").split())
    print(f"{what}: pipeline {rc}, pidns-tree {tool_status}, head {head_status}")
    if head_status != 0 or r.returncode != rc:
        raise AssertionError(f"{what}: head {head_status}, bash {r.returncode}")
    if tool_status not in (0, SIGPIPE_STATUS) or (must_break and tool_status != SIGPIPE_STATUS):
        raise AssertionError(f"{what}: pidns-tree ended with {tool_status}; stderr: {tool_err!r}")
    if rc != tool_status:
        raise AssertionError(f"{what}: pipefail status {rc}, want {tool_status}")
    lines = tool_err.splitlines()
    if allow_unshown:  # this host's PID 1 may deny /proc/1/ns/pid even to root
        lines = [line for line in lines if not h.UNSHOWN_LINE.match(line)]
    if lines or r.stderr:
        raise AssertionError(f"{what}: stderr {tool_err!r}, shell stderr {r.stderr!r}")


def test():
    with h.Fixture(SPEC, mount_proc=True, prefix="jsfxp") as fx:
        size = len(h.run_tool(["--json"]).encode())
        pipe_buffer = 1 << 16  # pipe(7): 16 pages by default
        if size < 4 * pipe_buffer:
            raise AssertionError(f"the document is only {size} bytes: the pipe may not break")
        # The fixture's own procfs: its PID 1 is readable, so stderr must be exactly empty.
        run_pipeline(["--proc", fx.ns(0)["proc"]], allow_unshown=False, must_break=True)
        run_pipeline(["--proc", fx.ns(0)["proc"], "--ptree", "--all"], allow_unshown=False,
                     must_break=True)
        run_pipeline([], allow_unshown=True, must_break=True)
    run_pipeline([], allow_unshown=True, must_break=False)  # the host alone: may fit the pipe


h.main(test)
