"""--source bpf prints what --source procfs prints, byte for byte, in every mode, on real nested
PID namespaces: the two sources of one binary, run one after the other as the same PID inside the
top namespace of an nsfixture --mount-proc forest (harness.twins), where nothing else runs.

Beside nsfixture's members the forest holds what a scan must get right: a process with threads,
one of another UID, a zombie, hostile names, a process whose children go to a namespace that has
no init yet (--all), a namespace owned by another user's user namespace (--owner), one whose init
sits in a container's cgroup (labels), and processes whose parent is outside the namespace
(nsenter's, as the tool is). Then a chain as deep as the kernel allows. Then the host, from its
own namespace: a fixture's subtree (--ns, --pid, --translate) byte for byte, and the whole host's
JSON, where what both runs saw must agree (other people's processes come and go between them).

Needs root, and the BPF task iterator usable here; skips saying why where it is not (.ci/run fails
on that skip).
"""

import json
import os
import re
import secrets
import subprocess
import sys

import harness as h
from harness import cgroups, twins

SPEC = "3(2(1,2(1)),1(1(1)),2(3))"
HOSTILE = [b"ev\x1b[2Jil\n\\x", b"\xe2\x80\xaebidi", b"\xffnot-utf8"]


def modes(fx):
    """(name, arguments) of every mode compared, on fixture FX."""
    inner = fx.ns(2)
    member = inner["members"][0]["nstgid"][1]  # as the fixture's top namespace numbers it
    inode = str(inner["ino"])
    each = [
        ("text", []), ("json", ["--json"]), ("dot", ["--format", "dot"]),
        ("openmetrics", ["--format", "openmetrics"]), ("no-pids", ["-N"]),
        ("no-pids-json", ["-N", "--json"]),
        ("no-pids-dot", ["-N", "--format", "dot"]), ("ptree", ["--ptree"]),
        ("ptree-json", ["--ptree", "--json"]), ("kernel-threads", ["-k"]),
        ("all", ["--all"]), ("all-json", ["--all", "--json"]),
        ("owner-id", ["--owner", "--ns-id"]),
        ("owner-id-dot", ["--owner", "--ns-id", "--format", "dot"]),
        ("depth", ["-d", "1"]), ("pid", ["--pid", str(member)]),
        ("pid-json", ["--pid", str(member), "--json"]), ("ns", ["--ns", inode]),
        ("ns-path", ["--ns", f"/proc/{member}/ns/pid"]),
        ("ns-path-json", ["--ns", f"/proc/{member}/ns/pid", "--json"]),
        ("no-labels", ["--no-labels"]), ("color", ["--color", "always"]),
        ("translate", ["--translate", str(member), "--to", "1"]),
        ("translate-json", ["--translate", str(member), "--to", inode, "--json"]),
        ("missing-pid", ["--pid", "99999"]),
    ]
    return [(name, ["--jobs", "1"] + args) for name, args in each]


def timeless(result):
    """(status, stdout, stderr) without OpenMetrics' one measured time, which no two runs share."""
    status, out, err = result
    return status, re.sub(rb"(?m)^pidns_scan_duration_seconds .*$",
                          b"pidns_scan_duration_seconds T", out), err


def compare(init_pid, cases, as_nobody=False, tool=None, watch=False):
    """Runs every case with both sources; raises listing every one that differs."""
    differ = []
    for name, args in cases:
        runner = twins.watch_inside if watch else twins.run_inside
        a = timeless(runner(init_pid, args + ["--source", "procfs"], as_nobody, tool))
        b = timeless(runner(init_pid, args + ["--source", "bpf"], as_nobody, tool))
        if a[0] != 0 and name not in ("missing-pid",):
            raise AssertionError(f"{name}: --source procfs exited {a[0]}: {a[2]!r}")
        diff = twins.differences(name, args, a, b)
        if diff:
            differ.append(diff)
        print(f"{'DIFFERS' if diff else 'same   '} {name}")
    if differ:
        raise AssertionError(f"{len(differ)} mode(s) differ:\n" + "\n".join(differ))


def start_inside(fx, argv, **kw):
    """A process started inside the fixture's top namespace (its parent, nsenter, outside)."""
    return h.start(twins.enter(fx.init_pid(0)) + argv, **kw)


