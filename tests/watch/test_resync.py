#!/usr/bin/env python3
"""Lost events are never dropped silently: with a receive buffer of a few events
(PIDNS_TREE_WATCH_RCVBUF=1), the watcher is stopped (SIGSTOP) while namespace A dies, namespace B
is born and 400 processes fork and exit; when it goes on (SIGCONT) it reports a resync, then A
gone and B created, each exactly once over the whole run, and the state after it is right: the
connector still reports B gone when B's init is killed."""
import os
import signal
import subprocess
import time

import harness as h
from harness import watch as w

BURST = 400


def wait_for_comm(pid, name, timeout=w.EVENT_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/comm", encoding="utf-8") as f:
                if f.read().strip() == name:
                    return
        except OSError:
            pass
        time.sleep(0.01)
    raise AssertionError(f"pid {pid} did not exec {name}")


def burst():
    subprocess.run(["sh", "-c", f'i=0; while [ $i -lt {BURST} ]; do /bin/true; i=$((i+1)); done'],
                   check=True, stdin=subprocess.DEVNULL, timeout=120)


def once(watcher, key, init, event):
    """The one `event` of the namespace `key` whose init is `init` (an inode may be reused)."""
    got = [e for e in watcher.events_of(key) if e["event"] == event and e["init"] == init]
    if len(got) != 1:
        raise AssertionError(f"pid:[{key[1]}]: {len(got)} {event} events, want 1: {got}; all: "
                             f"{[e for e in watcher.lines if e['event'] != 'exists']}")
    return got[0]


def test():
    with w.NamedProgram("wra") as prog_a, w.NamedProgram("wrb") as prog_b, \
            w.Watcher(env={"PIDNS_TREE_WATCH_RCVBUF": "1"}) as watcher:
        w.require_connector(watcher)
        w.wait_until_started(watcher)
        a = w.Namespace(prog_a.path, 120)
        try:
            a_init = a.init_pid()
            wait_for_comm(a_init, prog_a.name)
            a_key = h.stat_ns(f"/proc/{a_init}/ns/pid")
            watcher.wait(lambda e: e["event"] == "created" and w.key(e["ns"]) == a_key,
                         "A created")
            os.kill(watcher.proc.pid, signal.SIGSTOP)
            try:
                burst()
                a.close()
                b = w.Namespace(prog_b.path, 120)
                b_init = b.init_pid()
                wait_for_comm(b_init, prog_b.name)
                b_key = h.stat_ns(f"/proc/{b_init}/ns/pid")
                burst()
            finally:
                os.kill(watcher.proc.pid, signal.SIGCONT)
            try:
                resync = watcher.wait(lambda e: e["event"] == "resync", "resync")
                if resync.get("reason") != "overrun":
                    raise AssertionError(f"resync {resync}")
                watcher.wait(lambda e: e["event"] == "created" and w.key(e["ns"]) == b_key and
                             e["init"] == b_init, "B created")
                watcher.drain(0.5)
                gone_a = once(watcher, a_key, a_init, "gone")
                created_b = once(watcher, b_key, b_init, "created")
                if created_b["level"] != 1 or gone_a["lived_from"] != "created":
                    raise AssertionError(f"B created {created_b}, A gone {gone_a}")
                # The state after the resync is right, and the events go on.
                b.close()
                watcher.wait(lambda e: e["event"] == "gone" and w.key(e["ns"]) == b_key and
                             e["init"] == b_init, "B gone after the resync")
            finally:
                b.close()
        finally:
            a.close()
        once(watcher, a_key, a_init, "created")
        once(watcher, b_key, b_init, "gone")
        resyncs = sum(1 for e in watcher.lines if e["event"] == "resync")
        if watcher.stop() != 0:
            raise AssertionError(f"SIGINT: exit {watcher.proc.returncode}; {watcher.err!r}")
        print(f"{resyncs} resync events, {len(watcher.lines)} events in all")


h.main(test)
