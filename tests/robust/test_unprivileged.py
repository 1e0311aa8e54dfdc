#!/usr/bin/env python3
"""(2) Unprivileged: user 65534 runs pidns-tree on a host where root holds nested PID namespaces
(nsfixture) and the user has processes of their own: one in the host namespace, and a user+PID
namespace of theirs (unshare --user --map-root-user --pid) with a member and a nested PID
namespace inside. Exit 0; none of root's processes or namespaces is shown; they are counted in
ONE stderr line; the user's processes sit in the right namespaces, at the right levels, under the
right parents, numbered as root reads their NStgid."""
import os

import robustlib as r
from robustlib import h

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
    probe = r.start(r.AS_NOBODY + ["unshare", "--user", "--map-root-user", "--pid", "--fork",
                                   "true"])
    if probe.wait(timeout=30) != 0:
        raise r.Skip("user 65534 cannot create user namespaces here")
    procs = []
    with r.UserBinary() as ub, h.Fixture("2(2,1)", prefix=PREFIX) as fx:
        try:
            procs.append(r.start(r.AS_NOBODY + r.namer_argv(NAMES["plain"])))
            procs.append(r.start(r.AS_NOBODY + [
                "unshare", "--user", "--map-root-user", "--pid", "--fork", "--kill-child",
                "sh", "-c", USER_NS_SCRIPT, r.NAMER, NAMES["member"].hex(), NAMES["init"].hex(),
                NAMES["inner"].hex()]))
            found = r.find_by_name(list(NAMES.values()))
            mine = {k: found[v][0] for k, v in NAMES.items()}
            # Ground truth, read as root.
            truth = {k: {"ns": ns_key(pid), "nstgid": [int(x) for x in r.status_field(pid, "NStgid")]}
                     for k, pid in mine.items()}
            host = ns_key("self")
            want_parent = {"plain": None, "init": host, "member": host,
                           "inner": truth["init"]["ns"]}

            res = r.run(["--json"], prefix=r.AS_NOBODY, tool=ub.path)
            lines = r.check_clean_exit(res)
            doc = r.parse_json(res)
            nodes = r.check_doc(doc)
            text_res = r.run(["--color=never"], prefix=r.AS_NOBODY, tool=ub.path)
            text_lines = r.check_clean_exit(text_res)
            text_nodes = h.index_tree(h.parse_text(text_res.stdout.decode()), keyed_by_dev=False)

            # Root's processes: counted, in one line, never shown.
            for what, ls in (("json", lines), ("text", text_lines)):
                if len(ls) != 1 or "permission denied" not in ls[0] or "run as root" not in ls[0]:
                    raise AssertionError(f"{what}: stderr {ls!r}, want one line of processes "
                                         "not shown")
            count = int(lines[0].split()[1])
            fixture_pids = {m["pid"] for n in fx.namespaces for m in n["members"]}
            if count != doc["summary"]["inaccessible"] or count < len(fixture_pids):
                raise AssertionError(f"stderr counts {count} not shown, summary "
                                     f"{doc['summary']}, fixture {len(fixture_pids)} processes")
            # Root's processes are shown only where a relative at their depth tells their
            # namespace: in the host namespace, by the same-depth parent links that join them to
            # the user's own processes there (placement.hpp).
            for key, ns in nodes.items():
                for p in ns.get("processes", []):
                    if p["pid"] in fixture_pids or (p["uid"] != r.NOBODY and key != host):
                        raise AssertionError(f"json shows pid {p['pid']} of uid {p['uid']} in "
                                             f"pid:[{key[1]}]")
            for fns in fx.namespaces:
                if (fns["dev"], fns["ino"]) in nodes or fns["ino"] in text_nodes:
                    raise AssertionError(f"root's fixture namespace pid:[{fns['ino']}] is shown")

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
                h._eq(f"json: {where}", "level", ns["level"], len(t["nstgid"]) - 1)
                h._eq(f"json: {where}", "parent_inferred", ns["parent_inferred"], False)
                parent = [pk for pk, pn in nodes.items()
                          if any((c["dev"], c["ino"]) == t["ns"] for c in pn["children"])]
                h._eq(f"json: {where}", "parent namespace", parent[0] if parent else None,
                      want_parent[k])
                tn = text_nodes.get(t["ns"][1])
                if tn is None or tn["level"] != ns["level"] or tn["parent_key"] != (
                        want_parent[k][1] if want_parent[k] else None):
                    raise AssertionError(f"text: {where}: namespace {tn and tn['level']}, "
                                         f"parent {tn and tn['parent_key']}")
                tp = [p for p in tn["processes"] if p["pid"] == pid]
                if len(tp) != 1 or tp[0]["nstgid"] != t["nstgid"]:
                    raise AssertionError(f"text: {where}: {tp}")
            h._eq("json", "init of the user's namespace", nodes[truth["init"]["ns"]]["init"],
                  mine["init"])
            h._eq("json", "init of the nested namespace", nodes[truth["inner"]["ns"]]["init"],
                  mine["inner"])
            if not nodes[host]["current"] or doc["pidns"][0]["ino"] != host[1]:
                raise AssertionError("json: the host namespace is not the current top")
            print(f"unprivileged: {count} of root's processes counted on one stderr line")
        finally:
            r.kill_sessions(procs)


r.main(test)