def extras(fx, labels):
    """The processes beside nsfixture's members (see the module's doc); returns them to kill."""
    procs = []
    for name in HOSTILE:
        p = start_inside(fx, h.namer_argv(name), stdout=subprocess.PIPE)
        h.wait_named(p)
        procs.append(p)
    threads = ("import threading, time\n"
               "for _ in range(3): threading.Thread(target=time.sleep, args=(600,)).start()\n"
               "print('ready', flush=True)\n")
    p = start_inside(fx, [sys.executable, "-c", threads], stdout=subprocess.PIPE)
    h.wait_for("the threads", lambda: p.stdout.readline().strip() == b"ready", 30)
    procs.append(p)
    procs.append(start_inside(fx, h.AS_NOBODY + ["sleep", "600"]))
    # sh forks a short sleep, then becomes a long one, which never reaps it: a zombie.
    procs.append(start_inside(fx, ["sh", "-c", "sleep 0 & exec sleep 600"]))
    # unshare --pid without --fork: sleep's children would go to a namespace without an init.
    procs.append(start_inside(fx, ["unshare", "--pid", "sleep", "600"]))
    # A PID namespace owned by a user namespace of user 65534.
    procs.append(start_inside(fx, h.AS_NOBODY + ["unshare", "--user", "--map-root-user", "--pid",
                                                 "--fork", "--kill-child", "sleep", "600"]))
    if labels is not None:
        cgroup = labels.make_cgroup(f"system.slice/docker-{secrets.token_hex(32)}.scope")
        procs.append(h.start(twins.enter(fx.init_pid(0)) + ["unshare", "--pid", "--fork",
                                                            "--kill-child", "sleep", "600"],
                             preexec_fn=lambda: join(cgroup)))
    sleepers = 6 if labels is not None else 5  # the zombie is one
    h.wait_for("the extras to settle", lambda: settled(fx, sleepers), 30)
    return procs


def join(cgroup):
    with open(os.path.join(cgroup, "cgroup.procs"), "w", encoding="ascii") as f:
        f.write(str(os.getpid()))


def settled(fx, sleepers):
    """Whether every extra runs what it runs for the test: SLEEPERS sleeps, a zombie, and no
    process that has yet to exec (nsenter's child, sh)."""
    r = twins.run_inside(fx.init_pid(0), ["--jobs", "1", "--json", "--source", "procfs"])
    if r[0] != 0:
        return False
    names = [p["name"] for ns in h.json_nodes(json.loads(r[1])["pidns"]).values()
             for p in ns.get("processes", [])]
    if names.count("sleep") != sleepers or "nsenter" in names or "sh" in names:
        return False
    top = fx.ns(0)["ino"]
    for pid in h.pids():
        try:
            if (h.status_fields(pid).get("State", "")[:1] == "Z"
                    and h.stat_ns(f"/proc/{pid}/ns/pid")[1] == top):
                return True
        except OSError:
            pass
    return False


def check_refusals(fx, tool):
    """As a user without privileges: --source bpf fails with one line, auto reads procfs."""
    init = fx.init_pid(0)
    status, out, err = twins.run_inside(init, ["--source", "bpf", "-N"], True, tool)
    want = (b"pidns-tree: --source bpf: no CAP_BPF and CAP_PERFMON in the effective capabilities "
            b"(CapEff)\n")
    h.eq("--source bpf as nobody", "(status, stdout, stderr)", (status, out, err), (1, b"", want))
    cases = [("nobody", []), ("nobody-json", ["--json"]), ("nobody-no-pids", ["-N"])]
    differ = []
    for name, args in cases:
        a = twins.run_inside(init, ["--jobs", "1", "--source", "procfs"] + args, True, tool)
        b = twins.run_inside(init, ["--jobs", "1"] + args, True, tool)  # auto
        diff = twins.differences(name, args, a, b, "procfs", "auto")
        differ += [diff] if diff else []
        print(f"{'DIFFERS' if diff else 'same   '} {name} (auto)")
    if differ:
        raise AssertionError("\n".join(differ))


def forest():
    mount = cgroups.cgroup2_mount()
    labels = cgroups.Fixture(mount) if mount else None
    try:
        with h.Fixture(SPEC, mount_proc=True) as fx:
            procs = extras(fx, labels)
            try:
                init = fx.init_pid(0)
                # As root, auto is the iterator.
                auto = twins.run_inside(init, ["--jobs", "1", "--json"])
                bpf = twins.run_inside(init, ["--jobs", "1", "--json", "--source", "bpf"])
                h.eq("auto as root", "output", auto, bpf)
                compare(init, modes(fx))
                compare(init, [("watch", ["--jobs", "1"]), ("watch-json", ["--json"])],
                        watch=True)
                with h.UserBinary() as user:
                    check_refusals(fx, user.path)
            finally:
                h.kill_sessions(procs)
    finally:
        if labels is not None:
            labels.close()


