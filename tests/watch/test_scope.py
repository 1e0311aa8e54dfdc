#!/usr/bin/env python3
"""--watch --ns NS follows NS's subtree only. With two fixtures (A: "1(1)", B: "1"), watching A's
top namespace by inode: exists for A's two namespaces and nothing of B's; a namespace made inside
A (nsenter into A, then unshare) is created at level 2 under A, one made on the host is not
reported; when A's init dies, A and everything below it is gone and pidns-tree exits 0 by itself,
there being nothing left to watch. The same with --ns /proc/PID/ns/pid, in text."""

import harness as h
from harness import watch as w


def test():
    with h.Fixture("1(1)", prefix="wsa") as a, h.Fixture("1", prefix="wsb") as b, \
            w.NamedProgram("wsi") as inside, w.NamedProgram("wso") as outside:
        a_keys = [w.key(n) for n in a.namespaces]
        b_key = w.key(b.ns(0))
        with w.Watcher(["--ns", str(a.ns(0)["ino"])]) as watcher, \
                w.Watcher(["--ns", f"/proc/{a.init_pid(0)}/ns/pid"], json_lines=False) as text:
            w.require_connector(watcher)
            w.wait_until_started(watcher)
            w.wait_until_started(text)
            watcher.drain(0.3)
            exists = [w.key(e["ns"]) for e in watcher.lines if e["event"] == "exists"]
            if exists != a_keys:
                raise AssertionError(f"exists for {exists}, want A's {a_keys} only")
            nsenter = ["nsenter", "--target", str(a.init_pid(0)), "--pid", "--"]
            with w.Namespace(inside.path, 60, prefix=nsenter) as inner, \
                    w.Namespace(outside.path, 60):
                created = watcher.wait(lambda e: e["event"] == "created" and
                                       e["init_name"] == inside.name, "created inside A")
                if created["level"] != 2 or w.key(created["parent"]) != a_keys[0]:
                    raise AssertionError(f"created {created}: want level 2 under A")
                text.wait(lambda line: f"created pid:[{created['ns']['ino']}] level 2, parent "
                          f"pid:[{a_keys[0][1]}], init {created['init']} {inside.name}" in line,
                          "text created inside A")
                watcher.drain(1.5)  # the one outside had time to exec, and to be reported
                strays = [e for e in watcher.lines if e.get("init_name") == outside.name or
                          ("ns" in e and w.key(e["ns"]) == b_key)]
                if strays:
                    raise AssertionError(f"events outside A's subtree: {strays}")
                w.kill_and_wait(a.init_pid(0))
                for watched in (watcher, text):
                    rc = watched.finish(timeout=w.EVENT_TIMEOUT)
                    if rc != 0:
                        raise AssertionError(f"exit {rc} when A was gone; {watched.err!r}")
                del inner
            gone = {w.key(e["ns"]) for e in watcher.lines if e["event"] == "gone"}
            want = set(a_keys) | {w.key(created["ns"])}
            if gone != want:
                raise AssertionError(f"gone {gone}, want {want}")
            if not text.out.endswith(b"\n") or \
                    not any(f"gone    pid:[{a_keys[0][1]}] " in line for line in text.lines):
                raise AssertionError(f"text watcher: {text.lines}")
        # A's fixture checks at its end that all of it is gone; its top process now sees its init
        # dead, which it reports as an error on stderr: not ours to judge.


h.main(test)
