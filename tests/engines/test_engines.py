#!/usr/bin/env python3
"""Engine test: container names on real Docker and Podman containers, and on a Kubernetes node
laid out as the kubelet and containerd lay out theirs. Python 3 standard library only.

  docker      a private dockerd (its own --data-root, --exec-root, socket and pidfile, no
              network), an image imported from a busybox-static root filesystem, containers with
              a name, with compose labels (one of them hostile), and one sharing another's PID
              namespace (--pid=container:X); pidns-tree with the default host root, with
              --host-root laid out as a host's / mounted in a container, and with an empty one
  podman      the same with podman (runc, cgroupfs manager), its store private below a temp
              --host-root whose etc/containers/storage.conf points at it
  kubernetes  PID namespace inits moved into kubepods cgroups on the machine's cgroup2
              hierarchy, and the kubelet's /var/log/pods and /var/log/containers below a temp
              --host-root

Each checks the container labels and names in text, JSON (validated against the schema), DOT
and OpenMetrics (read by python3-prometheus-client's parser). Exits 77 (skip), saying why, where an engine or root is missing. Everything started is stopped
in a finally: containers, daemons, mounts, cgroups.
"""

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid

import harness as h
from harness import cgroups, metrics, schema
from harness.engines import (ENGINE_TIMEOUT, Dockerd, busybox_tarball, cgroup_dirs, container_json,
                             kill_all, kill_mentioning, namespace_of, need, ns_line,
                             remove_engine_cgroups, run, unmount_below)

ULIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"]  # no CAP_SYS_RESOURCE


def dot_label(dot, ns):
    m = re.search(rf'ns_{ns["dev"]}_{ns["ino"]} \[shape=box, [^\]]*label="([^"]*(?:\\.[^"]*)*)"\]',
                  dot)
    if not m:
        raise AssertionError(f"{ns['label']}: no DOT node")
    return m[1]


class Expect:
    """What pidns-tree must say about the namespace of one container."""

    def __init__(self, pid, container, text_label):
        self.pid = pid  # a host PID inside the container
        self.container = container  # the JSON "container" object, whole
        self.text_label = text_label  # what the text shows in [...], escaped


def check(args, expected, also_in_namespace=()):
    """Runs pidns-tree in JSON, text and DOT; returns the errors."""
    doc = h.run_json(args)
    schema.validate(schema.validator(), doc, f"--json {' '.join(args)}")
    text = h.run_tool(["--color=never", "--ascii", *args])
    dot = h.run_tool(["--format=dot", *args])
    errors = []
    for e in expected:
        ns = namespace_of(doc, e.pid)
        if ns["container"] != e.container:
            errors.append(f"PID {e.pid}: JSON container {ns['container']!r}, want {e.container!r}")
        line = ns_line(text, ns["label"])
        if not line.endswith(f"[{e.text_label}]"):
            errors.append(f"PID {e.pid}: text line {line!r} does not end in [{e.text_label}]")
        # DOT escapes '"' and '\\' once more, inside its quoted label.
        want_dot = e.text_label.replace("\\", "\\\\").replace('"', '\\"')
        if not dot_label(dot, ns).endswith("\\n" + want_dot):
            errors.append(f"PID {e.pid}: DOT label {dot_label(dot, ns)!r} lacks {want_dot!r}")
        if "\x1b" in text or "\x1b" in dot:
            errors.append("a raw ESC reached the text or DOT output")
    for pid, other in also_in_namespace:
        if namespace_of(doc, pid)["label"] != namespace_of(doc, other)["label"]:
            errors.append(f"PIDs {pid} and {other} should share a PID namespace")
    return errors


def check_metrics(args, expected):
    """--format openmetrics: the namespace of each container has its engine, id and names as
    labels of pidns_namespace_info, as the OpenMetrics parser of python3-prometheus-client reads
    them (tests/metrics runs promtool on the document as well)."""
    families = metrics.parse(h.run_tool(["--format", "openmetrics", *args]))
    info = metrics.by_pidns(families, "pidns_namespace_info")
    errors = []
    for e in expected:
        labels = info.get(str(os.stat(f"/proc/{e.pid}/ns/pid").st_ino), {})
        c = e.container
        want = {"container_engine": c["engine"], "container_id": c["id"],
                "container_name": c["name"], "pod": c["pod_name"],
                "pod_namespace": c["pod_namespace"], "compose_project": c["compose_project"],
                "compose_service": c["compose_service"]}
        got = {k: labels.get(k) for k in want}
        if got != want:
            errors.append(f"PID {e.pid}: OpenMetrics labels {got!r}, want {want!r}")
    return errors