def deep():
    with h.Fixture("max", mount_proc=True) as fx:
        cases = [("text", []), ("json", ["--json"]), ("no-pids", ["-N"]),
                 ("dot", ["--format", "dot"]), ("owner-id", ["--owner", "--ns-id"])]
        compare(fx.init_pid(0), [(name, ["--jobs", "1"] + args) for name, args in cases])


def host_subtree():
    """From the host's own namespace, a fixture's subtree (--ns its top) in every mode that shows
    processes: only the fixture is in it, so both sources must print the same bytes however the
    rest of the host changes between the runs. JSON's summary counts the whole host: left out."""
    with h.Fixture("2(1(2),3)") as fx:
        top, member = str(fx.ns(0)["ino"]), fx.ns(2)["members"][0]["pid"]
        cases = [["--ns", top], ["--ns", top, "--json"], ["--ns", top, "--format", "dot"],
                 ["--ns", top, "-N"], ["--ns", top, "--ptree"],
                 ["--ns", top, "--owner", "--ns-id"], ["--pid", str(member)],
                 ["--translate", str(member), "--to", top, "--json"]]
        differ = []
        for args in cases:
            outs = []
            for source in ("procfs", "bpf"):
                r = h.run(args + ["--jobs", "1", "--source", source])
                h.check_clean_exit(r, allow_forest=True)
                out = r.stdout
                if "--json" in args and "--translate" not in args:
                    doc = json.loads(out)
                    del doc["summary"]
                    out = json.dumps(doc).encode()
                outs.append(out)
            if outs[0] != outs[1]:
                differ.append(f"{' '.join(args)}:\n  procfs: {outs[0]!r:.2000}\n"
                              f"  bpf: {outs[1]!r:.2000}")
            print(f"{'DIFFERS' if outs[0] != outs[1] else 'same   '} host {' '.join(args)}")
        if differ:
            raise AssertionError("\n".join(differ))


def host_whole():
    """The whole host's JSON from both sources: every process both runs saw (same PID and name)
    has the same facts and namespace, every namespace both saw the same parent, level, id, owner
    and container, and they saw nearly the same processes. Other people's processes come and go
    between the two runs; kernel workers' names follow their work."""
    docs = []
    for source in ("procfs", "bpf"):
        r = h.run(["--json", "--jobs", "1", "--source", source])
        h.check_clean_exit(r, allow_forest=True)
        docs.append(h.json_nodes(json.loads(r.stdout)["pidns"]))
    keys = ("dev", "ino", "parent_key", "level", "unique_id", "owner", "container", "label")
    procs = []
    for nodes in docs:
        by_pid = {}
        for key, ns in nodes.items():
            for p in ns.get("processes", []):
                name = p["name"].split("-")[0] if p.get("kernel_thread") else p["name"]
                by_pid[p["pid"]] = (name, key, p["nstgid"], p["ppid"], p["uid"],
                                    p.get("kernel_thread", False))
        procs.append(by_pid)
    both = [pid for pid in procs[0] if pid in procs[1] and procs[0][pid][0] == procs[1][pid][0]]
    wrong = [(pid, procs[0][pid], procs[1][pid]) for pid in both if procs[0][pid] != procs[1][pid]]
    assert not wrong, f"processes seen differently: {wrong[:10]}"
    assert len(both) >= 0.9 * min(len(procs[0]), len(procs[1])), \
        f"only {len(both)} of {len(procs[0])} and {len(procs[1])} processes seen by both"
    for key in set(docs[0]) & set(docs[1]):
        a = {k: docs[0][key].get(k) for k in keys}
        b = {k: docs[1][key].get(k) for k in keys}
        assert a == b, f"namespace {key}: procfs {a}, bpf {b}"
    print(f"host: {len(both)} processes and {len(set(docs[0]) & set(docs[1]))} namespaces "
          "seen alike by both sources")


def test():
    if os.geteuid() != 0:
        raise h.Skip("not root: the iterator needs CAP_BPF and CAP_PERFMON")
    h.need_program("nsenter")
    probe = h.run(["--source", "bpf", "-N"], text=True)
    if probe.returncode != 0:
        raise h.Skip(probe.stderr.strip())
    forest()
    deep()
    host_subtree()
    host_whole()


if __name__ == "__main__":
    h.main(test)
