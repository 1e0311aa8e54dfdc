#!/usr/bin/env python3
"""(2) Unprivileged: user 65534 runs pidns-tree on a host where root holds nested PID namespaces
(nsfixture) and the user has processes of their own: one in the host namespace, and a user+PID
namespace of theirs (unshare --user --map-root-user --pid) with a member and a nested PID
namespace inside. Exit 0; root's namespaces are shown as inferred from status files (pid:[?],
JSON ns_inferred, null dev and ino), each with exactly its members, at its level, under the
namespace that holds its init's parent; ONE stderr line says how many processes were inferred;
the user's processes sit in the right namespaces, at the right levels, under the right parents,
numbered as root reads their NStgid."""
import os

import harness as h

PREFIX = "rbu"  # the fixture's process names: rbu<ns>-<member>
NAMES = {"plain": b"rbu-plain", "init": b"rbu-init", "member": b"rbu-member",
         "inner": b"rbu-inner"}
# Run by sh as the init of the user's PID namespace: $0 is the NAMER code, $1..$3 names in hex.
USER_NS_SCRIPT = ('python3 -c "$0" "$1" 300 & '
                  'unshare --pid --fork --kill-child python3 -c "$0" "$3" 300 & '
                  'exec python3 -c "$0" "$2" 300')


def ns_key(pid):
    st = os.stat(f"/proc/{pid}/ns/pid")
    return (st.st_dev, st.st_ino)


