#!/usr/bin/env python3
"""`pidns-tree --format openmetrics` on real nested PID namespaces, judged by three parsers
(harness.metrics): the OpenMetrics parser of python3-prometheus-client, promtool's Prometheus
text 0.0.4 parser and lint, and Prometheus's own OpenMetrics parser.

  fixture   every namespace nsfixture built has its parent, level, init, owner, process, thread
            and kernel thread counts; the totals hold them; --no-pids gives the same samples
  hostile   an init named with quotes, backslashes, newlines and a byte that is not UTF-8, and a
            container (a test-owned cgroup named as Podman's systemd manager names its, with a
            containers.json below a temporary --host-root) whose name holds a fake sample and a
            fake "# EOF": each stays on its own lines, and the parsers read the names back exact
            (bytes that are not UTF-8 as U+FFFD, as in JSON)
"""
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile

import harness as h
from harness import cgroups, metrics

SPEC = "2(3(1),1(2,1))"
HOSTILE_INIT = b'a"b\\c\nx} 1\n\xff'  # 12 bytes of the 15 comm keeps
HOSTILE_CONTAINER = 'web\n} 1\n# EOF\npidns_fake{a="b"} 1\\"\u2028\x1b[2J\tend'
PER_NS = ("pidns_namespace_info", "pidns_namespace_processes", "pidns_namespace_threads",
          "pidns_namespace_kernel_threads")


def own_level():
    """The kernel's level of our own PID namespace: NStgid has one PID per level."""
    return len(h.status_field(os.getpid(), "NStgid")) - 1


def per_namespace(families, keys):
    """The per-namespace samples of the namespaces KEYS, family by family."""
    return {f: {k: v for k, v in metrics.by_pidns(families, f).items() if k in keys}
            for f in PER_NS}


def check_fixture(fx, families):
    info = metrics.by_pidns(families, "pidns_namespace_info")
    counts = {f: metrics.by_pidns(families, f) for f in PER_NS[1:]}
    base = own_level()
    for ns in fx.namespaces:
        key, where = str(ns["ino"]), f"namespace {ns['index']} (pid:[{ns['ino']}])"
        if key not in info:
            raise AssertionError(f"{where}: no pidns_namespace_info sample")
        labels, init = info[key], ns["members"][0]
        want = {"parent": str(ns["parent"]["ino"]), "level": str(base + ns["depth"]),
                "init_pid": str(init["pid"]), "init_name": init["name"],
                "owner_uid": str(os.geteuid()), "container_engine": "", "container_id": ""}
        for label, value in want.items():
            h.eq(where, label, labels[label], value)
        if "inferred" in labels:
            raise AssertionError(f"{where}: marked inferred: {labels}")
        n = len(ns["members"])  # nsfixture's members are single-threaded user processes
        h.eq(where, "processes", counts["pidns_namespace_processes"][key], n)
        h.eq(where, "threads", counts["pidns_namespace_threads"][key], n)
        h.eq(where, "kernel threads", counts["pidns_namespace_kernel_threads"][key], 0)
    top = str(fx.caller["ino"])
    h.eq("the fixture's top", "its parent's sample", top in info, True)
    total = metrics.gauge(families, "pidns_namespaces")
    h.eq("totals", "pidns_namespaces", total, len(info))  # the whole view: every namespace
    levels = {int(labels["level"]): v for labels, v in families["pidns_namespaces_at_level"]}
    h.eq("totals", "namespaces over levels", sum(levels.values()), total)
    h.eq("totals", "pidns_max_level", metrics.gauge(families, "pidns_max_level"), max(levels))
    if max(levels) < base + 2:
        raise AssertionError(f"pidns_max_level {max(levels)}: the fixture goes 2 levels down")
    processes = metrics.gauge(families, "pidns_processes")
    h.eq("totals", "processes over namespaces", sum(counts["pidns_namespace_processes"].values()),
         processes)
    seconds = metrics.gauge(families, "pidns_scan_duration_seconds")
    if not 0 < seconds < h.TOOL_TIMEOUT:
        raise AssertionError(f"pidns_scan_duration_seconds {seconds}")
    version = h.run_tool(["--version"]).split()[1]
    h.eq("build info", "version", families["pidns_build_info"], [({"version": version}, 1.0)])
    print(f"ok: {len(fx.namespaces)} fixture namespaces of {total}, {processes:.0f} processes, "
          f"scan {seconds} s")


