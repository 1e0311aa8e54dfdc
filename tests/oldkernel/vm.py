"""One boot of a kernel under qemu (TCG) with a small initramfs, and what it sent back.

The initramfs holds busybox-static, the binaries given with the shared libraries `ldd` names
and the dynamic loader, /etc/passwd and /etc/group (root and nobody), and the guest script as
/init. The guest writes its records to the second serial port (ttyS1), which qemu writes to a
file; the first (ttyS0) is the console, kept for the log. A record is

    @@BEGIN NAME
    base64 lines
    @@END NAME

and the guest's last line is `@@DONE`. The guest sends one record, records.tar, which holds a
file per result: one base64 for all is seconds quicker under emulation than one per file. qemu is killed on every path: at the guest's power-off,
at the timeout, on SIGTERM (meson's timeout) and, through PR_SET_PDEATHSIG, when this process
dies any other way.
"""

import base64
import ctypes
import io
import os
import re
import shutil
import signal
import stat
import subprocess
import tarfile
import tempfile
import time

BUSYBOX = "/bin/busybox"


class Unavailable(Exception):
    """qemu or busybox-static cannot be had here (skip, saying why)."""


def _cpio_header(name, mode, size, ino, rdev=(0, 0), nlink=1):
    fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, rdev[0], rdev[1], len(name) + 1, 0]
    return b"070701" + b"".join(b"%08X" % f for f in fields) + name.encode() + b"\0"


class Cpio:
    """An uncompressed newc archive, the initramfs format the kernel always unpacks."""

    def __init__(self):
        self.data = bytearray()
        self.ino = 1
        self.dirs = set()

    def _entry(self, name, mode, body=b"", rdev=(0, 0)):
        self.ino += 1
        self.data += _cpio_header(name, mode, len(body), self.ino, rdev)
        self._pad()
        self.data += body
        self._pad()

    def _pad(self):
        self.data += b"\0" * (-len(self.data) % 4)

    def directory(self, path):
        path = path.strip("/")
        if not path or path in self.dirs:
            return
        self.directory(os.path.dirname(path))
        self.dirs.add(path)
        self._entry(path, stat.S_IFDIR | 0o755)

    def file(self, path, body, mode=0o755):
        path = path.strip("/")
        self.directory(os.path.dirname(path))
        self._entry(path, stat.S_IFREG | mode, body)

    def device(self, path, major, minor):
        path = path.strip("/")
        self.directory(os.path.dirname(path))
        self._entry(path, stat.S_IFCHR | 0o600, rdev=(major, minor))

    def finish(self):
        self._entry("TRAILER!!!", 0)
        return bytes(self.data)


def shared_libraries(binary):
    """The paths of BINARY's shared libraries and its dynamic loader, as ldd names them."""
    out = subprocess.run(["ldd", binary], capture_output=True, text=True, check=True).stdout
    paths = []
    for line in out.splitlines():
        m = re.search(r"(?:=>\s*)?(/\S+)\s+\(0x", line)
        if m:
            paths.append(m.group(1))
    return paths


def without_debug_info(binary):
    """BINARY's bytes without its debug sections: a quarter of the size for a debug build, and
    the kernel unpacks every byte under emulation. As is where objcopy is missing."""
    objcopy = shutil.which("objcopy")
    if objcopy is None:
        with open(binary, "rb") as f:
            return f.read()
    with tempfile.NamedTemporaryFile() as out:
        subprocess.run([objcopy, "--strip-debug", binary, out.name], check=True)
        return out.read()


