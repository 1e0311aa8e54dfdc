#!/usr/bin/env python3
"""Container names against what users control: whose dockerd, whose files, whose cgroups.

Root's pidns-tree reads other people's state files to name containers. Here a user (65534)
tries, with real processes, cgroups and files, to make it show a name that is not the
container's, or read a file the user could not read:

  daemons   (the host's root and procfs) a root container's cgroup docker-<id>.scope; a process
            of the user named dockerd, and a root one in a PID and mount namespace of its own
            (a daemon in a container), both with --data-root of a directory naming that id
            EVIL. Neither is trusted, with -N either (where status used not to be read and every
            process counted as root). A root process named dockerd in the host's namespaces,
            with --data-root naming it TRUSTED, is: so the names are read, and told apart; also
            through --host-root of a bind mount of "/", as from a container.
  owners    (a host root of the test's own, its /etc/passwd naming the user and a victim, 40002)
            a subtree user@65534.service delegated to the user as systemd delegates it, in which
            the user makes cgroups themselves:
              nested   .../user@65534.service/x/user@40002.service/libpod-<id>.scope, the
                       victim's store naming <id>: the outermost user@ is the owner, not 40002
              forged   a cgroup delegated to the user that is no user@ (a service's Delegate=),
                       in which they make user@40002.service/libpod-<id>.scope: 40002 does not
                       own that directory, so nobody's files are trusted
              linked   ~/.local/share/docker a link to /var/lib/docker, root's file naming the id
                       of the user's docker-<id>.scope
              procfs   the user's containers.json a link to /proc/PID/cmdline of a process whose
                       command line is a containers.json naming their libpod-<id>.scope (as
                       /proc/kmsg would be read, taking messages from the system logger)
              own      the user's own container in their own (vfs) store: still named
Every check reads the JSON "container" object of the namespace whose init the test started.
Needs root, setpriv and a writable cgroup2 hierarchy; exits 77 (skip) elsewhere."""

import os
import secrets
import subprocess
import tempfile

import harness as h
from harness import cgroups
from harness import names as n
from harness import watch as hw

MODES = (["--json"], ["--json", "-N"], ["--json", "--jobs", "4"])


def need_cgroups():
    h.need_program("setpriv")
    h.need_program("unshare")
    return cgroups.need_writable_cgroup2()


def check_daemons(fx, procs):
    """A user's dockerd and a container's dockerd name nothing; a root one on the host does."""
    cid = secrets.token_hex(32)
    fx.start_init("daemons", fx.make_cgroup(f"docker-{cid}.scope"))
    init = fx.inits["daemons"]
    with tempfile.TemporaryDirectory(prefix="pidns-names-") as tmp:
        os.chmod(tmp, 0o755)
        for what in ("evil", "trusted"):
            os.makedirs(f"{tmp}/{what}/containers/{cid}")
            with open(f"{tmp}/{what}/containers/{cid}/config.v2.json", "w") as f:
                f.write(n.docker_config(cid, what.upper() + "-NAME"))
        evil = ["--data-root", f"{tmp}/evil"]
        # The user's, then root's in namespaces of its own: both before the trusted one, in PID
        # order, where a finder that believed them would look first.
        for prefix in (n.as_user(h.NOBODY),
                       ["unshare", "--pid", "--mount", "--fork", "--kill-child"]):
            p, _ = n.start_named(n.dockerd_argv(evil), prefix)
            procs.append(p)
        for mode in MODES:
            got = n.name_of(h.run_json(mode[1:]), init)
            if got == "EVIL-NAME":
                raise AssertionError(f"{' '.join(mode)}: an untrusted dockerd named the container")
            print(f"daemons {' '.join(mode)}: untrusted only: {got!r}")
        p, _ = n.start_named(n.dockerd_argv(["--data-root", f"{tmp}/trusted"]))
        procs.append(p)
        for mode in MODES:
            h.eq(f"daemons {' '.join(mode)}", "name from the trusted dockerd",
                 n.name_of(h.run_json(mode[1:]), init), "TRUSTED-NAME")
        print("daemons: a root dockerd in the host's namespaces is still believed")
        # So it is through a host root that is not "/" (a container's --host-root /host), where
        # pidns-tree's own mount namespace says nothing of the host's: PID 1's says, or, where
        # PID 1 hides its namespaces (as on our machines, even from root), kthreadd's.
        host = f"{tmp}/host"
        os.mkdir(host)
        rbind = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                 'mount --rbind / "$0" && exec "$@"', host]
        h.eq("daemons --host-root", "name from the trusted dockerd",
             n.name_of(h.run_json(["--host-root", host], prefix=rbind), init), "TRUSTED-NAME")
        print("daemons --host-root: the host's mount namespace found without pidns-tree's own")


