"""Where the BPF task iterator cannot be used, for real: `pidns-tree --source bpf` exits 1 with
one line naming the condition that failed, `--source auto` (the default) reads procfs and exits
0 without a word about it, and the bpf-tasks tool exits 77 with the same reason
(pidns::open_task_iterator()). Cases: a build without the feature; without CAP_BPF and
CAP_PERFMON; with only one of them; in a user namespace; and over the procfs of another PID
namespace than pidns-tree's own (nsfixture --mount-proc's), whose tasks the iterator would not
walk.

meson passes BPF_TASKS and PIDNS_BPF_BUILT ("1" where the feature 'bpf' was on).
"""

import os
import shutil
import subprocess

import harness as h

NO_CAPS = "no CAP_BPF and CAP_PERFMON in the effective capabilities (CapEff)"


def check(prefix, line, user=None, args=()):
    """Through the command PREFIX: pidns-tree --source bpf fails with LINE, auto succeeds, and
    bpf-tasks (only where no ARGS are needed) exits 77 with LINE."""
    tool = user.path if user else None
    r = h.run(["--source", "bpf", "-N", *args], prefix=prefix, tool=tool, text=True)
    got = r.stderr.rstrip("\n")
    want = "pidns-tree: --source bpf: " + line
    assert r.returncode == 1 and not r.stdout and "\n" not in got, h.describe(r)
    assert got == want or (line.endswith("...") and got.startswith(want[:-3])), \
        f"{prefix}:\n  got  {got}\n  want {want}"
    auto = h.run(["-N", *args], prefix=prefix, tool=tool, text=True)
    h.check_clean_exit(auto, allow_forest=True)  # in a user namespace, other tests' trees
    assert "bpf" not in auto.stderr and "BPF" not in auto.stderr, auto.stderr
    if not args:
        p = subprocess.run(list(prefix) + [h.meson_path("BPF_TASKS")], stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=60)
        want = "bpf-tasks: " + line
        assert p.returncode == h.SKIP and not p.stdout and (
            p.stderr == want + "\n" or (line.endswith("...") and p.stderr.startswith(want[:-3]))), \
            f"bpf-tasks: exit {p.returncode}, stdout {p.stdout!r}, stderr {p.stderr!r}"
    print(f"{' '.join(list(prefix) + list(args)) or '(as is)'}: {got}")


def as_root():
    with h.UserBinary() as user:
        check(h.AS_NOBODY, NO_CAPS, user)
    # root keeps its bounding set at exec: CAP_SYS_ADMIN would stand in for either
    check(["setpriv", "--bounding-set", "-perfmon,-sys_admin", "--"],
          "no CAP_PERFMON in the effective capabilities (CapEff)")
    check(["setpriv", "--bounding-set", "-bpf,-sys_admin", "--"],
          "no CAP_BPF in the effective capabilities (CapEff)")
    with h.Fixture("1", mount_proc=True) as fx:
        proc = fx.ns(0)["proc"]
        check([], f"{proc} is not the procfs of pidns-tree's own PID namespace, whose tasks "
              "the iterator walks", args=["--proc", proc])


def test():
    if os.environ.get("PIDNS_BPF_BUILT") != "1":
        check([], "built without the BPF task iterator (meson feature 'bpf' needs clang with the "
              "BPF target, libbpf's headers and bpftool)")
        return
    if not os.path.exists("/sys/kernel/btf/vmlinux"):
        check([], "no BTF at /sys/kernel/btf/vmlinux: ...")
        return
    if os.geteuid() == 0:
        as_root()
    else:
        check([], NO_CAPS)  # an ordinary user's CapEff is empty
    unshare = shutil.which("unshare")
    probe = subprocess.run([unshare or "unshare", "--user", "--map-root-user", "true"],
                           capture_output=True, timeout=30) if unshare else None
    if probe is None or probe.returncode != 0:
        print("user namespaces are not available here: the last case is not run")
        return
    check([unshare, "--user", "--map-root-user", "--"],
          "not in the initial user namespace, where alone CAP_BPF and CAP_PERFMON count")


if __name__ == "__main__":
    h.main(test)