def build_initramfs(binaries, guest_script, path):
    """Writes the initramfs to PATH. BINARIES maps a path in the VM to one on this host."""
    cpio = Cpio()
    for d in ("dev", "proc", "sys", "tmp", "mnt", "etc", "root"):
        cpio.directory(d)
    cpio.device("dev/console", 5, 1)  # init's stdio, before devtmpfs is mounted
    with open(BUSYBOX, "rb") as f:
        cpio.file("bin/busybox", f.read())
    libraries = set()
    for inside, outside in binaries.items():
        cpio.file(inside, without_debug_info(outside))
        libraries.update(shared_libraries(outside))
    for lib in sorted(libraries):
        with open(lib, "rb") as f:  # through symbolic links: the file ldd resolved
            cpio.file(lib, f.read())
    cpio.file("etc/passwd", b"root:x:0:0:root:/root:/bin/sh\n"
              b"nobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n", 0o644)
    cpio.file("etc/group", b"root:x:0:\nnogroup:x:65534:\n", 0o644)
    with open(guest_script, "rb") as f:
        cpio.file("init", f.read())
    with open(path, "wb") as f:
        f.write(cpio.finish())


def require_tools():
    qemu = shutil.which("qemu-system-x86_64")
    if qemu is None:
        raise Unavailable("qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)")
    if not os.path.exists(BUSYBOX):
        raise Unavailable(f"{BUSYBOX} is missing (apt-get install busybox-static)")
    ldd = subprocess.run(["ldd", BUSYBOX], capture_output=True, text=True, check=False)
    if ldd.returncode == 0:  # "not a dynamic executable" otherwise
        raise Unavailable(f"{BUSYBOX} is not static (apt-get install busybox-static)")
    return qemu


def _die_with_parent():
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


class _Terminated(Exception):
    pass


def _on_sigterm(signum, frame):
    raise _Terminated()


def boot(qemu, kernel, initramfs, workdir, timeout, append=""):
    """Boots KERNEL with INITRAMFS until the guest powers off; returns (records, console, secs).

    RECORDS maps a record's name to its bytes. Raises RuntimeError when the guest does not finish
    within TIMEOUT seconds or finishes without its last line."""
    console = os.path.join(workdir, "console.log")
    data = os.path.join(workdir, "serial1.out")
    for p in (console, data):
        if os.path.exists(p):
            os.unlink(p)
    cmd = [qemu, "-accel", "tcg", "-m", "512", "-smp", "2", "-nographic", "-no-reboot",
           "-monitor", "none", "-kernel", kernel, "-initrd", initramfs,
           "-serial", f"file:{console}", "-serial", f"file:{data}",
           "-append", f"console=ttyS0 panic=-1 quiet loglevel=3 {append}".strip()]
    started = time.monotonic()
    old = signal.signal(signal.SIGTERM, _on_sigterm)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, preexec_fn=_die_with_parent)
    try:
        try:
            _, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise RuntimeError(f"the VM did not power off within {timeout} s") from None
        if proc.returncode != 0:
            raise RuntimeError(f"qemu exited with {proc.returncode}: {err.decode().strip()}")
    except _Terminated:
        raise RuntimeError("terminated (SIGTERM) while the VM ran") from None
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        signal.signal(signal.SIGTERM, old)
    elapsed = time.monotonic() - started
    with open(console, "rb") as f:
        console_text = f.read().decode(errors="replace")
    with open(data, "rb") as f:
        records, done = parse_records(f.read())
    if not done or "records.tar" not in records:
        raise RuntimeError("the guest stopped before its last record; console:\n" + console_text)
    return untar(records["records.tar"]), console_text, elapsed


def untar(data):
    """File name -> bytes, of the guest's tar of its results."""
    out = {}
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        for member in tar.getmembers():
            if member.isfile():
                out[os.path.basename(member.name)] = tar.extractfile(member).read()
    return out


def parse_records(raw):
    """The records of the guest's serial output, and whether its last line came."""
    records = {}
    name = None
    chunks = []
    done = False
    for line in raw.replace(b"\r", b"").split(b"\n"):
        text = line.decode(errors="replace")
        if text.startswith("@@BEGIN "):
            name, chunks = text[len("@@BEGIN "):], []
        elif text.startswith("@@END ") and name is not None:
            records[name] = base64.b64decode("".join(chunks))
            name = None
        elif text == "@@DONE":
            done = True
        elif name is not None:
            chunks.append(text.strip())
    return records, done
