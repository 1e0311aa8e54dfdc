#!/usr/bin/env python3
"""(3) Inside a container, over the host's procfs, where NS_GET_PARENT answers EPERM for every
namespace not at or below the caller's: pidns-tree run (a) by nsenter --pid (no --mount, so /proc
is still the host's) inside a level-2 fixture namespace, and (b) as the init of a new PID namespace
with its own /proc, given the host's procfs bind-mounted elsewhere (--proc). Each namespace is at
the level the host view gives it; parents the kernel would not name are inferred (parent_inferred)
and are the host view's parents; a namespace whose init was orphaned to an unseen PID 1 stays a
top of its own, and stderr says why ("N separate trees"). Compared with the host's view.
(integration/test_container_view_inferred.py: the exact tree of a fixture, seen from inside it.)"""
import os
import tempfile
import time

import harness as h

SPEC_A = "2(2(1),1)"  # a0 (level 1) > a1 (level 2, the container) > a2; a0 > a3
SPEC_B = "1(2)"       # b0 (level 1) > b1: another tree beside it
CONTAINER = 1
ORPHAN = b"rbc-orphan"


def key(n):
    return (n["dev"], n["ino"])


def parents(nodes):
    out = {}
    for k, n in nodes.items():
        for c in n["children"]:
            out[key(c)] = k
    return out


def check_view(what, doc, host_doc, res, expect):
    """expect: {ns key: (parent key or None, parent_inferred or None for either)} for the
    namespaces this test built; every other namespace is checked for agreement with itself."""
    lines = h.check_clean_exit(res, allow_forest=True)
    nodes = h.check_doc(doc, what)
    host_nodes = h.index_tree(host_doc["pidns"])
    par = parents(nodes)
    for k, (want_parent, want_inferred, *want_level) in expect.items():
        n = nodes.get(k)
        where = f"{what}: pid:[{k[1]}]"
        if n is None:
            raise AssertionError(f"{where} missing")
        h.eq(where, "parent", par.get(k), want_parent)
        h.eq(where, "level", n["level"], want_level[0] if want_level else host_nodes[k]["level"])
        if want_inferred is not None:
            h.eq(where, "parent_inferred", n["parent_inferred"], want_inferred)
    # Every top but the host's must be one that procfs gives no clue for: no member has a parent
    # process shown one level up (else pidns-tree should have inferred the link).
    procs = {p["pid"]: (k, n["level"]) for k, n in nodes.items() for p in n.get("processes", [])}
    for top in doc["pidns"]:
        if top["level"] == 0:
            continue
        for p in top["processes"]:
            up = procs.get(p["ppid"])
            if up is not None and up[1] == top["level"] - 1:
                raise AssertionError(f"{what}: top pid:[{top['ino']}] has member {p['pid']} whose "
                                     f"parent {p['ppid']} lives one level up in pid:[{up[0][1]}]")
    forest = [ln for ln in lines if h.FOREST_LINE.match(ln)]
    tops = len(doc["pidns"])
    if (tops > 1) != bool(forest) or (forest and not forest[0].startswith(f"pidns-tree: {tops} ")):
        raise AssertionError(f"{what}: {tops} tops, stderr {lines!r}")
    return nodes