def test():
    probe = h.start(h.AS_NOBODY + ["unshare", "--user", "--map-root-user", "--pid", "--fork",
                                   "true"])
    if probe.wait(timeout=30) != 0:
        raise h.Skip("user 65534 cannot create user namespaces here")
    procs = []
    with h.UserBinary() as ub, h.Fixture("2(2,1)", prefix=PREFIX) as fx:
        try:
            procs.append(h.start(h.AS_NOBODY + h.namer_argv(NAMES["plain"])))
            procs.append(h.start(h.AS_NOBODY + [
                "unshare", "--user", "--map-root-user", "--pid", "--fork", "--kill-child",
                "sh", "-c", USER_NS_SCRIPT, h.NAMER, NAMES["member"].hex(), NAMES["init"].hex(),
                NAMES["inner"].hex()]))
            found = h.processes_named(list(NAMES.values()))
            mine = {k: found[v][0] for k, v in NAMES.items()}
            # Ground truth, read as root.
            truth = {k: {"ns": ns_key(pid), "nstgid": [int(x) for x in h.status_field(pid, "NStgid")]}
                     for k, pid in mine.items()}
            host = ns_key("self")
            want_parent = {"plain": None, "init": host, "member": host,
                           "inner": truth["init"]["ns"]}

            # The host is shared with the other tests, whose processes come and go: one that
            # nsenter put two levels below its parent cannot be placed, and a namespace it starts
            # is then a top of its own, which the forest line explains.
            res = h.run(["--json"], prefix=h.AS_NOBODY, tool=ub.path)
            lines = h.check_clean_exit(res, allow_forest=True)
            doc = h.parse_json(res)
            nodes = h.check_doc(doc)
            text_res = h.run(["--color=never"], prefix=h.AS_NOBODY, tool=ub.path)
            text_lines = h.check_clean_exit(text_res, allow_forest=True)
            text_nodes = h.index_tree(h.parse_text(text_res.stdout.decode()), keyed_by_dev=False)

            # Root's processes: placed by inference, said in one line.
            for what, ls in (("json", lines), ("text", text_lines)):
                if len([ln for ln in ls if "placed by inference" in ln]) != 1:
                    raise AssertionError(f"{what}: stderr {ls!r}, want one line of processes "
                                         "placed by inference")
            count = int(next(ln for ln in lines if "placed by inference" in ln).split()[1])
            if count != doc["summary"]["inferred"]:
                raise AssertionError(f"stderr says {count} inferred, summary {doc['summary']}")
            where = {p["pid"]: key for key, ns in nodes.items() for p in ns.get("processes", [])}
            for fns in fx.namespaces:
                pids = {m["pid"] for m in fns["members"]}
                keys = {where.get(pid) for pid in pids}
                w = f"json: fixture namespace {fns['index']}"
                if len(keys) != 1 or None in keys:
                    raise AssertionError(f"{w}: members shown in {keys}")
                node = nodes[keys.pop()]
                got = {p["pid"] for p in node["processes"]}
                if got != pids or not node["ns_inferred"] or node["dev"] is not None:
                    raise AssertionError(f"{w}: {sorted(got)} (ns_inferred "
                                         f"{node['ns_inferred']}), want {sorted(pids)}")
                h.eq(w, "level", node["level"], fns["depth"])
                h.eq(w, "init", node["init"], fns["members"][0]["pid"])
                parent = [pk for pk, pn in nodes.items()
                          if any(h.json_key(c) == h.json_key(node) for c in pn["children"])]
                init_parent = fns["members"][0]["ppid"]
                if len(parent) != 1 or where.get(init_parent) != parent[0]:
                    raise AssertionError(f"{w}: parent {parent}, but its init's parent "
                                         f"{init_parent} is in {where.get(init_parent)}")
                if not any(tn.get("ino") == f"?{node['init']}" for tn in text_nodes.values()):
                    raise AssertionError(f"text: fixture namespace {fns['index']} is not pid:[?] "
                                         f"with init {node['init']}")

            # The user's own processes, where the kernel puts them.
            for k, pid in mine.items():
                t = truth[k]
                where = f"{NAMES[k].decode()} (pid {pid})"
                ns = nodes.get(t["ns"])
                if ns is None:
                    raise AssertionError(f"json: {where}: its namespace pid:[{t['ns'][1]}] missing")
                got = [p for p in ns["processes"] if p["pid"] == pid]
                if len(got) != 1 or got[0]["nstgid"] != t["nstgid"] or got[0]["name"] != NAMES[k].decode():
                    raise AssertionError(f"json: {where}: {got}, want nstgid {t['nstgid']}")
                h.eq(f"json: {where}", "level", ns["level"], len(t["nstgid"]) - 1)
                h.eq(f"json: {where}", "parent_inferred", ns["parent_inferred"], False)
                parent = [pk for pk, pn in nodes.items()
                          if any((c["dev"], c["ino"]) == t["ns"] for c in pn["children"])]
                h.eq(f"json: {where}", "parent namespace", parent[0] if parent else None,
                     want_parent[k])
                tn = text_nodes.get(t["ns"][1])
                if tn is None or tn["level"] != ns["level"] or tn["parent_key"] != (
                        want_parent[k][1] if want_parent[k] else None):
                    raise AssertionError(f"text: {where}: namespace {tn and tn['level']}, "
                                         f"parent {tn and tn['parent_key']}")
                tp = [p for p in tn["processes"] if p["pid"] == pid]
                if len(tp) != 1 or tp[0]["nstgid"] != t["nstgid"]:
                    raise AssertionError(f"text: {where}: {tp}")
            h.eq("json", "init of the user's namespace", nodes[truth["init"]["ns"]]["init"],
                 mine["init"])
            h.eq("json", "init of the nested namespace", nodes[truth["inner"]["ns"]]["init"],
                 mine["inner"])
            # A top, not the first: tops are ordered by (dev, ino), and a namespace of another
            # test that the user cannot place is inferred (device 0) and may be a top before it.
            if not nodes[host]["current"] or host not in [h.json_key(t) for t in doc["pidns"]]:
                raise AssertionError("json: the host namespace is not the current top")
            print(f"unprivileged: {count} of root's processes inferred, said on one stderr line")
        finally:
            h.kill_sessions(procs)


h.main(test)
