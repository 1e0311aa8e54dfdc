#!/usr/bin/env python3
"""The container view: pidns-tree runs inside one branch of the fixture (nsenter --pid into
namespace 1, without --mount, so /proc is the host's). The kernel then answers NS_GET_PARENT with
EPERM for every namespace whose parent is outside pidns-tree's own subtree (checked here first,
with ioctl(2) from the same place), and pidns-tree must infer those parents from the members'
parent processes: the tree must still be exactly the one nsfixture built, with
parent_inferred true where the kernel refused and false where it answered, and no inferred
parent may contradict what pidns-tree sees from the host. (robust/test_container_view_forest.py:
the same view with an orphaned init, and from a container's own /proc.)"""
import json
import subprocess
import sys

import harness as h

# 0 ─┬─ 1 ── 2      pidns-tree runs in 1; 3, 4 and 5 are outside its subtree
#    ├─ 3 ── 4
#    └─ 5
SPEC = "1(1(1),2(1),1)"
INSIDE = 1

# NS_GET_PARENT (_IO(0xb7, 0x2)) on each path: "ok" or the errno name.
PROBE = r"""
import errno, fcntl, json, os, sys
out = {}
for path in sys.argv[1:]:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.close(fcntl.ioctl(fd, 0xb702))
        out[path] = "ok"
    except OSError as e:
        out[path] = errno.errorcode[e.errno]
    os.close(fd)
print(json.dumps(out))
"""


def parents(doc):
    """{(dev, ino): parent (dev, ino) or None} of the namespaces that have members."""
    return {k: n["parent_key"] for k, n in h.json_nodes(doc["pidns"]).items()
            if n["process_count"] > 0}


def test():
    nsenter = h.need_program("nsenter")
    with h.Fixture(SPEC, prefix="nsvcv") as fx:
        enter = [nsenter, "--target", str(fx.init_pid(INSIDE)), "--pid", "--"]
        paths = [f"/proc/{n['members'][0]['pid']}/ns/pid" for n in fx.namespaces]
        r = subprocess.run(enter + [sys.executable, "-c", PROBE, *paths], capture_output=True,
                           text=True, timeout=30)
        if r.returncode != 0:
            raise AssertionError(f"NS_GET_PARENT probe failed: {r.stderr}")
        probe = json.loads(r.stdout)
        refused = {i for i, p in enumerate(paths) if probe[p] == "EPERM"}
        inside = set(h.subtree(fx, INSIDE))
        want_refused = {i for i in range(len(fx.namespaces)) if i == INSIDE or i not in inside}
        if refused != want_refused or any(probe[paths[i]] != "ok" for i in inside - {INSIDE}):
            raise AssertionError(f"NS_GET_PARENT from inside namespace {INSIDE}: {probe}; "
                                 f"expected EPERM for namespaces {sorted(want_refused)}")

        host_doc = h.run_json()  # what the host sees, for the consistency check below
        doc = json.loads(h.run_tool(["--json"], prefix=enter, allow_forest=True))
        text = h.run_tool(["--color=never"], prefix=enter, allow_forest=True)
        # The whole fixture, parents included, as built: levels from the host's numbering.
        h.compare(fx, doc=doc, text=text, current=INSIDE, extra_names={"pidns-tree"})

        nodes = h.json_nodes(doc["pidns"])
        rows = h.text_namespaces(h.parse_rows(text))
        for n in fx.namespaces:
            i = n["index"]
            want = i in refused
            h.eq(f"json: namespace {i}", "parent_inferred", nodes[h.key(n)]["parent_inferred"],
                 want)
            h.eq(f"text: namespace {i}", "'(parent inferred)'",
                 "(parent inferred)" in rows[n["ino"]]["tail"], want)
        caller = nodes[h.key(fx.caller)]
        if caller["parent_key"] is not None or caller["parent_inferred"]:
            raise AssertionError(f"json: the host's namespace got a parent: {caller['parent_key']}")

        # No parent inferred for anyone's namespace contradicts the host's view (namespaces of
        # other tests may come and go between the two runs: compare those in both).
        seen_from_host = parents(host_doc)
        for k, parent in parents(doc).items():
            if parent is not None and k in seen_from_host and seen_from_host[k] != parent:
                raise AssertionError(f"pid:[{k[1]}]: parent pid:[{parent[1]}] inside, "
                                     f"pid:[{seen_from_host[k][1]}] from the host")


h.main(test)
