#!/usr/bin/env python3
"""--watch and an init with more than one thread (tests/helpers/thread_init). A namespace lives
while its init's thread group has a live thread, whatever the group's leader does:

- an init whose second thread execs at once (de_thread() makes the old leader exit, and the
  connector reports that exit with pid == tgid) is reported created, with the new program's name,
  and not gone until it is killed;
- an init whose main thread exits while another thread runs (a zombie leader) is not gone, nor is
  the namespace below it; both are gone when that thread exits, not before;
- a watcher started after the leader exited (the first snapshot), with the connector and with
  rescans as user 65534, reports both namespaces, and their end; the tree shows both too."""
import json
import time

import harness as h
from harness import watch as w


def created_of(watcher, init, what):
    return watcher.wait(lambda e: e["event"] == "created" and e["init"] == init, what)


def no_gone(watcher, inits, what):
    gone = [e for e in watcher.lines if e.get("event") == "gone" and e["init"] in inits]
    if gone:
        raise AssertionError(f"{what}: reported gone while alive: {gone}")


def child_init(name):
    """The PID of the child namespace's init (thread_init names it NAME + "c")."""
    return h.processes_named([(name + "c").encode()])[(name + "c").encode()][0]


def exec_from_thread(watcher):
    with w.NamedProgram("wti") as prog, \
            w.ThreadedInit(w.unique_name("wte"), "exec", prog.path) as ti:
        ti.step()  # at once: before the watch reports the namespace
        created = created_of(watcher, ti.init, "created of the init that exec'd from a thread")
        if created["init_name"] != prog.name:
            raise AssertionError(f"created {created}: want init_name {prog.name!r}")
        watcher.drain(1.5)
        no_gone(watcher, [ti.init], "init that exec'd from a thread")
        killed = time.monotonic()
    watcher.wait(lambda e: e["event"] == "gone" and e["ns"] == created["ns"] and
                 e["init"] == ti.init, "gone after the kill")
    print(f"exec from a thread: created {created['label']}, gone "
          f"{time.monotonic() - killed:.2f} s after the kill")


def leader_exits_first(watcher):
    name = w.unique_name("wtz")
    with w.ThreadedInit(name, "leader-exits") as ti:
        child = child_init(name)
        outer = created_of(watcher, ti.init, "created of the threaded init's namespace")
        inner = created_of(watcher, child, "created of the namespace below it")
        ti.step()  # the main thread exits
        watcher.drain(1.5)
        no_gone(watcher, [ti.init, child], "after the leader's exit")
        ended = time.monotonic()
        ti.step()  # the last thread exits: the namespace ends
        for ns, what in ((inner, "inner"), (outer, "outer")):
            gone = watcher.wait(lambda e, ns=ns: e["event"] == "gone" and e["ns"] == ns["ns"] and
                                e["init"] == ns["init"], f"gone of the {what} namespace")
            if gone["lived_ms"] < 1500:
                raise AssertionError(f"{what}: lived {gone['lived_ms']} ms, but its leader exited "
                                     f"1.5 s before its end")
        print(f"leader exits first: gone {time.monotonic() - ended:.2f} s after the last thread")


def check_tree(doc, init, child, who):
    """The snapshot's tree shows the zombie leader's namespace and the one below it."""
    found = {node["init"]: (node, parent) for node, parent in h.walk(doc["pidns"])}
    if init not in found or child not in found or found[child][1] is not found[init][0]:
        raise AssertionError(f"{who}'s tree: want init {init}'s namespace with init {child}'s "
                             f"below it; inits seen: {sorted(i for i in found if i)}")


def snapshot_of_zombie_leader():
    name = w.unique_name("wts")
    with h.UserBinary() as ub, w.ThreadedInit(name, "leader-exits") as ti:
        child = child_init(name)
        ti.step()
        state = h.status_field(ti.init, "State")
        if state[0] != "Z" or int(h.status_field(ti.init, "Threads")[0]) != 2:
            raise AssertionError(f"init {ti.init}: State {state}, want a zombie leader of 2 "
                                 "threads")
        for prefix, tool, who in (((), None, "root"), (h.AS_NOBODY, ub.path, "user 65534")):
            r = h.run(["--json"], prefix, tool=tool, text=True)
            h.check_clean_exit(r, allow_forest=True)  # other people's namespaces, unplaced
            check_tree(json.loads(r.stdout), ti.init, child, who)
        with w.Watcher() as root, \
                w.Watcher(["--interval", "0.2"], prefix=h.AS_NOBODY, tool=ub.path) as user:
            w.require_connector(root)
            for watcher, who in ((root, "root"), (user, "user 65534")):
                for init in (ti.init, child):
                    watcher.wait(lambda e, init=init: e["event"] == "exists" and
                                 e["init"] == init, f"{who}: exists of init {init}",
                                 from_start=True)
            user.drain(1)  # a few rescans
            no_gone(user, [ti.init, child], "user 65534's rescans")
            ti.step()
            for watcher, who in ((root, "root"), (user, "user 65534")):
                for init in (child, ti.init):
                    watcher.wait(lambda e, init=init: e["event"] == "gone" and e["init"] == init,
                                 f"{who}: gone of init {init}")
    print("snapshot of a zombie leader: exists, then gone, for root and user 65534")


def test():
    with w.Watcher() as watcher:
        w.require_connector(watcher)
        w.wait_until_started(watcher)
        exec_from_thread(watcher)
        leader_exits_first(watcher)
        if watcher.stop() != 0:
            raise AssertionError(f"exit {watcher.proc.returncode}: {watcher.err!r}")
    snapshot_of_zombie_leader()


h.main(test)