def test():
    for tool, package in (("nsenter", "util-linux"), ("unshare", "util-linux"),
                          ("mount", "mount")):
        h.need_program(tool, package)
    if os.geteuid() != 0:
        raise h.Skip("needs root: the container is built with nsenter and mount")
    procs = []
    with h.Fixture(SPEC_A, prefix="rbca") as fa, h.Fixture(SPEC_B, prefix="rbcb") as fb, \
            tempfile.TemporaryDirectory(prefix="pidns-robust-") as tmp:
        try:
            # A level-1 namespace whose init is orphaned: its parent (unshare) is killed.
            holder = h.start(["unshare", "--pid", "--fork"] + h.namer_argv(ORPHAN))
            procs.append(holder)
            orphan = h.processes_named([ORPHAN])[ORPHAN][0]
            holder.kill()
            holder.wait()
            deadline = time.monotonic() + 10
            while int(h.status_field(orphan, "PPid")[0]) == holder.pid:
                if time.monotonic() > deadline:
                    raise AssertionError("the orphan was not reparented")
                time.sleep(0.05)
            orphan_ns = key_of_pid(orphan)
            reaper = int(h.status_field(orphan, "PPid")[0])

            host_res = h.run(["--json"])
            h.check_clean_exit(host_res)
            host_doc = h.parse_json(host_res)
            host_nodes = h.check_doc(host_doc, "host")
            if len(host_doc["pidns"]) != 1:
                raise AssertionError("host view: more than one top")
            host = key(host_doc["pidns"][0])
            hpar = parents(host_nodes)
            reaper_shown = any(p["pid"] == reaper for p in host_doc["pidns"][0]["processes"])

            a = [key(n) for n in fa.namespaces]
            b = [key(n) for n in fb.namespaces]
            ours = a + b + [orphan_ns]
            for k in ours:
                if k not in host_nodes:
                    raise AssertionError(f"host view: pid:[{k[1]}] missing")

            def expect(container):
                """Parents: the kernel names those of namespaces below the container; the
                others are inferred, but for the orphan when its reaper is not shown."""
                below = {a[2]} if container == a[1] else set()
                out = {host: (None, False)}
                for k in ours:
                    if k == orphan_ns and not reaper_shown:
                        out[k] = (None, False)
                    else:
                        out[k] = (hpar[k], k not in below)
                return out

            # (a) nsenter into a fixture namespace, host /proc.
            enter = ["nsenter", "--target", str(fa.init_pid(CONTAINER)), "--pid", "--"]
            res = h.run(["--json"], prefix=enter)
            doc = h.parse_json(res)
            nodes = check_view("nsenter", doc, host_doc, res, expect(a[CONTAINER]))
            if not nodes[a[CONTAINER]]["current"]:
                raise AssertionError("nsenter: the container's namespace is not current")
            text_res = h.run(["--color=never"], prefix=enter)
            h.check_clean_exit(text_res, allow_forest=True)
            text_nodes = h.index_tree(h.parse_text(text_res.stdout.decode()), keyed_by_dev=False)
            for k, (want_parent, _) in expect(a[CONTAINER]).items():
                tn = text_nodes.get(k[1])
                if tn is None or tn["parent_key"] != (want_parent[1] if want_parent else None):
                    raise AssertionError(f"nsenter text: pid:[{k[1]}]: {tn and tn['parent_key']}")

            # (b) a new PID namespace with its own /proc; the host's procfs bind-mounted at
            # tmp/hostproc in a private mount namespace that dies with the run.
            hostproc = os.path.join(tmp, "hostproc")
            os.mkdir(hostproc)
            script = ('mount --bind /proc "$1" && mount -t proc proc /proc && '
                      'shift && exec "$@"')
            wrap = ["unshare", "--mount", "--propagation", "private", "--pid", "--fork",
                    "--kill-child", "sh", "-c", script, "sh", hostproc]
            res = h.run(["--proc", hostproc, "--json"], prefix=wrap)
            doc = h.parse_json(res)
            cont = [key(n) for n, _ in h.walk(doc["pidns"]) if n["current"]]
            # (nsfs inodes are reused at once: the new namespace may have a number the host view
            # gave to some other test's namespace that has gone since.)
            if len(cont) != 1 or cont[0] == host or cont[0] in ours:
                raise AssertionError(f"--proc: current namespace {cont}: not a new one")
            want = expect(None)
            want[cont[0]] = (host, True, 1)  # its init's parent, unshare, is a host process
            check_view("--proc", doc, host_doc, res, want)
            print(f"container view: orphan reaper PID {reaper} "
                  f"{'shown' if reaper_shown else 'not shown: a forest of 2'}")
        finally:
            h.kill_sessions(procs)


def key_of_pid(pid):
    st = os.stat(f"/proc/{pid}/ns/pid")
    return (st.st_dev, st.st_ino)


h.main(test)
