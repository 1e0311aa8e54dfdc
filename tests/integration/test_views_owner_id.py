#!/usr/bin/env python3
"""--owner and --ns-id on real namespaces. The fixture runs in a user namespace of its own
(unshare --user --map-root-user, as the user nobody when setpriv(1) can drop to it), so its PID
namespaces are owned by that user namespace: pidns-tree must name it (the inode of
/proc/INIT/ns/user) and the UID that created it as the host sees it, in text and always in JSON.
--ns-id: JSON unique_id, and text ", id N", are NS_GET_ID's answers (Linux 6.18), asked here
independently with ioctl(2), and distinct per namespace."""
import errno
import fcntl
import os
import tempfile
import pwd
import struct

import harness as h

SPEC = "2(1(1),1)"
NS_GET_ID = 0x8008B70D  # _IOR(NSIO=0xb7, 0xd, __u64), <linux/nsfs.h> of Linux 6.18
NOBODY = 65534


def ns_get_id(path):
    """NS_GET_ID of an nsfs file, or None where the kernel does not know it (before 6.18)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return struct.unpack("Q", fcntl.ioctl(fd, NS_GET_ID, bytes(8)))[0]
    except OSError as e:
        if e.errno in (errno.ENOTTY, errno.EINVAL):
            return None
        raise
    finally:
        os.close(fd)


def wrapper_and_uid():
    """The command that runs nsfixture in a new user namespace, and the UID that creates it."""
    unshare = h.need_program("unshare")
    userns = [unshare, "--user", "--map-root-user", "--"]
    setpriv = os.geteuid() == 0 and h.have_program("setpriv", "util-linux",
                                                   "a namespace owned by another user")
    if setpriv:
        try:
            pwd.getpwuid(NOBODY)
            return [setpriv, f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                    *userns], NOBODY
        except KeyError:
            pass
    return userns, os.geteuid()


def user_name(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return None


def test():
    wrapper, uid = wrapper_and_uid()
    with h.Fixture(SPEC, prefix="nsvow", wrapper=wrapper) as fx:
        userns = h.stat_ns(f"/proc/{fx.init_pid(0)}/ns/user")
        if userns == h.stat_ns("/proc/self/ns/user"):
            raise AssertionError("the fixture did not get a user namespace of its own")
        ns0 = str(fx.ns(0)["ino"])
        name = user_name(uid)
        want_owner = {"userns": {"dev": userns[0], "ino": userns[1]}, "uid": uid, "user": name}

        # JSON has the owner with or without --owner.
        for args in (["--ns", ns0], ["--ns", ns0, "--owner"]):
            nodes = h.json_nodes(h.run_json(args)["pidns"])
            h.eq(f"{args} json", "namespaces", set(nodes), {h.key(n) for n in fx.namespaces})
            for n in fx.namespaces:
                h.eq(f"{args} json: namespace {n['index']}", "owner",
                     nodes[h.key(n)]["owner"], want_owner)

        ids = {n["index"]: ns_get_id(f"/proc/{n['members'][0]['pid']}/ns/pid")
               for n in fx.namespaces}
        have_ids = all(v is not None for v in ids.values())
        text = h.run_tool(["--ns", ns0, "--owner", "--ns-id", "--color=never"])
        rows = h.text_namespaces(h.parse_rows(text))
        owner_text = f", owner uid {uid}" + (f" ({name})" if name else "") + \
            f" of user:[{userns[1]}]"
        for n in fx.namespaces:
            tail = rows[n["ino"]]["tail"]
            if owner_text not in tail:
                raise AssertionError(f"--owner text: namespace {n['index']}: {tail!r} lacks "
                                     f"{owner_text!r}")
            if have_ids and f", id {ids[n['index']]}" not in tail:
                raise AssertionError(f"--ns-id text: namespace {n['index']}: {tail!r} lacks "
                                     f"', id {ids[n['index']]}'")
        plain = h.run_tool(["--ns", ns0, "--color=never"])
        if "owner" in plain or ", id " in plain:
            raise AssertionError(f"owner or id shown without --owner/--ns-id:\n{plain}")
        # The user names are the host root's (--host-root): its /etc/passwd, not this machine's.
        with tempfile.TemporaryDirectory(prefix="pidns-host-root-") as root:
            os.makedirs(os.path.join(root, "etc"))
            with open(os.path.join(root, "etc", "passwd"), "w", encoding="utf-8") as f:
                f.write(f"host-owner-{uid}:x:{uid}:{uid}::/:/bin/sh\n")
            hosted = h.run_tool(["--ns", ns0, "--owner", "--color=never", "--host-root", root])
            if f"owner uid {uid} (host-owner-{uid})" not in hosted:
                raise AssertionError(f"--owner --host-root: no name from its /etc/passwd:\n{hosted}")

        if not have_ids:
            print(f"NS_GET_ID unsupported by this kernel ({os.uname().release}): ids not checked")
            return
        doc = h.run_json(["--ns-id"])
        nodes = h.json_nodes(doc["pidns"])
        for n in fx.namespaces:
            h.eq(f"--ns-id json: namespace {n['index']}", "unique_id",
                 nodes[h.key(n)].get("unique_id"), ids[n["index"]])
        missing = [k for k, v in nodes.items() if "unique_id" not in v]
        if missing:
            raise AssertionError(f"--ns-id json: namespaces without unique_id: {missing}")
        values = [v["unique_id"] for v in nodes.values()]
        if len(set(values)) != len(values):
            raise AssertionError(f"--ns-id json: unique_id not distinct: {sorted(values)}")


h.main(test)
