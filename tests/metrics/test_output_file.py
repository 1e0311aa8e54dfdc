#!/usr/bin/env python3
"""--output FILE: the file is replaced whole or not at all.

  reader    while pidns-tree rewrites FILE again and again (JSON documents of a few hundred
            processes, written in several 64 KiB pieces, and OpenMetrics), a reader that polls
            FILE in a loop only ever reads a whole document, and FILE is never missing
  failures  a directory that does not exist, one that user 65534 may not write to, a scan that
            fails (--ns of no namespace, --proc of no procfs), FILE a directory, a FIFO or a
            symbolic link: exit 1, one stderr line naming FILE, FILE as it was, and no
            temporary left beside it
"""
import json
import os
import tempfile
import threading

import harness as h

SPEC = "120(120,120,120,120)"


def whole(data):
    """DATA is one whole document: a JSON document or an OpenMetrics one."""
    if data.startswith(b"{"):
        json.loads(data)
        return True
    return data.startswith(b"# HELP ") and data.endswith(b"\n# EOF\n")


class Reader(threading.Thread):
    """Reads PATH in a loop until stopped; counts whole reads and keeps what was not whole."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path, self.stop, self.reads, self.bad = path, threading.Event(), 0, []

    def run(self):
        while not self.stop.is_set():
            try:
                with open(self.path, "rb") as f:
                    data = f.read()
            except FileNotFoundError:
                self.bad.append(b"(missing)")
                continue
            try:
                ok = whole(data)
            except ValueError:
                ok = False
            if not ok:
                self.bad.append(data)
            self.reads += 1


def test_reader(tmp):
    path = os.path.join(tmp, "out")
    with h.Fixture(SPEC):
        r = h.run(["--json", "--output", path])
        h.eq("first run", "exit", r.returncode, 0)
        size = os.path.getsize(path)
        if size < 2 * 64 * 1024:
            raise AssertionError(f"a JSON document of {size} bytes: too small to need pieces")
        reader = Reader(path)
        reader.start()
        try:
            for i in range(30):
                fmt = ["--json"] if i % 2 else ["--format", "openmetrics"]
                r = h.run(fmt + ["--output", path])
                if r.returncode != 0 or r.stdout:
                    raise AssertionError(h.describe(r))
        finally:
            reader.stop.set()
            reader.join()
    if reader.bad:
        raise AssertionError(f"{len(reader.bad)} of {reader.reads + len(reader.bad)} reads saw "
                             f"no whole document, e.g. {reader.bad[0][-200:]!r}")
    if reader.reads < 30:
        raise AssertionError(f"only {reader.reads} reads: the reader did not race the writer")
    umask = os.umask(0)
    os.umask(umask)
    h.eq(path, "mode", oct(os.stat(path).st_mode & 0o777), oct(0o666 & ~umask))
    print(f"ok: {reader.reads} reads of {size}-byte documents, each whole")


def check_failure(args, file, old, prefix=(), tool=None):
    """pidns-tree ARGS --output FILE fails with one line naming FILE; FILE (if OLD is not None)
    still holds OLD, and nothing else is in its directory."""
    r = h.run(list(args) + ["--output", file], prefix=prefix, tool=tool, text=True)
    where = " ".join(args) + f" --output {file}"
    lines = [ln for ln in r.stderr.splitlines() if not h.UNSHOWN_LINE.match(ln)]
    if r.returncode != 1 or r.stdout or len(lines) != 1 or not lines[0].startswith("pidns-tree:"):
        raise AssertionError(f"{where}: exit {r.returncode}, stdout {r.stdout[:100]!r}, "
                             f"stderr {r.stderr!r}")
    directory = os.path.dirname(file)
    if old is not None:
        with open(file, "rb") as f:
            h.eq(where, "the old file", f.read(), old)
    if os.path.isdir(directory):
        left = [e for e in os.listdir(directory) if ".tmp." in e]
        h.eq(where, "temporaries left", left, [])
    print(f"ok: {where}: {lines[0]}")
    return lines[0]


def test_failures(tmp):
    file = os.path.join(tmp, "m.prom")
    old = b"# the previous file\n"
    with open(file, "wb") as f:
        f.write(old)
    missing = os.path.join(tmp, "none", "m.prom")
    if missing not in check_failure(["--format", "openmetrics"], missing, None):
        raise AssertionError("the message does not name FILE")
    for args in (["--format", "openmetrics", "--ns", "1"], ["--json", "--proc", tmp]):
        check_failure(args, file, old)
    # Only a regular file is replaced: not a directory, nor a FIFO, nor a link (to /dev/null,
    # which as root would otherwise become a regular file).
    as_dir, fifo, link = (os.path.join(tmp, n) for n in ("dir", "fifo", "link"))
    os.makedirs(os.path.join(as_dir, "inside"))
    os.mkfifo(fifo)
    os.symlink("/dev/null", link)
    for path in (as_dir, fifo, link):
        if "not a regular file" not in check_failure(["--format", "openmetrics"], path, None):
            raise AssertionError(f"{path}: not refused as not a regular file")
    h.eq("FILE a directory", "its entries", os.listdir(as_dir), ["inside"])
    h.eq("FILE a link", "its target", os.readlink(link), "/dev/null")
    if os.geteuid() != 0:
        print("not root: the directory that user 65534 may not write to is not checked")
        return
    os.chmod(tmp, 0o755)
    with h.UserBinary() as binary:
        line = check_failure(["--format", "openmetrics"], file, old, prefix=h.AS_NOBODY,
                             tool=binary.path)
        if "Permission denied" not in line:
            raise AssertionError(f"want EACCES: {line}")


def test():
    with tempfile.TemporaryDirectory(prefix="pidns-output-") as tmp:
        test_reader(tmp)
        os.remove(os.path.join(tmp, "out"))
        test_failures(tmp)


h.main(test)
