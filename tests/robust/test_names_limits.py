#!/usr/bin/env python3
"""Container names cannot crash root's run, nor raise its peak memory above twice what the same
host costs without the hostile input, whatever a user (65534) puts in their files and command
lines. Real processes, cgroups and files; each hostile input is what the second attack used:

  crash     a 400 KB ~/.config/containers/storage.conf holding one dotted key of 200,000 parts
            (it overflowed the stack inside tomlplusplus), and a podman-named cgroup in the
            user's own delegated subtree: the text tree, --json and --watch run to a clean end
  cmdline   a process of the user named dockerd whose command line is 16 MiB of NUL bytes
            (PR_SET_MM_MAP over an untouched mapping: it costs the user nothing), and a root
            container docker-<id>.scope, so that names are looked for: peak RSS of --json and of
            --json -N within twice that without the process
  json      the user's containers.json, 4 MiB of nesting, then 4 MiB of small entries, for their
            rootless container: peak RSS within twice that with a small containers.json

Peak RSS is measured by the maxrss helper (MAXRSS; see maxrss.cpp); not checked in a sanitized
or unoptimised build. Needs root, setpriv and a writable cgroup2 hierarchy; exits 77 elsewhere."""

import os
import secrets
import signal
import subprocess
import sys
import tempfile

import harness as h
from harness import cgroups
from harness import names as n
from harness import watch as hw

# The user's process: names itself dockerd and points its command line at SIZE MiB of a mapping
# it never touches (zero pages: nothing of its own). PR_SET_MM_MAP needs no privilege
# (CONFIG_CHECKPOINT_RESTORE); the other fields are the process's own, from /proc/self/stat.
LONG_CMDLINE = r"""
import ctypes, os, sys, time
libc = ctypes.CDLL(None, use_errno=True)
libc.mmap.restype = ctypes.c_void_p
libc.mmap.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                      ctypes.c_long]
libc.sbrk.restype = ctypes.c_void_p
size = int(sys.argv[1]) << 20
addr = libc.mmap(None, size, 1, 0x22, -1, 0)  # PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS
with open("/proc/self/stat", "rb") as f:
    stat = f.read()
fields = stat[stat.rindex(b")") + 2:].split()
field = lambda number: int(fields[number - 3])  # proc(5)'s numbering
names = ("start_code", "end_code", "start_data", "end_data", "start_brk", "brk", "start_stack",
         "arg_start", "arg_end", "env_start", "env_end")
class MmMap(ctypes.Structure):
    _fields_ = [(f, ctypes.c_uint64) for f in names] + [
        ("auxv", ctypes.c_void_p), ("auxv_size", ctypes.c_uint32), ("exe_fd", ctypes.c_uint32)]
m = MmMap(field(26), field(27), field(45), field(46), field(47), libc.sbrk(0), field(28), addr,
          addr + size, field(50), field(51), None, 0, 0xFFFFFFFF)
if libc.prctl(35, 14, ctypes.byref(m), ctypes.sizeof(m), 0) != 0:  # PR_SET_MM, PR_SET_MM_MAP
    print("no", os.strerror(ctypes.get_errno()), flush=True)
    sys.exit(3)
libc.prctl(15, b"dockerd", 0, 0, 0)
print("named", flush=True)
time.sleep(float(sys.argv[2]))
"""
CMDLINE_MIB = 16


def need_cgroups():
    h.need_program("setpriv")
    return cgroups.need_writable_cgroup2()


def peak_kib(args):
    """pidns-tree ARGS under the maxrss helper: its peak RSS in KiB; the run must be clean."""
    with tempfile.TemporaryDirectory(prefix="pidns-robust-") as tmp:
        out = os.path.join(tmp, "maxrss")
        r = h.run(args, prefix=[h.meson_path("MAXRSS"), out])
        h.check_clean_exit(r)
        with open(out, encoding="ascii") as f:
            return int(f.read())


