#!/usr/bin/env python3
"""The jq recipes of README.md, extracted from its "## jq recipes" section (so the docs and this
test cannot drift), run with real jq against real `pidns-tree --json` output on real nested PID
namespaces; each result is checked against what nsfixture built, not against pidns-tree's own
output. The Kubernetes pod recipe runs on a fake document, since pods need cgroups. (The recipes
for --watch: watch/test_jq_watch_recipes.py.)"""
import json
import os
import re
import shlex
import tempfile

import harness as h
from harness import readme, schema

SPEC = "2(3(1,2),1)"  # 0: level 1; 1: level 2 under 0; 2, 3: level 3 under 1; 4: level 2 under 0
SECTION = "## jq recipes"
POD, OTHER_POD = "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0", "99999999-0000-4000-8000-000000000001"


def label(ns):
    return f"pid:[{ns['ino']}]"


def test():
    found = readme.readme_recipes(SECTION, "pidns-tree --json")
    validator = schema.validator()  # the fake document must be one pidns-tree could print
    # The recipes run "pidns-tree": this build's, first in PATH.
    tool_dir = os.path.dirname(os.path.abspath(h.meson_path("PIDNS_TREE")))
    env = h.environment({"PATH": tool_dir + os.pathsep + os.environ.get("PATH", "")})
    with h.Fixture(SPEC, prefix="jsfxj") as fx:
        ns = fx.namespaces
        if [n["depth"] for n in ns] != [1, 2, 3, 3, 2]:
            raise AssertionError("nsfixture built something else than " + SPEC)
        caller = {"dev": fx.caller["dev"], "ino": fx.caller["ino"]}
        member = ns[1]["members"][2]  # level 2, not its init
        # inode: (engine, id, pod UID, name)
        with_pod = {ns[1]["ino"]: ("containerd", "c1", POD, "cart"),
                    ns[3]["ino"]: ("cri-o", "c2", POD, ""),
                    ns[2]["ino"]: ("containerd", "c3", OTHER_POD, "shop-web"),
                    ns[4]["ino"]: ("docker", "d4", "", "shop-web")}

        def namespace_of_pid(lines):
            return lines == [label(ns[1])]

        def level_two_or_deeper(lines):
            deep = {label(n) for n in ns if n["depth"] >= 2}
            shallow = {label(n) for n in ns if n["depth"] < 2} | {label(caller)}
            return deep <= set(lines) and not shallow & set(lines) and \
                all(re.fullmatch(r"pid:\[\d+\]", line) for line in lines)

        def innermost_pids(lines):
            want = {f"{m['pid']} {m['own_pid']} {m['name']}" for n in ns for m in n["members"]}
            return want <= set(lines) and all(m["own_pid"] == m["nstgid"][-1]
                                              for n in ns for m in n["members"])

        def counts(lines):
            return {f"{label(n)} {len(n['members'])}" for n in ns} <= set(lines)

        def ancestors(lines):
            want = [label(ns[3]), label(ns[1]), label(ns[0]), label(caller)]
            return lines[:len(want)] == want and len(lines) == len(set(lines))

        def no_kernel_threads(lines):
            # Names may hold newlines (other tests' hostile names): take lines that start a record.
            pids = {int(w[0]) for w in map(str.split, lines) if w and w[0].isdigit()}
            fixture = {m["pid"] for n in ns for m in n["members"]}
            kernel = h.kernel_thread_pids()
            if not kernel:
                print("no kernel threads in view: the kernel-thread recipe leaves nothing out")
            return fixture <= pids and not pids & kernel

        def inferred(lines):
            return lines == [f"pid:[?] level {n['depth']} init {n['members'][0]['pid']}"
                             for n in ns if n["ino"] in made_inferred]

        def pod(lines):
            return lines == [f"{label(n)} {e} {i}" for n in ns
                             for (e, i, p, _) in [with_pod.get(n["ino"], (None,) * 4)]
                             if p == POD]

        def by_name(lines):  # a pod's container and a Docker container may share a name
            return lines == [label(n) for n in ns
                             if with_pod.get(n["ino"], (None,) * 4)[3] == "shop-web"]

        # description: (variables, check, runs on the fake document)
        checks = {
            "The namespace of PID 4242 (as `/proc` numbers it):":
                ({"pid": member["pid"]}, namespace_of_pid, False),
            "Every namespace at level 2 or deeper:": ({}, level_two_or_deeper, False),
            "Each process's PID, its PID in its own namespace (the innermost one), and its name:":
                ({}, innermost_pids, False),
            "The number of processes in each namespace:": ({}, counts, False),
            "A namespace and its ancestors up to the top, given its inode:":
                ({"ino": ns[3]["ino"]}, ancestors, False),
            "All namespaces of one Kubernetes pod, with their containers:":
                ({"pod": POD}, pod, True),
            "Every process but the kernel threads:": ({}, no_kernel_threads, False),
            "Every namespace inferred without ptrace rights, with its init:":
                ({}, inferred, True),
            "The namespace of a container, given its name (Docker's, Podman's, or a pod "
            "container's):": ({"name": "shop-web"}, by_name, True),
        }
        readme.check_coverage(found, checks)

        doc = json.loads(h.run_tool(["--json"]))

        # The fake document: pods, and a namespace as a user without ptrace rights sees it.
        made_inferred = {ns[0]["ino"]}

        def put_labels(n):
            if n["ino"] in with_pod:
                e, i, p, name = with_pod[n["ino"]]
                n["container"] = {"engine": e, "id": i, "pod_uid": p, "containerd_namespace": "",
                                  "name": name, "pod_name": "", "pod_namespace": "",
                                  "compose_project": "", "compose_service": ""}
            if n["ino"] in made_inferred:
                n.update(dev=None, ino=None, label="pid:[?]", ns_inferred=True)
            for c in n["children"]:
                put_labels(c)
        for top in doc["pidns"]:
            put_labels(top)
        with tempfile.TemporaryDirectory(prefix="pidns-jq-") as tmp:
            fake = os.path.join(tmp, "fake.json")
            with open(fake, "w", encoding="utf-8") as f:
                json.dump(doc, f)
            schema.validate(validator, doc, "the fake document")
            for what, cmd in found.items():
                values, check, on_fake = checks[what]
                cmd = readme.fill_recipe(what, cmd, values)
                if on_fake:
                    cmd = cmd.replace("pidns-tree --json", "cat " + shlex.quote(fake), 1)
                lines = readme.run_recipe(what, cmd, env, tolerated=h.UNSHOWN_LINE)
                if not check(lines):
                    raise AssertionError(f"recipe {what!r}: unexpected result of\n  {cmd}\n"
                                         + "\n".join(lines[:40]))
                print(f"ok: {what} ({len(lines)} lines)")


h.main(test)