# ---------------------------------------------------------------------------------------------
# Docker


def test_docker():
    need("dockerd", "docker", "runc", "busybox", "tar")
    h.meson_path("PIDNS_TREE")
    tmp = tempfile.mkdtemp(prefix="pidns-engines-docker-")
    # A host root as a container sees the host's / at /host: the data root lies inside it, and a
    # link makes dockerd's absolute --data-root resolve there as it would on the host.
    host = os.path.join(tmp, "host")
    data_root = os.path.join(host, "var", "lib", "docker")
    os.makedirs(data_root)
    os.makedirs(os.path.dirname(host + host))
    os.symlink("/", host + host)
    cgroups_before = cgroup_dirs("docker")
    daemon = Dockerd(tmp, data_root)
    errors = []
    try:
        daemon.start()
        daemon.docker("import", busybox_tarball(tmp), "pidns-busybox:1")
        suffix = secrets.token_hex(3)
        web, plain, side, hostile = (f"shop-web-{suffix}", f"plain-{suffix}", f"side-{suffix}",
                                     f"hostile-{suffix}")
        run_args = ["run", "-d", "--network=none", "--log-driver=none"]
        daemon.docker(*run_args, "--name", web, "--label", "com.docker.compose.project=shop",
                      "--label", "com.docker.compose.service=web", "pidns-busybox:1",
                      "sleep", "600")
        daemon.docker(*run_args, "--name", plain, "pidns-busybox:1", "sleep", "600")
        daemon.docker(*run_args, "--name", side, f"--pid=container:{web}", "pidns-busybox:1",
                      "sleep", "600")
        daemon.docker(*run_args, "--name", hostile, "--label",
                      "com.docker.compose.project=ev\x1b[31mil", "--label",
                      "com.docker.compose.service=x", "pidns-busybox:1", "sleep", "600")
        info = {}
        for name in [web, plain, side, hostile]:
            cid, pid = daemon.docker("inspect", "-f", "{{.Id}} {{.State.Pid}}", name).split()
            info[name] = (cid, int(pid))

        def expected(named):
            def one(name, project="", service="", shown=""):
                cid, pid = info[name]
                if not named:
                    return Expect(pid, container_json("docker", cid), f"docker {cid[:12]}")
                return Expect(pid, container_json("docker", cid, name, project, service),
                              f"docker {name}{shown} {cid[:12]}")
            return [one(web, "shop", "web", " (compose shop/web)"), one(plain),
                    one(hostile, "ev\x1b[31mil", "x", " (compose ev\\x1B[31mil/x)")]

        shared = [(info[side][1], info[web][1])]
        # The default host root: dockerd's --data-root from its command line in procfs.
        errors += check([], expected(True), shared)
        errors += check_metrics([], expected(True))
        # A container's view: the host's / at some directory, and its procfs.
        errors += check(["--proc", "/proc", "--host-root", host], expected(True), shared)
        # A host root that holds no state: labels without names, as before names existed.
        empty = os.path.join(tmp, "empty")
        os.mkdir(empty)
        errors += check(["--host-root", empty], expected(False), shared)
    finally:
        daemon.stop()
        survivors = kill_mentioning(tmp)
        if survivors:
            errors.append(f"processes outlived dockerd: {survivors}")
        leftover = unmount_below(tmp)
        if leftover:
            errors.append(f"mounts left behind by dockerd: {leftover}")
        left = remove_engine_cgroups(cgroup_dirs("docker") - cgroups_before)
        if left:
            errors.append(f"cgroups left behind: {left}")
        shutil.rmtree(tmp, ignore_errors=True)
    if errors:
        raise AssertionError("\n".join(errors))


# ---------------------------------------------------------------------------------------------
# Podman


