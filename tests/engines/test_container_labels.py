#!/usr/bin/env python3
"""Container labels read from real cgroups, with no engine asked.

Builds, under a test-owned parent in the cgroup v2 hierarchy, cgroups named as Docker's systemd
driver and the kubelet's systemd driver (with containerd) name theirs, plus a login session scope,
starts a real PID namespace init in each, and checks what pidns-tree says about them:

  labels      the JSON "container" object (or null) of each namespace and the text label in
              square brackets on the namespace's line
  no-connect  pidns-tree under strace makes no connect(): it never talks to an engine's socket

Runs as root where a cgroup2 hierarchy is writable; exits 77 (skip), saying why, elsewhere.
"""

import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import uuid

import harness as h
from harness import cgroups


def find_by_init(namespaces, pid):
    for ns in namespaces:
        if ns.get("init") == pid:
            return ns
        found = find_by_init(ns.get("children", []), pid)
        if found:
            return found
    return None


def check_labels(fixture, expected):
    doc = h.run_json()
    text = h.run_tool(["--ascii", "--color", "never"])
    errors = []
    for name, (want, want_text) in expected.items():
        pid = fixture.inits[name]
        ns = find_by_init(doc["pidns"], pid)
        if ns is None:
            errors.append(f"{name}: no namespace with init {pid} in the JSON")
            continue
        if "container" not in ns:
            errors.append(f"{name}: namespace {ns['label']} has no \"container\" key")
        else:
            got = ns["container"]
            if want is None:
                if got is not None:
                    errors.append(f"{name}: container should be null, is {got!r}")
            elif not isinstance(got, dict):
                errors.append(f"{name}: container should be {want!r}, is {got!r}")
            else:
                # An empty pod_uid may be written as "" or null. Names come from engines' files,
                # and these cgroups have none: every name key is there, and empty.
                got_norm = dict(got)
                if got_norm.get("pod_uid") is None:
                    got_norm["pod_uid"] = ""
                want = dict(want, containerd_namespace="", name="", pod_name="",
                            pod_namespace="", compose_project="", compose_service="")
                if got_norm != want:
                    errors.append(f"{name}: container should be {want!r}, is {got!r}")

        # The namespace's own line: its label first, the counts, then "[<label text>]".
        lines = [l for l in text.splitlines() if re.search(re.escape(ns["label"]) + r"\s", l + " ")]
        if len(lines) != 1:
            errors.append(f"{name}: {len(lines)} text lines name {ns['label']}")
            continue
        line = lines[0]
        after_counts = line[line.find(" thread") + 1:] if " thread" in line else ""
        if want_text is None:
            if "[" in after_counts:
                errors.append(f"{name}: no label expected on {line!r}")
        elif f"[{want_text}]" not in after_counts:
            errors.append(f"{name}: [{want_text}] missing after the counts on {line!r}")
    return errors


def check_no_connect():
    h.need_program("strace", "strace")
    probe = subprocess.run(["strace", "-qq", "-e", "trace=none", "true"], capture_output=True,
                           check=False)
    if probe.returncode != 0:
        raise h.Skip(f"strace cannot trace here: {probe.stderr.decode(errors='replace').strip()}")
    errors = []
    # No connect() at all, in any mode: owner names come from /etc/passwd, not from NSS daemons.
    for args in (["--ascii", "--color", "never"], ["--json"], ["--owner", "--all"]):
        with tempfile.NamedTemporaryFile("r", prefix="pidns-strace-", suffix=".txt") as log:
            res = h.run(args, prefix=["strace", "-f", "-qq", "-e", "trace=connect,socket", "-o",
                                      log.name],
                        ptrace=True, stdout=subprocess.DEVNULL, text=True)
            if res.returncode != 0:
                errors.append(f"{' '.join(args)} under strace exited {res.returncode}: "
                              f"{res.stderr.strip()}")
            trace = log.read()
        calls = [l for l in trace.splitlines() if "connect(" in l]
        bad = calls
        for line in bad:
            errors.append(f"{' '.join(args)}: {line.strip()}")
        print(f"{' '.join(args)}: {len(calls)} connect() calls, {len(bad)} not allowed")
    return errors


def test(mode):
    h.need_program("unshare")
    mount = cgroups.need_writable_cgroup2()

    docker_id = secrets.token_hex(32)
    k8s_id = secrets.token_hex(32)
    pod_uid = str(uuid.uuid4())
    pod_slice = f"kubepods-besteffort-pod{pod_uid.replace('-', '_')}.slice"
    cases = {
        "docker": (f"system.slice/docker-{docker_id}.scope",
                   {"engine": "docker", "id": docker_id, "pod_uid": ""},
                   f"docker {docker_id[:12]}"),
        "k8s": (f"kubepods.slice/kubepods-besteffort.slice/{pod_slice}/"
                f"cri-containerd-{k8s_id}.scope",
                {"engine": "containerd", "id": k8s_id, "pod_uid": pod_uid},
                f"k8s pod {pod_uid} containerd {k8s_id[:12]}"),
        "session": ("user.slice/user-4242.slice/session-7.scope", None, None),
    }

    fixture = cgroups.Fixture(mount)
    errors = []
    try:
        try:
            for name, (relative, _, _) in cases.items():
                cgroup = fixture.make_cgroup(relative)
                fixture.start_init(name, cgroup)
        except PermissionError as e:
            raise h.Skip(f"cannot create or join a cgroup under {mount}: {e}") from e
        except OSError as e:
            raise h.Skip(f"cannot use the cgroup2 hierarchy at {mount}: {e}") from e
        for name, (relative, _, _) in cases.items():
            with open(f"/proc/{fixture.inits[name]}/cgroup", encoding="utf-8") as f:
                if not any(l.startswith("0::") and l.rstrip("\n").endswith("/" + relative)
                           for l in f):
                    raise AssertionError(f"{name}: the init did not land in its cgroup")
        if mode == "labels":
            errors = check_labels(fixture, {name: (c[1], c[2]) for name, c in cases.items()})
        else:
            errors = check_no_connect()
    finally:
        if not fixture.close():
            errors.append("cgroups left behind")
    if errors:
        raise AssertionError("\n".join(f"FAIL: {e}" for e in errors))
    print(f"PASS: {mode}")


def main():
    modes = ("labels", "no-connect")
    if len(sys.argv) != 2 or sys.argv[1] not in modes:
        print(f"usage: {sys.argv[0]} {'|'.join(modes)}")
        return 2
    # meson sends SIGTERM on timeout: unwind through the finally blocks.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    h.main(lambda: test(sys.argv[1]))  # exits: 0, 1, or 77 (skip)
    return 1


if __name__ == "__main__":
    sys.exit(main())