def test_fixture():
    with h.Fixture(SPEC) as fx:
        _, families = metrics.run_metrics()
        check_fixture(fx, families)
        # --no-pids lists no process either way: the fixture's samples are the same.
        keys = {str(ns["ino"]) for ns in fx.namespaces}
        _, no_pids = metrics.run_metrics(["--no-pids"])
        h.eq("--no-pids", "the fixture's samples", per_namespace(no_pids, keys),
             per_namespace(families, keys))
        # --ns: the subtree, with the totals of the whole scan.
        top = str(fx.ns(0)["ino"])
        _, subtree = metrics.run_metrics(["--ns", top])
        shown = set(metrics.by_pidns(subtree, "pidns_namespace_info"))
        h.eq("--ns", "namespaces shown", shown, keys)
        print("ok: --no-pids and --ns")


def start_hostile_init(procs):
    """A PID namespace whose init is named HOSTILE_INIT; returns its host PID."""
    userns = [] if os.geteuid() == 0 else ["--user", "--map-root-user"]
    p = h.start(["unshare", *userns, "--pid", "--fork", "--kill-child",
                 *h.namer_argv(HOSTILE_INIT)], stdout=subprocess.PIPE)
    procs.append(p)
    h.wait_named(p)
    (init,) = h.child_pids(p.pid)
    return init


def podman_host_root(tmp, cid):
    """A --host-root whose containers/storage names container CID HOSTILE_CONTAINER."""
    host = os.path.join(tmp, "host")
    os.makedirs(os.path.join(host, "etc", "containers"))
    with open(os.path.join(host, "etc", "containers", "storage.conf"), "w",
              encoding="utf-8") as f:
        f.write('[storage]\ndriver = "vfs"\ngraphroot = "/store"\n')
    store = os.path.join(host, "store", "vfs-containers")
    os.makedirs(store)
    with open(os.path.join(store, "containers.json"), "w", encoding="utf-8") as f:
        json.dump([{"id": cid, "names": [HOSTILE_CONTAINER], "image": "x"}], f)
    return host


def container_fixture(stack, cid):
    """A test-owned cgroup named as Podman's systemd manager names a container's, with a PID
    namespace init in it; None where cgroups cannot be made here (then not checked)."""
    mount = cgroups.cgroup2_mount()
    if os.geteuid() != 0 or mount is None or not os.access(mount, os.W_OK):
        print("no writable cgroup2 hierarchy as root: the hostile container name is not checked")
        return None
    fixture = cgroups.Fixture(mount)
    stack.append(fixture)
    fixture.start_init("podman", fixture.make_cgroup(f"machine.slice/libpod-{cid}.scope"))
    return fixture


def check_lines(text, keys):
    """Each namespace of KEYS has exactly one line in each per-namespace family."""
    for key in keys:
        lines = [ln for ln in text.split("\n") if f'{{pidns="{key}"' in ln]
        h.eq(f"pidns {key}", "lines", len(lines), len(PER_NS))
    lines = text.split("\n")
    if any(ln.startswith("pidns_fake") for ln in lines) or lines.count("# EOF") != 1:
        raise AssertionError("a name broke out of its label value")


def test_hostile():
    procs, fixtures = [], []
    tmp = tempfile.mkdtemp(prefix="pidns-metrics-")
    cid = secrets.token_hex(32)
    try:
        init = start_hostile_init(procs)
        hostile_ns = str(os.stat(f"/proc/{init}/ns/pid").st_ino)
        container = container_fixture(fixtures, cid)
        text, families = metrics.run_metrics(["--host-root", podman_host_root(tmp, cid)])
        info = metrics.by_pidns(families, "pidns_namespace_info")
        want = HOSTILE_INIT.decode("utf-8", errors="replace")
        h.eq("hostile init", "init_name", info[hostile_ns]["init_name"], want)
        keys = [hostile_ns]
        if container is not None:
            pid = container.inits["podman"]
            key = str(os.stat(f"/proc/{pid}/ns/pid").st_ino)
            labels = info[key]
            h.eq("hostile container", "labels",
                 (labels["container_engine"], labels["container_id"], labels["container_name"]),
                 ("podman", cid, HOSTILE_CONTAINER))
            keys.append(key)
        check_lines(text, keys)
        print(f"ok: hostile names in {keys}")
    finally:
        h.kill_sessions(procs)
        for fixture in fixtures:
            if not fixture.close():
                raise AssertionError("cgroups left behind")
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    tests = {"fixture": test_fixture, "hostile": test_hostile}
    if len(sys.argv) != 2 or sys.argv[1] not in tests:
        print(f"usage: {sys.argv[0]} {'|'.join(tests)}")
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # meson's timeout: run the finally
    h.main(tests[sys.argv[1]])
    return 1


if __name__ == "__main__":
    sys.exit(main())
