"""test_bpf_refusals: where the BPF task iterator cannot be used, bpf-tasks exits 77 with the one
line that names the condition that failed (pidns::open_task_iterator()), for real: without the
feature, without CAP_BPF and CAP_PERFMON, with only one of them, and in a user namespace.

meson passes BPF_TASKS and PIDNS_BPF_BUILT ("1" where the feature 'bpf' was on).
"""

import os
import shutil
import subprocess

import harness as h


def refusal(cmd):
    """The stderr line of bpf-tasks run through CMD, which must refuse with exit 77."""
    p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
    lines = p.stderr.splitlines()
    assert p.returncode == h.SKIP and len(lines) == 1 and not p.stdout, \
        f"{cmd}: exit {p.returncode}, stdout {p.stdout!r}, stderr {p.stderr!r}"
    return lines[0]


def expect(cmd, line):
    got = refusal(cmd)
    assert got == "bpf-tasks: " + line, f"{cmd}:\n  got  {got}\n  want bpf-tasks: {line}"
    print(f"{' '.join(cmd[:-1]) or '(as is)'}: {got}")


def test():
    tool = h.meson_path("BPF_TASKS")
    if os.environ.get("PIDNS_BPF_BUILT") != "1":
        expect([tool], "built without the BPF task iterator (meson feature 'bpf' needs clang with "
               "the BPF target, libbpf and bpftool)")
        return
    if not os.path.exists("/sys/kernel/btf/vmlinux"):
        line = refusal([tool])
        assert line.startswith("bpf-tasks: no BTF at /sys/kernel/btf/vmlinux: "), line
        print(line)
        return
    none = "no CAP_BPF and CAP_PERFMON in the effective capabilities (CapEff)"
    if os.geteuid() != 0:
        expect([tool], none)  # an ordinary user's CapEff is empty
    else:
        expect(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", tool], none)
        # root keeps its bounding set at exec: CAP_SYS_ADMIN would stand in for either
        expect(["setpriv", "--bounding-set", "-perfmon,-sys_admin", tool],
               "no CAP_PERFMON in the effective capabilities (CapEff)")
        expect(["setpriv", "--bounding-set", "-bpf,-sys_admin", tool],
               "no CAP_BPF in the effective capabilities (CapEff)")
    unshare = shutil.which("unshare")
    probe = subprocess.run([unshare or "unshare", "--user", "--map-root-user", "true"],
                           capture_output=True, timeout=30) if unshare else None
    if probe is None or probe.returncode != 0:
        print("user namespaces are not available here: the last case is not run")
        return
    expect([unshare, "--user", "--map-root-user", tool],
           "not in the initial user namespace, where alone CAP_BPF and CAP_PERFMON count")


if __name__ == "__main__":
    h.main(test)
