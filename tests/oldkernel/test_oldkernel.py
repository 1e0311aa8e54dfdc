"""pidns-tree on an old kernel, for real: Debian's RELEASE cloud kernel booted under qemu (TCG).

    test_oldkernel.py RELEASE            (5.10 or 6.1; meson passes PIDNS_TREE, NSFIXTURE and
                                         THREAD_INIT)
    test_oldkernel.py RELEASE RECORDS    check the records a run kept, without booting

On these kernels NS_GET_TGID_FROM_PIDNS (6.11), NS_GET_ID (6.18) and the `Kthread:` status line
are missing: only pidns-tree's fallbacks run. The VM (guest.sh) builds nested namespaces, runs
every mode as root and as nobody, and takes the truth before and after; this side checks each
output against that truth (checks.py, with truth.py, expect.py and outputs.py). Every finding
is listed, not only the first. The records stay in the build directory
(tests/oldkernel/oldkernel-RELEASE/records/), to be checked again with the second form.

Exit status: 0, 1 on any finding, 77 when qemu, busybox-static or the kernel cannot be had.
"""

import os
import shutil
import sys
import time

from oldkernel import kernels, vm
from oldkernel.checks import Checker
from oldkernel.truth import Truth

SKIP = 77
VM_TIMEOUT = 300  # seconds; a boot takes 20 s here under TCG on a busy machine, 85 s with ASan


def boot_and_collect(release, workdir):
    """Fetches the kernel, builds the initramfs, boots; returns the records (kept on disk)."""
    cache = kernels.cache_dir(os.environ.get("PIDNS_OLDKERNEL_CACHE",
                                             os.path.join(workdir, "kernels")))
    os.makedirs(cache, exist_ok=True)
    kernel_dir = kernels.fetch(release, os.path.abspath(cache))
    qemu = vm.require_tools()
    binaries = {"bin/pidns-tree": os.environ["PIDNS_TREE"],
                "bin/nsfixture": os.environ["NSFIXTURE"],
                "bin/thread_init": os.environ["THREAD_INIT"]}
    initramfs = os.path.join(workdir, "initramfs.cpio")
    here = os.path.dirname(os.path.abspath(__file__))
    vm.build_initramfs(binaries, os.path.join(here, "guest.sh"), initramfs)
    records, console, elapsed = vm.boot(qemu, os.path.join(kernel_dir, "vmlinuz"), initramfs,
                                        workdir, VM_TIMEOUT)
    keep = os.path.join(workdir, "records")
    shutil.rmtree(keep, ignore_errors=True)
    os.makedirs(keep)
    for name, data in records.items():
        with open(os.path.join(keep, name), "wb") as f:
            f.write(data)
    with open(os.path.join(kernel_dir, "version"), encoding="utf-8") as f:
        kernel = f.read().strip()
    marks, last = [], 0.0
    for line in records.get("uptime", b"").decode().splitlines():
        phase, at = line.split()
        marks.append(f"{phase} {float(at) - last:.1f} s")
        last = float(at)
    print(f"kernel {kernel}: qemu ran {elapsed:.1f} s ({', '.join(marks)}); records in {keep}")
    if "guest-error" in records:
        raise RuntimeError("the guest failed: " + records["guest-error"].decode().strip()
                           + "\nconsole:\n" + console)
    return records


def load_records(directory):
    records = {}
    for name in os.listdir(directory):
        with open(os.path.join(directory, name), "rb") as f:
            records[name] = f.read()
    return records


def main():
    if len(sys.argv) not in (2, 3) or sys.argv[1] not in kernels.RELEASES:
        sys.exit(f"usage: {sys.argv[0]} {{{','.join(kernels.RELEASES)}}} [RECORDS]")
    release = sys.argv[1]
    started = time.monotonic()
    if len(sys.argv) == 3:
        records = load_records(sys.argv[2])
    else:
        for var in ("PIDNS_TREE", "NSFIXTURE", "THREAD_INIT"):
            if not os.environ.get(var):
                sys.exit(f"{var} is not set (run through meson test)")
        workdir = os.path.join(os.getcwd(), f"oldkernel-{release}")
        os.makedirs(workdir, exist_ok=True)
        try:
            records = boot_and_collect(release, workdir)
        except (kernels.Unavailable, vm.Unavailable) as e:
            print(f"SKIP: {e}")
            sys.exit(SKIP)
    checker = Checker(records, Truth(records), release)
    checker.check_kernel()
    checker.check_modes()
    checker.check_translate()
    checker.check_watches()
    for finding in checker.findings:
        print(f"FAIL {release} {finding}")
    print(f"{release}: {len(checker.findings)} findings; {time.monotonic() - started:.1f} s")
    sys.exit(1 if checker.findings else 0)


if __name__ == "__main__":
    main()
