#!/usr/bin/env python3
"""Makes this machine a busy host for as long as it runs: the test suite must pass on one.

    PYTHONPATH=tests tools/busy_host.py    (as root; ends, tearing everything down, at EOF on
                                            stdin, SIGTERM or SIGINT)

It starts what real hosts hold beside the tests' own namespaces: a private dockerd running two
containers (one with compose labels), podman (runc, cgroupfs, a private store) running one, and
another user's processes in a user and PID namespace of their own. It prints one line, "ready",
once all of it runs. .ci/run runs the ASan+UBSan pass of the whole suite beside it.
"""
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile

from harness import engines

ULIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=4096:4096"]  # no CAP_SYS_RESOURCE
NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"]


class BusyHost:
    def __init__(self, tmp):
        self.tmp = tmp
        self.dockerd = engines.Dockerd(tmp, os.path.join(tmp, "docker"))
        self.podman = ["podman", "--root", os.path.join(tmp, "podman-store"), "--runroot",
                       os.path.join(tmp, "podman-run"), "--storage-driver", "vfs", "--runtime",
                       "runc", "--cgroup-manager", "cgroupfs", "--network-config-dir",
                       os.path.join(tmp, "podman-net"), "--tmpdir",
                       os.path.join(tmp, "podman-tmp"), "--events-backend", "none"]
        self.cgroups_before = engines.cgroup_dirs("libpod_parent")
        self.user = None
        self.podman_names = []

    def start(self):
        image = engines.busybox_tarball(self.tmp)
        self.dockerd.start()
        self.dockerd.docker("import", image, "busy-busybox:1")
        suffix = secrets.token_hex(3)
        self.dockerd.docker("run", "-d", "--network=none", "--name", f"busy-web-{suffix}",
                            "busy-busybox:1", "sleep", "86400")
        self.dockerd.docker("run", "-d", "--network=none", "--name", f"busy-db-{suffix}",
                            "--label", "com.docker.compose.project=busy",
                            "--label", "com.docker.compose.service=db",
                            "busy-busybox:1", "sleep", "86400")
        engines.run(self.podman + ["import", image, "localhost/busy-busybox:1"])
        name = f"busy-pod-{suffix}"
        engines.run(self.podman + ["run", "-d", "--network=none", *ULIMITS, "--name", name,
                                   "localhost/busy-busybox:1", "sleep", "86400"])
        self.podman_names.append(name)
        # Another user's namespace: what root may read of it, and another user may not.
        self.user = subprocess.Popen(
            NOBODY + ["unshare", "--user", "--map-root-user", "--pid", "--fork", "--kill-child",
                      "sh", "-c", "sleep 86400 & exec sleep 86400"],
            stdin=subprocess.DEVNULL, start_new_session=True)

    def stop(self):
        if self.user is not None:
            os.killpg(self.user.pid, signal.SIGKILL)
            self.user.wait()
        for name in self.podman_names:
            subprocess.run(self.podman + ["rm", "-f", "-t", "0", name], capture_output=True,
                           check=False, timeout=engines.ENGINE_TIMEOUT)
        self.dockerd.stop()
        engines.kill_mentioning(self.tmp)
        engines.unmount_below(self.tmp)
        engines.remove_engine_cgroups(engines.cgroup_dirs("libpod_parent") - self.cgroups_before)


def main():
    if os.geteuid() != 0:
        sys.exit("busy_host: needs root")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    tmp = tempfile.mkdtemp(prefix="pidns-busy-host-")
    host = BusyHost(tmp)
    try:
        host.start()
        print("ready", flush=True)
        sys.stdin.read()  # until EOF: the caller is done
    finally:
        host.stop()
        shutil.rmtree(tmp, ignore_errors=True)


main()
