#!/usr/bin/env python3
"""The jq recipes for --watch in README.md, extracted from its "### jq recipes for `--watch`"
section (so the docs and this test cannot drift), run with real jq on the events that two real
watchers printed while this test made namespaces: root's, on the proc connector, and user
65534's, which rescans every 0.2 s and sees root's namespaces inferred (all labelled pid:[?]).
L and P below it (nsfixture "1(1)") live over three seconds, and meanwhile S 50 ms, M two
seconds and, inside L, N 50 ms: long enough, but for S and N, for rescans that take most of a
second on a host of 10,000 processes. Each result is checked against what was made, not against pidns-tree's own
output; for the unprivileged watcher, L, P and M are alive at once, so that a recipe that keys
namespaces on their label (which all three share) counts wrong. The container recipe runs on
the same events with a container label put into one of ours. (The recipes for snapshots:
json/test_jq_snapshot_recipes.py.)"""
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
SHORT, MEDIUM, LONG = 0.05, 2, 3.5  # seconds: S and N, M, L and P at least
INTERVAL = 0.2  # the unprivileged watcher's rescans
CONTAINER_ID = "c" * 64


def run(what, cmd, values, events_file):
    cmd = readme.fill_recipe(what, cmd, values)
    cmd = cmd.replace(SOURCE, "cat " + shlex.quote(events_file), 1)
    return cmd, readme.run_recipe(what, cmd)


def unshare(program, seconds, prefix=()):
    return [*prefix, "unshare", "--pid", "--fork", "--kill-child", program, str(seconds)]


def make_namespaces(progs):
    """Makes L and P (P's init a child of L's: its parent is plain to every viewer), then S, M
    and N inside L while they live; returns {name: predicate} of the created event of each."""
    started = time.monotonic()
    with h.Fixture("1(1)", prefix="wjf") as fx:
        inits = {"L": fx.init_pid(0), "P": fx.init_pid(1)}
        brief = [h.start(unshare(progs["M"].path, MEDIUM))]
        try:
            nsenter = ["nsenter", "--target", str(inits["L"]), "--pid", "--"]
            for name, prefix in (("N", nsenter), ("S", ())):
                subprocess.run(unshare(progs[name].path, SHORT, prefix), check=True,
                               stdin=subprocess.DEVNULL, timeout=30)
            if brief[0].wait(timeout=30) != 0:
                raise AssertionError(f"{brief[0].args}: exit {brief[0].returncode}")
        finally:
            h.kill_sessions(brief)
        time.sleep(max(0.0, LONG - (time.monotonic() - started)))
    ours = {n: (lambda e, pid=pid: e["init"] == pid) for n, pid in inits.items()}
    ours.update({n: (lambda e, p=progs[n]: e["init_name"] == p.name) for n in ("S", "M", "N")})
    return ours


def wait_for_ours(watcher, ours, names, who):
    """{name: created event} of the namespaces NAMES as WATCHER reported them, each gone too."""
    made = {}
    for name in names:
        made[name] = watcher.wait(lambda e, mine=ours[name]: e["event"] == "created" and mine(e),
                                  f"{who}: {name} created", from_start=True)
    for name, c in made.items():
        watcher.wait(lambda e, c=c: e["event"] == "gone" and e["key"] == c["key"] and
                     e["init"] == c["init"], f"{who}: {name} gone", from_start=True)
    return made


def identity(ns):
    """A namespace's identity from its "ns" object, which names an inferred one by its init."""
    return json.dumps(ns, sort_keys=True)


