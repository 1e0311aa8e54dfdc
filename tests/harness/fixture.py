"""nsfixture (tests/helpers): real nested PID namespaces, built as the spec says, reported as JSON,
and torn down with an assertion that no process of them survived.

meson passes the binary as NSFIXTURE.
"""

import json
import os
import random
import selectors
import signal
import string
import subprocess
import tempfile
import time

from .core import SKIP, Skip, meson_path, need_program
from .procs import fixture_processes

READY_TIMEOUT = 60  # seconds for nsfixture to build its tree


def _wrapper():
    """The command prefix that lets nsfixture create PID namespaces, or raises Skip."""
    if os.geteuid() == 0:
        return []
    unshare = need_program("unshare")
    probe = subprocess.run([unshare, "--user", "--map-root-user", "--", "true"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        raise Skip("not root, and user namespaces are not available: " + probe.stderr.strip())
    return [unshare, "--user", "--map-root-user", "--"]


class Fixture:
    """A running nsfixture. Use as a context manager: the tree is always torn down on exit, and
    the exit asserts that no process of it survived.

    Attributes after __enter__: data (the fixture's JSON), namespaces (its list), caller (dict),
    prefix, wrapped (True when run in a user namespace as non-root).
    """

    def __init__(self, spec, mount_proc=False, prefix="nsfx", wrapper=None):
        self.spec = spec
        self.mount_proc = mount_proc
        # A command prefix for nsfixture, e.g. ["setpriv", ..., "unshare", "--user", ...]; by
        # default none as root, a user namespace otherwise (see _wrapper()).
        self.wrapper = None if wrapper is None else list(wrapper)
        # Three random letters keep two runs of the same test (two build directories, CI beside a
        # developer) from taking each other's processes for leftovers. Names stay within comm's
        # 15 bytes: "nsfxa" + "abc" + "31-0".
        self.prefix = prefix + "".join(random.choice(string.ascii_lowercase) for _ in range(3))
        self.proc = None
        self.data = None
        self._tmp = None

    def __enter__(self):
        wrapper = _wrapper() if self.wrapper is None else self.wrapper
        self.wrapped = bool(wrapper)
        survivors = fixture_processes(self.prefix)
        if survivors:
            raise AssertionError(f"processes named {self.prefix}* exist before the test: "
                                 f"{survivors}")
        self._tmp = tempfile.TemporaryDirectory(prefix="nsfixture-")
        if self.wrapper is not None:
            os.chmod(self._tmp.name, 0o777)  # the wrapper may drop to another user
        outfile = os.path.join(self._tmp.name, "fixture.json")
        cmd = wrapper + [meson_path("NSFIXTURE"), "--name-prefix", self.prefix]
        if self.mount_proc:
            cmd.append("--mount-proc")
        cmd += [self.spec, outfile]
        # stdin: a pipe whose EOF ends the fixture. stdout/stderr: our own pipes, never meson's,
        # or meson would wait for the fixture's processes. A session of its own, so that one
        # killpg() reaches everything.
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True)
        try:
            self._wait_ready()
            with open(outfile, encoding="utf-8") as f:
                self.data = json.load(f)
        except BaseException:
            self._teardown()
            raise
        return self

    def _wait_ready(self):
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + READY_TIMEOUT
        out = b""
        while b"\n" not in out:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"nsfixture {self.spec}: not ready after {READY_TIMEOUT} s")
            if not sel.select(left):
                continue
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                break
            out += chunk
        sel.close()
        if out.split(b"\n")[0] == b"ready":
            return
        rc = self.proc.wait(timeout=30)
        err = self.proc.stderr.read().decode(errors="replace").strip()
        if rc == SKIP:
            raise Skip(f"nsfixture: {err}")
        raise AssertionError(f"nsfixture {self.spec} failed (exit {rc}): {err}")

    def _teardown(self):
        p = self.proc
        if p is None:
            return
        self.proc = None
        try:
            p.stdin.close()  # EOF: the fixture kills and reaps its tree itself
        except OSError:
            pass
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(p.pid, signal.SIGKILL)  # in any case: the whole group
        except ProcessLookupError:
            pass
        p.wait()
        p.stdout.close()
        p.stderr.close()
        if self._tmp is not None:
            self._tmp.cleanup()
        # PR_SET_PDEATHSIG and namespace teardown are asynchronous after a SIGKILL: poll a bit.
        deadline = time.monotonic() + 10
        while True:
            survivors = fixture_processes(self.prefix)
            if not survivors or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if survivors:
            raise AssertionError(f"fixture processes survived teardown: {survivors}")

    def __exit__(self, exc_type, exc, tb):
        try:
            self._teardown()
        except AssertionError:
            if exc_type is None:
                raise  # report leaks only when the test itself did not fail already
        return False

    @property
    def namespaces(self):
        return self.data["namespaces"]

    @property
    def caller(self):
        return self.data["caller"]

    def ns(self, index):
        return self.data["namespaces"][index]

    def init_pid(self, index):
        return self.ns(index)["members"][0]["pid"]
