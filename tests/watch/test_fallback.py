#!/usr/bin/env python3
"""--watch without the proc connector: as user 65534 (no CAP_NET_ADMIN) it says so once on stderr
and rescans /proc every --interval; a namespace the user makes (a user + PID namespace whose init
execs a uniquely named sleep) is reported created, at level 1 under the host, and gone after it is
killed, each within a few intervals; SIGTERM ends it with exit 0. Root inside a user namespace
falls back too, and says why."""
import signal

import harness as h
from harness import watch as w

INTERVAL = 0.2


def test():
    host = h.stat_ns("/proc/self/ns/pid")
    with h.UserBinary() as ub:  # the build directory may be out of the user's reach
        tool = ub.path
        with w.NamedProgram() as prog, \
                w.Watcher(["--interval", str(INTERVAL)], prefix=h.AS_NOBODY, tool=tool) as watcher:
            line = watcher.mode_line()
            want = f"rescanning /proc every {INTERVAL:g} s (no proc connector: no CAP_NET_ADMIN)"
            if want not in line or "live less than that" not in line:
                raise AssertionError(f"mode line {line!r}, want one with {want!r}")
            w.wait_until_started(watcher)
            userns = ["unshare", "--user", "--map-root-user"]
            with w.Namespace(prog.path, 60, prefix=h.AS_NOBODY + userns) as ns:
                created = watcher.wait(lambda e: e["event"] == "created" and
                                       e["init_name"] == prog.name, "created")
                if created["level"] != 1 or w.key(created["parent"]) != host or \
                        created["init"] != ns.init_pid():
                    raise AssertionError(f"created {created}: want level 1 under the host, "
                                         f"init {ns.init_pid()}")
            gone = watcher.wait(lambda e: e["event"] == "gone" and e["ns"] == created["ns"],
                                "gone")
            if gone["lived_from"] != "created" or gone["lived_ms"] < 0:
                raise AssertionError(f"gone {gone}")
            rc = watcher.stop(signal.SIGTERM)
            if rc != 0:
                raise AssertionError(f"SIGTERM: exit {rc}; stderr {watcher.err!r}")
            if watcher.out and not watcher.out.endswith(b"\n"):
                raise AssertionError("output does not end with a whole line")

    # Root, but in a user namespace of its own: the kernel would ignore the subscription.
    with w.Watcher(["--interval", "0.5"], prefix=["unshare", "--user", "--map-root-user"]) as uw:
        line = uw.mode_line()
        if "no proc connector: not in the initial user namespace" not in line:
            raise AssertionError(f"mode line in a user namespace: {line!r}")
        w.wait_until_started(uw)
        if uw.stop(signal.SIGTERM) != 0:
            raise AssertionError(f"in a user namespace, SIGTERM: exit {uw.proc.returncode}")


h.main(test)
