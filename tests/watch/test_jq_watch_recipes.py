#!/usr/bin/env python3
"""The jq recipes for --watch in README.md, extracted from its "### jq recipes for `--watch`"
section (so the docs and this test cannot drift), run with real jq on the events a real watcher
printed while this test made namespaces: S lives 50 ms; L lives over a second, and N, made inside
L, 50 ms. Each result is checked against what was made, not against pidns-tree's own output. The
container recipe runs on the same events with a container label put into S's. (The recipes for
snapshots: json/test_jq_snapshot_recipes.py.)"""
import json
import os
import shlex
import subprocess
import tempfile
import time

import harness as h
from harness import readme
from harness import watch as w

SECTION = "### jq recipes for `--watch`"
SOURCE = "pidns-tree --watch --json"


def run(what, cmd, values, events_file):
    cmd = readme.fill_recipe(what, cmd, values)
    cmd = cmd.replace(SOURCE, "cat " + shlex.quote(events_file), 1)
    return cmd, readme.run_recipe(what, cmd)


def test():
    found = readme.readme_recipes(SECTION, SOURCE)
    if os.geteuid() != 0:
        raise h.Skip("needs root to make PID namespaces with nsenter and unshare")
    with w.Watcher() as watcher, w.NamedProgram("wjs") as s_prog, \
            w.NamedProgram("wjl") as l_prog, w.NamedProgram("wjn") as n_prog:
        w.require_connector(watcher)
        w.wait_until_started(watcher)
        started = time.monotonic()
        with w.Namespace(l_prog.path, 60) as l_ns:
            l_init = l_ns.init_pid()
            # L is reported at its exec, or before the exec of a namespace made below it, with
            # the name it has then: N only once L's init has its final name.
            h.wait_for("L's init to exec", lambda: h.comm_of(l_init) == l_prog.name.encode())
            nsenter = ["nsenter", "--target", str(l_init), "--pid", "--"]
            subprocess.run(nsenter + ["unshare", "--pid", "--fork", "--kill-child", n_prog.path,
                                      "0.05"], check=True, stdin=subprocess.DEVNULL, timeout=30)
            subprocess.run(["unshare", "--pid", "--fork", "--kill-child", s_prog.path, "0.05"],
                           check=True, stdin=subprocess.DEVNULL, timeout=30)
            time.sleep(max(0.0, 1.3 - (time.monotonic() - started)))
        made = {}
        for name, prog in (("S", s_prog), ("L", l_prog), ("N", n_prog)):
            made[name] = watcher.wait(lambda e, p=prog: e["event"] == "created" and
                                      e["init_name"] == p.name, f"{name} created",
                                      from_start=True)
        for name in made:
            watcher.wait(lambda e, c=made[name]: e["event"] == "gone" and e["ns"] == c["ns"] and
                         e["init"] == c["init"], f"{name} gone", from_start=True)
        if watcher.stop() != 0:
            raise AssertionError(f"exit {watcher.proc.returncode}: {watcher.err!r}")
        events = watcher.lines

    def lived_under_a_second(lines):
        # Keyed by init too: S and N may have had the same inode, one after the other.
        gone = {(e["label"], e["init"]): e for e in events if e["event"] == "gone"}
        lived = {n: gone[(made[n]["label"], made[n]["init"])]["lived_ms"] for n in made}
        want = {f"{made[n]['label']} {made[n]['init_name']} {lived[n]} ms" for n in ("S", "N")}
        if lived["L"] < 1000:
            raise AssertionError(f"L lived only {lived['L']} ms")
        return want <= set(lines) and not any(made["L"]["init_name"] in x for x in lines)

    def created_below(lines):
        return lines == [f"{made['N']['time']} {made['N']['label']} {made['N']['init_name']}"]

    def containers(lines):
        # Other people's containers may have come and gone meanwhile: theirs are listed too.
        ours = f"{made['S']['time']} {made['S']['label']} docker {'c' * 64}"
        others = [f"{e['time']} {e['label']} {e['container']['engine']} {e['container']['id']}"
                  for e in events if e["event"] == "created" and e["container"]]
        return lines.count(ours) == 1 and sorted(lines) == sorted(others + [ours])

    def alive_counts(lines):
        alive = set()
        want = []
        for e in events:
            if e["event"] == "gone":
                alive.discard(e["label"])
            elif e["event"] != "resync":
                alive.add(e["label"])
            want.append(f"{e['time']} {len(alive)}")
        return lines == want

    checks = {
        "Every namespace that lived under a second, with its init's name:":
            ({}, lived_under_a_second, False),
        "Every namespace created below a given one, by its inode:":
            ({"ino": made["L"]["ns"]["ino"]}, created_below, False),
        "Containers as they start, with their engine and id:": ({}, containers, True),
        "How many namespaces are alive after each event:": ({}, alive_counts, False),
    }
    readme.check_coverage(found, checks)
    with tempfile.TemporaryDirectory(prefix="pidns-watch-jq-") as tmp:
        real = os.path.join(tmp, "events.jsonl")
        fake = os.path.join(tmp, "labelled.jsonl")
        with open(real, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(e) + "\n" for e in events)
        with open(fake, "w", encoding="utf-8") as f:
            for e in events:
                if e["event"] != "resync" and e["init"] == made["S"]["init"] and \
                        e["ns"] == made["S"]["ns"]:
                    e = dict(e, container={"engine": "docker", "id": "c" * 64, "pod_uid": ""})
                f.write(json.dumps(e) + "\n")
        for what, cmd in found.items():
            values, check, labelled = checks[what]
            ran, lines = run(what, cmd, values, fake if labelled else real)
            if not check(lines):
                raise AssertionError(f"recipe {what!r}: unexpected result of\n  {ran}\n" +
                                     "\n".join(lines[:40]))
            print(f"ok: {what} ({len(lines)} lines)")


h.main(test)
