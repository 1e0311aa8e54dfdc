"""What users control, for the tests of container names against them (tests/robust/names-*): a
host root directory of the test's own (--host-root) with an /etc/passwd and users' homes, files
given to those users; cgroups delegated to a user as systemd delegates user@UID.service, and the
directories that user then makes in them themselves; processes that call themselves dockerd."""

import json
import os
import shutil
import subprocess
import sys
import tempfile

from .core import wait_for
from .procs import MAX_LIFETIME, NOBODY, comm_of

# A second user, whose files the first (NOBODY) must not get named: no process of theirs runs.
VICTIM = 40002
HOMES = {NOBODY: "/home/evil", VICTIM: "/home/victim"}


def as_user(uid):
    """The setpriv prefix that runs a command as UID (gid the same, no groups)."""
    return ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--"]


class HostRoot:
    """A temporary directory laid out as a host's root: /etc/passwd names NOBODY and VICTIM with
    homes below it, each owned by its user. A context manager; the directory goes at the end."""

    def __enter__(self):
        self._tmp = tempfile.TemporaryDirectory(prefix="pidns-names-")
        self.path = self._tmp.name
        os.chmod(self.path, 0o755)
        self.write("/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"
                   f"evil:x:{NOBODY}:{NOBODY}::{HOMES[NOBODY]}:/bin/sh\n"
                   f"victim:x:{VICTIM}:{VICTIM}::{HOMES[VICTIM]}:/bin/sh\n")
        for uid, home in HOMES.items():
            self.mkdir(home, uid)
        return self

    def __exit__(self, *exc):
        self._tmp.cleanup()
        return False

    def at(self, relative):
        return os.path.join(self.path, relative.lstrip("/"))

    def _owner_chain(self, relative, uid):
        """Gives RELATIVE and its directories up to the owner's home (or up to the root, for a
        path outside that home) to UID. Root's files are root's already."""
        if uid == 0:
            return
        home = HOMES.get(uid, "/")
        path = relative
        while path not in ("/", home, os.path.dirname(home)) and path.startswith("/"):
            os.lchown(self.at(path), uid, uid)
            path = os.path.dirname(path)
        if path == home:
            os.lchown(self.at(path), uid, uid)

    def mkdir(self, relative, owner=0):
        os.makedirs(self.at(relative), exist_ok=True)
        self._owner_chain(relative, owner)

    def write(self, relative, data, owner=0):
        """Writes DATA (str or bytes) to RELATIVE, its file and new directories owned by OWNER."""
        self.mkdir(os.path.dirname(relative), owner)
        with open(self.at(relative), "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
        self._owner_chain(relative, owner)

    def symlink(self, target, relative, owner=0):
        self.mkdir(os.path.dirname(relative), owner)
        os.symlink(target, self.at(relative))
        self._owner_chain(relative, owner)


def delegate(fixture, relative, uid):
    """A cgroup below the fixture's root given to UID as systemd gives user@UID.service (the
    directory and the files a delegated subtree's owner writes); returns its path."""
    path = fixture.make_cgroup(relative)
    os.chown(path, uid, uid)
    for name in ("cgroup.procs", "cgroup.threads", "cgroup.subtree_control"):
        if os.path.exists(os.path.join(path, name)):
            os.chown(os.path.join(path, name), uid, uid)
    return path


def user_makes_cgroups(fixture, relative, uid):
    """UID makes the cgroups RELATIVE (below the fixture's root, inside a subtree delegated to
    them) with mkdir, as they may; the fixture removes them at its end. Returns the deepest."""
    made = []
    path = fixture.root
    for part in relative.split("/"):
        path = os.path.join(path, part)
        if not os.path.isdir(path):
            made.append(path)
    subprocess.run(as_user(uid) + ["mkdir", "-p", os.path.join(fixture.root, relative)],
                   check=True, capture_output=True)
    fixture.dirs.extend(made)
    for d in made:
        if os.stat(d).st_uid != uid:
            raise AssertionError(f"{d} is not owned by {uid}")
    return path


def container_of(doc, pid):
    """The "container" object of the namespace whose init is PID in a JSON document; raises if
    no namespace has that init."""
    def walk(nodes):
        for ns in nodes:
            if ns.get("init") == pid:
                return ns
            found = walk(ns.get("children", []))
            if found:
                return found
        return None
    ns = walk(doc["pidns"])
    if ns is None:
        raise AssertionError(f"no namespace with init {pid} in the document")
    return ns.get("container")


def name_of(doc, pid):
    container = container_of(doc, pid)
    return container["name"] if container else None


# A process that calls itself dockerd (PR_SET_NAME) with the given arguments on its command line.
DOCKERD = ("import ctypes, sys, time\n"
           "ctypes.CDLL(None).prctl(15, b'dockerd', 0, 0, 0)\n"
           "print('named', flush=True)\n"
           "time.sleep(float(sys.argv[1]))\n")


def dockerd_argv(args, lifetime=MAX_LIFETIME):
    """argv of a python3 process named dockerd whose command line ends with ARGS."""
    return [sys.executable, "-c", DOCKERD, str(lifetime), *args]


def start_named(argv, prefix=()):
    """Starts PREFIX + ARGV in a session of its own (argv from dockerd_argv); returns the Popen
    and the PID of the process named dockerd (a child, where PREFIX forks)."""
    p = subprocess.Popen(list(prefix) + argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, start_new_session=True, cwd="/")
    if p.stdout.readline().strip() != b"named":
        raise AssertionError(f"{argv}: did not start (exit {p.poll()})")

    def named():
        pids = [p.pid] + _descendants(p.pid)
        found = [pid for pid in pids if comm_of(pid) == b"dockerd"]
        return found[0] if found else None
    return p, wait_for("a process named dockerd", named)


def _descendants(pid):
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as f:
                for child in f.read().split():
                    out += [int(child)] + _descendants(int(child))
    except OSError:
        pass
    return out


def docker_config(container_id, name):
    """A config.v2.json as dockerd writes it (ID, Config, Name first), naming NAME."""
    return json.dumps({"ID": container_id, "Config": {"Labels": {}}, "Name": "/" + name,
                       "Driver": "overlay2"})


def containers_json(entries):
    """A containers/storage containers.json of (id, name) entries."""
    return json.dumps([{"id": i, "names": [n], "image": "0" * 64, "layer": "1" * 64,
                        "metadata": "{}", "created": "2026-01-01T00:00:00Z"} for i, n in entries])