def check_without_ptrace(podman, web, side):
    """A monitoring container without CAP_SYS_PTRACE, over the host's /proc (mounted with the
    host's / at /host, read-only), runs this build of pidns-tree through the host's own loader:
    it may not read the host's ns/pid, yet it must see the host's structure (issue 18): web's
    namespace below the host's, with web in it and side in it or counted as not placed."""
    binary = os.path.realpath(h.meson_path("PIDNS_TREE"))
    loader = os.path.realpath("/lib64/ld-linux-x86-64.so.2")
    libs = ":".join("/host" + d for d in ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu"))
    out = run(podman + ["run", "--rm", "--network=none", *ULIMITS, "--cap-drop", "SYS_PTRACE",
                        "-v", "/:/host:ro", "--env", "NO_COLOR=1", "localhost/pidns-busybox:1",
                        "/host" + loader, "--library-path", libs, "/host" + binary,
                        "--proc", "/host/proc", "--json"])
    doc = json.loads(out)
    errors = []
    ns = namespace_of(doc, web)
    members = {p["pid"] for p in ns.get("processes", [])}
    if not members <= {web, side}:
        errors.append(f"without ptrace: web's namespace holds {sorted(members)}, "
                      f"want {web} and {side}")
    if side not in members and doc["summary"]["inaccessible"] == 0:
        errors.append("without ptrace: side is neither in web's namespace nor counted")
    parents = [n for n, _ in h.walk(doc["pidns"])
               if any(h.json_key(c) == h.json_key(ns) for c in n["children"])]
    if len(parents) != 1 or not any(p["pid"] == 1 for p in parents[0].get("processes", [])):
        errors.append(f"without ptrace: web's namespace is not under the host's "
                      f"({[p['label'] for p in parents]})")
    if ns["level"] != 1 or doc["summary"]["inferred"] == 0:
        errors.append(f"without ptrace: level {ns['level']}, summary {doc['summary']}")
    print(f"without ptrace: web's namespace {ns['label']} under {parents[0]['label'] if parents else '?'}"
          f", {doc['summary']['inferred']} processes inferred")
    return errors


def test_podman():
    need("podman", "runc", "busybox", "tar")
    h.meson_path("PIDNS_TREE")
    tmp = tempfile.mkdtemp(prefix="pidns-engines-podman-")
    host = os.path.join(tmp, "host")
    os.makedirs(os.path.join(host, "etc", "containers"))
    # The store, private to this test, is the host root's system store: graphroot is read inside
    # the host root, as every path pidns-tree takes from a host's files.
    with open(os.path.join(host, "etc", "containers", "storage.conf"), "w",
              encoding="utf-8") as f:
        f.write('[storage]\ndriver = "vfs"\ngraphroot = "/store"\n')
    podman = ["podman", "--root", os.path.join(host, "store"),
              "--runroot", os.path.join(tmp, "run"), "--storage-driver", "vfs",
              "--runtime", "runc", "--cgroup-manager", "cgroupfs",
              "--network-config-dir", os.path.join(tmp, "net"), "--tmpdir",
              os.path.join(tmp, "tmp"), "--events-backend", "none"]
    cgroups_before = cgroup_dirs("libpod_parent")
    started = []
    errors = []
    try:
        run(podman + ["import", busybox_tarball(tmp), "localhost/pidns-busybox:1"])
        suffix = secrets.token_hex(3)
        web, side = f"web-{suffix}", f"side-{suffix}"
        run_args = ["run", "-d", "--network=none", *ULIMITS]
        run(podman + run_args + ["--name", web, "localhost/pidns-busybox:1", "sleep", "600"])
        started.append(web)
        run(podman + run_args + ["--name", side, f"--pid=container:{web}",
                                 "localhost/pidns-busybox:1", "sleep", "600"])
        started.append(side)
        info = {}
        for name in [web, side]:
            cid, pid = run(podman + ["inspect", "-f", "{{.Id}} {{.State.Pid}}", name]).split()
            info[name] = (cid, int(pid))
        cid, pid = info[web]
        shared = [(info[side][1], pid)]
        named = [Expect(pid, container_json("podman", cid, web), f"podman {web} {cid[:12]}")]
        errors += check(["--host-root", host], named, shared)
        errors += check_metrics(["--host-root", host], named)
        # The default host root has no such store: the label alone.
        errors += check([], [Expect(pid, container_json("podman", cid), f"podman {cid[:12]}")],
                        shared)
        errors += check_without_ptrace(podman, pid, info[side][1])
    finally:
        pids = []
        for name in started:
            r = subprocess.run(podman + ["inspect", "-f", "{{.State.Pid}}", name],
                               capture_output=True, text=True, check=False, timeout=60)
            if r.returncode == 0 and r.stdout.strip().isdigit():
                pids.append(int(r.stdout.strip()))
        # One at a time, the last started first: podman refuses to remove a container whose
        # PID namespace another one shares, even when both are named in one command.
        for name in reversed(started):
            subprocess.run(podman + ["rm", "-f", "-t", "0", name], capture_output=True,
                           check=False, timeout=ENGINE_TIMEOUT)
        kill_all(p for p in pids if p > 0)
        survivors = kill_mentioning(tmp)
        if survivors:
            errors.append(f"processes outlived podman rm: {survivors}")
        leftover = unmount_below(tmp)
        if leftover:
            errors.append(f"mounts left behind by podman: {leftover}")
        left = remove_engine_cgroups(cgroup_dirs("libpod_parent") - cgroups_before)
        if left:
            errors.append(f"cgroups left behind: {left}")
        shutil.rmtree(tmp, ignore_errors=True)
    if errors:
        raise AssertionError("\n".join(errors))


# ---------------------------------------------------------------------------------------------
# Kubernetes


def test_kubernetes():
    if os.geteuid() != 0:
        raise h.Skip("needs root to create cgroups and move processes into them")
    need("unshare")
    h.meson_path("PIDNS_TREE")
    mount = cgroups.cgroup2_mount()
    if mount is None or not os.access(mount, os.W_OK):
        raise h.Skip("no writable cgroup2 hierarchy")

    pod_uid = str(uuid.uuid4())
    namespace, pod = "checkout", f"cart-5d8f9c7b6-{secrets.token_hex(3)}"
    app_id, sandbox_id = secrets.token_hex(32), secrets.token_hex(32)
    pod_slice = (f"kubepods.slice/kubepods-burstable.slice/"
                 f"kubepods-burstable-pod{pod_uid.replace('-', '_')}.slice")
    tmp = tempfile.mkdtemp(prefix="pidns-engines-k8s-")
    host = os.path.join(tmp, "host")
    pod_dir = f"/var/log/pods/{namespace}_{pod}_{pod_uid}"
    os.makedirs(host + pod_dir + "/cart")
    with open(host + pod_dir + "/cart/0.log", "w", encoding="utf-8"):
        pass
    os.makedirs(host + "/var/log/containers")
    os.symlink(pod_dir + "/cart/0.log",
               host + f"/var/log/containers/{pod}_{namespace}_cart-{app_id}.log")

    fixture = cgroups.Fixture(mount)
    errors = []
    try:
        try:
            for name, cid in [("app", app_id), ("sandbox", sandbox_id)]:
                fixture.start_init(name, fixture.make_cgroup(f"{pod_slice}/cri-containerd-{cid}.scope"))
        except OSError as e:
            raise h.Skip(f"cannot create or join a cgroup under {mount}: {e}") from e
        pod_text = f"k8s {namespace}/{pod}"
        expected = [
            Expect(fixture.inits["app"],
                   container_json("containerd", app_id, "cart", pod_uid=pod_uid, pod_name=pod,
                                  pod_namespace=namespace),
                   f"{pod_text} cart containerd {app_id[:12]}"),
            # The sandbox (pause) container has no log: its pod is still named.
            Expect(fixture.inits["sandbox"],
                   container_json("containerd", sandbox_id, pod_uid=pod_uid, pod_name=pod,
                                  pod_namespace=namespace),
                   f"{pod_text} containerd {sandbox_id[:12]}")]
        errors += check(["--host-root", host], expected)
        errors += check_metrics(["--host-root", host], expected)
        # Without the kubelet's files: the pod UID, as before names existed.
        errors += check([], [Expect(fixture.inits["app"],
                                    container_json("containerd", app_id, pod_uid=pod_uid),
                                    f"k8s pod {pod_uid} containerd {app_id[:12]}")])
    finally:
        if not fixture.close():
            errors.append("cgroups left behind")
        shutil.rmtree(tmp, ignore_errors=True)
    if errors:
        raise AssertionError("\n".join(errors))


def main():
    tests = {"docker": test_docker, "podman": test_podman, "kubernetes": test_kubernetes}
    if len(sys.argv) != 2 or sys.argv[1] not in tests:
        print(f"usage: {sys.argv[0]} {'|'.join(tests)}")
        return 2
    # meson sends SIGTERM on timeout: unwind through the finally blocks.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    test = tests[sys.argv[1]]

    def with_validator():
        schema.validator()  # without one, skip (or fail in CI) before an engine starts
        test()
    h.main(with_validator)  # exits: 0, 1, or 77 (skip)
    return 1


if __name__ == "__main__":
    sys.exit(main())