class Checks:
    """What each recipe must print, for the events EVENTS of one watcher (WHO), in which the
    namespaces of MADE (name: created event) were seen, and at least those of MUST."""

    def __init__(self, who, events, made, must):
        self.who, self.events, self.made, self.must = who, events, made, must
        self.labelled = "M" if who == "user 65534" else "S"  # the one given a container label

    def gone(self, name):
        c = self.made[name]
        return next(e for e in self.events
                    if e["event"] == "gone" and e["ns"] == c["ns"] and e["init"] == c["init"])

    def lived_under_a_second(self, lines):
        lived = {n: self.gone(n)["lived_ms"] for n in self.made}
        brief = [n for n in self.must if n in ("S", "N")]
        if any(lived[n] >= 1000 for n in brief) or any(lived[n] < 1000 for n in "LPM"):
            raise AssertionError(f"{self.who}: lived {lived}, want under a second only for "
                                 f"{brief}")
        want = {f"{self.made[n]['key']} {self.made[n]['init_name']} {lived[n]} ms"
                for n in self.made if lived[n] < 1000}
        # By key and init name: once one of ours is gone, another test's namespace may get its
        # inode (robust/recycled-inode makes that happen on purpose) and live briefly.
        long_lived = [f"{self.made[n]['key']} {self.made[n]['init_name']} " for n in "LPM"]
        return want <= set(lines) and not any(x.startswith(p) for x in lines for p in long_lived)

    def created_below(self, lines):
        # N may be seen by rescans, and then perhaps not placed below L: its init's parent is
        # a process that nsenter put there, in one of three inferred namespaces of that level.
        allowed = [f"{c['time']} {c['key']} {c['init_name']}"
                   for c in sorted((self.made[n] for n in ("N", "P") if n in self.made),
                                   key=self.events.index)]
        required = {f"{self.made[n]['time']} {self.made[n]['key']} {self.made[n]['init_name']}"
                    for n in self.must if n in ("N", "P")}
        return required <= set(lines) and lines == [x for x in allowed if x in lines]

    def containers(self, lines):
        # Other people's containers may have come and gone meanwhile: theirs are listed too.
        c = self.made[self.labelled]
        ours = f"{c['time']} {c['key']} docker {CONTAINER_ID}"
        others = [f"{e['time']} {e['key']} {e['container']['engine']} {e['container']['id']}"
                  for e in self.events if e["event"] == "created" and e["container"]]
        return lines.count(ours) == 1 and sorted(lines) == sorted(others + [ours])

    def alive_counts(self, lines):
        alive, want, ours, most = set(), [], {identity(c["ns"]) for c in self.made.values()}, 0
        for e in self.events:
            if e["event"] == "gone":
                alive.discard(identity(e["ns"]))
            elif e["event"] != "resync":
                alive.add(identity(e["ns"]))
            want.append(f"{e['time']} {len(alive)}")
            most = max(most, len(alive & ours))
        if most < 3:
            raise AssertionError(f"{self.who}: at most {most} of ours alive at once, not L, P "
                                 "and M")
        return lines == want

    def fake_events(self):
        """The events, with a container label put into those of one of ours."""
        c = self.made[self.labelled]
        for e in self.events:
            if e["event"] != "resync" and e["ns"] == c["ns"] and e["init"] == c["init"]:
                e = dict(e, container={"engine": "docker", "id": CONTAINER_ID, "pod_uid": ""})
            yield e

    def run_all(self, found, tmp):
        checks = {
            "Every namespace that lived under a second, with its init's name:":
                ({}, self.lived_under_a_second, False),
            "Every namespace created below a given one, by its key (`pid:[INO]`, or "
            "`pid:[?] init PID`):": ({"parent": self.made["L"]["key"]}, self.created_below, False),
            "Containers as they start, with their engine and id:": ({}, self.containers, True),
            "How many namespaces are alive after each event:": ({}, self.alive_counts, False),
        }
        readme.check_coverage(found, checks)
        real = os.path.join(tmp, f"events.{self.labelled}.jsonl")
        fake = os.path.join(tmp, f"labelled.{self.labelled}.jsonl")
        with open(real, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(e) + "\n" for e in self.events)
        with open(fake, "w", encoding="utf-8") as f:
            f.writelines(json.dumps(e) + "\n" for e in self.fake_events())
        for what, cmd in found.items():
            values, check, labelled = checks[what]
            ran, lines = run(what, cmd, values, fake if labelled else real)
            if not check(lines):
                raise AssertionError(f"{self.who}: recipe {what!r}: unexpected result of\n  "
                                     f"{ran}\n" + "\n".join(lines[:40]))
            print(f"ok, {self.who}: {what} ({len(lines)} lines)")


def test():
    found = readme.readme_recipes(SECTION, SOURCE)
    if os.geteuid() != 0:
        raise h.Skip("needs root to make PID namespaces with nsenter and unshare")
    progs = {}
    with h.UserBinary() as ub, w.Watcher() as root, \
            w.Watcher(["--interval", str(INTERVAL)], prefix=h.AS_NOBODY, tool=ub.path) as user:
        w.require_connector(root)
        w.wait_until_started(root)
        w.wait_until_started(user)
        with w.NamedProgram("wjs") as progs["S"], w.NamedProgram("wjm") as progs["M"], \
                w.NamedProgram("wjn") as progs["N"]:
            ours = make_namespaces(progs)
            made_root = wait_for_ours(root, ours, ("L", "P", "S", "M", "N"), "root")
            made_user = wait_for_ours(user, ours, ("L", "P", "M"), "user 65534")
            # The rescans may have caught S or N too.
            for name in ("S", "N"):
                if any(e["event"] == "created" and ours[name](e) for e in user.lines):
                    made_user.update(wait_for_ours(user, ours, (name,), "user 65534"))
        for watcher in (root, user):
            if watcher.stop() != 0:
                raise AssertionError(f"exit {watcher.proc.returncode}: {watcher.err!r}")
        named = [n for n, c in made_user.items() if not c["key"].startswith("pid:[?] init ")]
        if named:
            raise AssertionError(f"user 65534 named {named} by inode: not inferred")
        with tempfile.TemporaryDirectory(prefix="pidns-watch-jq-") as tmp:
            Checks("root", root.lines, made_root, ("S", "N", "P")).run_all(found, tmp)
            Checks("user 65534", user.lines, made_user, ("M", "P")).run_all(found, tmp)


h.main(test)