def lay_out_owners(fx, root, ids, procs):
    """The user's subtree and the cgroups and files of each case of 'owners'."""
    manager = "user@65534.service"
    n.delegate(fx, manager, h.NOBODY)
    n.delegate(fx, "deleg.service", h.NOBODY)
    cases = {
        "nested": f"{manager}/x/user@{n.VICTIM}.service/libpod-{ids['nested']}.scope",
        "forged": f"deleg.service/user@{n.VICTIM}.service/libpod-{ids['forged']}.scope",
        "linked": f"{manager}/user.slice/docker-{ids['linked']}.scope",
        "procfs": f"{manager}/user.slice/libpod-{ids['procfs']}.scope",
        "own": f"{manager}/user.slice/libpod-{ids['own']}.scope",
    }
    paths = {}
    for case, relative in cases.items():
        paths[case] = n.user_makes_cgroups(fx, relative, h.NOBODY)
        fx.start_init(case, paths[case])
    store = "/.local/share/containers/storage"
    victim_home, evil_home = n.HOMES[n.VICTIM], n.HOMES[h.NOBODY]
    root.write(f"{victim_home}{store}/overlay-containers/containers.json",
               n.containers_json([(ids["nested"], "VICTIM-SECRET"),
                                  (ids["forged"], "VICTIM-SECRET")]), owner=n.VICTIM)
    root.write(f"/var/lib/docker/containers/{ids['linked']}/config.v2.json",
               n.docker_config(ids["linked"], "ROOTS-NAME"))
    root.symlink("/var/lib/docker", f"{evil_home}/.local/share/docker", owner=h.NOBODY)
    # A pseudo-file whose text the test controls: a process's command line.
    planted = n.containers_json([(ids["procfs"], "FROM-PROCFS")])
    p = subprocess.Popen([planted, str(h.MAX_LIFETIME)], executable="/bin/sleep",
                         stdin=subprocess.DEVNULL, start_new_session=True)
    procs.append(p)
    root.symlink(f"/proc/{p.pid}/cmdline",
                 f"{evil_home}{store}/overlay-containers/containers.json", owner=h.NOBODY)
    root.write(f"{evil_home}{store}/vfs-containers/containers.json",
               n.containers_json([(ids["own"], "USERS-OWN")]), owner=h.NOBODY)
    os.mkdir(root.at("/proc"))
    return paths


def check_owners(fx, procs):
    ids = {case: secrets.token_hex(32) for case in ("nested", "forged", "linked", "procfs", "own")}
    with n.HostRoot() as root:
        paths = lay_out_owners(fx, root, ids, procs)
        # The host's procfs inside the host root, as on a real host: mounted in a mount
        # namespace of the run's own, which ends with it.
        mount_proc = ["unshare", "--mount", "--propagation", "private", "sh", "-c",
                      'mount -t proc proc "$0/proc" && exec "$@"', root.path]
        for mode in MODES:
            r = h.run([*mode, "--host-root", root.path], prefix=mount_proc)
            h.check_clean_exit(r)
            doc = h.parse_json(r)
            got = {case: n.name_of(doc, fx.inits[case]) for case in ids}
            print(f"owners {' '.join(mode)}: {got}")
            want = {"nested": "", "forged": "", "linked": "", "procfs": "", "own": "USERS-OWN"}
            h.eq(f"owners {' '.join(mode)}", "names", got, want)
        check_owners_watched(fx, root, mount_proc, paths)


def check_owners_watched(fx, root, mount_proc, paths):
    """--watch names a namespace that appears later by the same rules."""
    with hw.Watcher(["--host-root", root.path], prefix=mount_proc) as w:
        w.mode_line()
        got = {}
        for case in ("nested", "own"):
            cgroup = paths[case]
            fx.start_init(case + "-watched", cgroup)
            pid = fx.inits[case + "-watched"]
            event = w.wait(lambda e, pid=pid: e.get("init") == pid and e.get("container"),
                           f"the {case} namespace's event with its container")
            got[case] = event["container"]["name"]
        print(f"owners --watch: {got}")
        h.eq("owners --watch", "names", got, {"nested": "", "own": "USERS-OWN"})


def test():
    mount = need_cgroups()
    fx = cgroups.Fixture(mount)
    procs = []
    try:
        check_daemons(fx, procs)
        check_owners(fx, procs)
    finally:
        h.kill_sessions(procs)
        if not fx.close():
            raise AssertionError("cgroups left behind")


h.main(test)
