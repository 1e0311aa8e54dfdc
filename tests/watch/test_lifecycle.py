#!/usr/bin/env python3
"""--watch with the proc connector, on three long-lived namespaces nested three deep (nsfixture
"1(1(1))"), watched at once as JSON Lines and as text: each is reported created once, with the
right parent, level, init, init name and NS_GET_ID; the deepest two are killed one by one and
reported gone, each when its own init dies, the outermost one not until the fixture ends. The
watchers end on SIGINT with exit 0."""
import re
import signal
import time

import harness as h
from harness import watch as w

TEXT_LINE = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z) (exists |created|gone   |resync ) "
                       r"(.*)$")


def check_created(fx, index, event, text_lines):
    n = fx.ns(index)
    where = f"fixture namespace {index} (pid:[{n['ino']}])"
    init = n["members"][0]
    want = {"event": "created", "label": f"pid:[{n['ino']}]", "level": n["depth"],
            "parent": {"dev": n["parent"]["dev"], "ino": n["parent"]["ino"]},
            "init": init["pid"], "init_name": init["name"], "container": None}
    got = {k: event[k] for k in want}
    if got != want:
        raise AssertionError(f"{where}: created {got}, want {want}")
    unique_id = w.ns_get_id(f"/proc/{init['pid']}/ns/pid")
    if event.get("unique_id") != unique_id:
        raise AssertionError(f"{where}: unique_id {event.get('unique_id')}, NS_GET_ID says "
                             f"{unique_id}")
    # Keyed by init too: nsfs reuses an inode at once, and another test's namespace may have had
    # this one just before.
    text = [line for line in text_lines
            if f" pid:[{n['ino']}] " in line and f", init {init['pid']} " in line]
    want_text = (f"created pid:[{n['ino']}] level {n['depth']}, parent pid:[{n['parent']['ino']}], "
                 f"init {init['pid']} {init['name']}")
    if len(text) != 1 or want_text not in text[0]:
        raise AssertionError(f"{where}: text lines {text}, want one with {want_text!r}")
    if not TEXT_LINE.match(text[0]):
        raise AssertionError(f"{where}: text line {text[0]!r} is not of the documented form")


def test():
    with w.Watcher() as jw, w.Watcher(json_lines=False) as tw:
        w.require_connector(jw)
        w.wait_until_started(jw)
        w.wait_until_started(tw)
        with h.Fixture("1(1(1))", prefix="wtl") as fx:
            keys = [w.key(n) for n in fx.namespaces]
            inits = [fx.init_pid(i) for i in range(len(keys))]
            created = {}
            for i, k in enumerate(keys):
                created[k] = jw.wait(lambda e, k=k, i=i: e["event"] == "created" and
                                     w.key(e["ns"]) == k and e["init"] == inits[i],
                                     f"created of fixture namespace {i}")
                tw.wait(lambda line, n=fx.ns(i), i=i: f"created pid:[{n['ino']}] " in line and
                        f", init {inits[i]} " in line, f"text created of fixture namespace {i}")
            for i in range(3):
                check_created(fx, i, created[keys[i]], tw.lines)

            for victim in (2, 1):
                pid = fx.init_pid(victim)
                w.kill_and_wait(pid)
                gone = jw.wait(lambda e, k=keys[victim]: e["event"] == "gone" and
                               w.key(e["ns"]) == k and e["init"] == pid,
                               f"gone of fixture namespace {victim}")
                if gone["lived_from"] != "created" or gone["lived_ms"] <= 0 or \
                        gone["init"] != pid:
                    raise AssertionError(f"gone of namespace {victim}: {gone}")
                tw.wait(lambda line, n=fx.ns(victim): f"gone    pid:[{n['ino']}] " in line and
                        f", init {pid} " in line and re.search(r", lived \d+\.\d{3} s$", line),
                        f"text gone of {victim}")
            jw.drain(0.5)
            early = [e for e in jw.events_of(keys[0]) if e["event"] == "gone" and
                     e["init"] == inits[0]]
            if early:
                raise AssertionError(f"namespace 0 reported gone while alive: {early}")
        jw.wait(lambda e: e["event"] == "gone" and w.key(e["ns"]) == keys[0] and
                e["init"] == inits[0], "gone of fixture namespace 0 after the fixture ended")

        for k, init in zip(keys, inits):
            # Another test may make a namespace on a freed inode: tell them by their init.
            kinds = [e["event"] for e in jw.events_of(k) if e["init"] == init]
            if kinds != ["created", "gone"]:
                raise AssertionError(f"pid:[{k[1]}]: events {kinds}, want created then gone")
        started = time.monotonic()
        for watcher in (jw, tw):
            rc = watcher.stop(signal.SIGINT)
            if rc != 0:
                raise AssertionError(f"SIGINT: exit {rc}; stderr {watcher.err!r}")
        print(f"stopped in {time.monotonic() - started:.2f} s; "
              f"{len(jw.lines)} JSON events, {len(tw.lines)} text lines")
        for line in tw.lines:
            if not TEXT_LINE.match(line):
                raise AssertionError(f"text line not of the documented form: {line!r}")


h.main(test)