def within_twice(what, args, baseline):
    got = peak_kib(args)
    print(f"{what}: {' '.join(args)}: {got} KiB, {baseline} KiB without it")
    if h.build_is_sanitized() or not h.build_is_optimized():
        return
    if got > 2 * baseline:
        raise AssertionError(f"{what}: peak RSS {got} KiB is more than twice {baseline} KiB")


def users_container(fx, name):
    """A podman container of the user's own: a cgroup they made in their delegated subtree."""
    n.delegate(fx, "user@65534.service", h.NOBODY)
    cid = secrets.token_hex(32)
    fx.start_init(name, n.user_makes_cgroups(
        fx, f"user@65534.service/user.slice/libpod-{cid}.scope", h.NOBODY))
    return cid


def check_crash(fx):
    users_container(fx, "crash")
    with n.HostRoot() as root:
        deep = "[storage]\ndriver = \"overlay\"\n" + "a." * 200000 + "a = 1\n"
        root.write(f"{n.HOMES[h.NOBODY]}/.config/containers/storage.conf", deep, owner=h.NOBODY)
        for args in (["--color=never"], ["--json"], ["--json", "-N"]):
            h.check_clean_exit(h.run([*args, "--host-root", root.path]))
        with hw.Watcher(["--host-root", root.path]) as w:
            w.mode_line()
            w.drain(1)
            if w.proc.poll() is not None:
                raise AssertionError(f"--watch ended with {w.proc.poll()}: {w.stderr_lines()}")
            h.eq("crash", "--watch exit status on SIGTERM", w.stop(signal.SIGTERM), 0)
    print("crash: text, --json, -N and --watch survive the 200,000-part key")


def check_cmdline(fx, procs):
    cid = secrets.token_hex(32)
    fx.start_init("cmdline", fx.make_cgroup(f"docker-{cid}.scope"))
    modes = (["--json"], ["--json", "-N"])
    baselines = [peak_kib(mode) for mode in modes]
    p = h.start(n.as_user(h.NOBODY) + [sys.executable, "-c", LONG_CMDLINE, str(CMDLINE_MIB),
                                       str(h.MAX_LIFETIME)], stdout=subprocess.PIPE)
    procs.append(p)
    line = p.stdout.readline().strip()
    if line != b"named":
        raise h.Skip(f"cannot give a process a long command line here: {line!r}")
    for mode, baseline in zip(modes, baselines):
        within_twice(f"cmdline of {CMDLINE_MIB} MiB", mode, baseline)


def check_json(fx):
    cid = users_container(fx, "json")
    store = f"{n.HOMES[h.NOBODY]}/.local/share/containers/storage/overlay-containers/"
    size = 4 * 1024 * 1024 - 4096
    entry = '{"id":"%s","names":["n"]},' % secrets.token_hex(32)
    shapes = {
        "nesting": "[" * size,
        "entries": "[" + entry * ((size - 100) // len(entry)) + '{"id":"x","names":["x"]}]',
    }
    with n.HostRoot() as root:
        root.write(store + "containers.json", n.containers_json([(cid, "small")]), owner=h.NOBODY)
        args = ["--json", "--host-root", root.path]
        doc = h.run_json(args[1:])
        h.eq("json", "the user's container named from their small store",
             n.name_of(doc, fx.inits["json"]), "small")
        baseline = peak_kib(args)
        for shape, text in shapes.items():
            root.write(store + "containers.json", text, owner=h.NOBODY)
            within_twice(f"containers.json of 4 MiB of {shape}", args, baseline)


def test():
    mount = need_cgroups()
    fx = cgroups.Fixture(mount)
    procs = []
    try:
        check_crash(fx)
        check_cmdline(fx, procs)
        check_json(fx)
    finally:
        h.kill_sessions(procs)
        if not fx.close():
            raise AssertionError("cgroups left behind")


h.main(test)
