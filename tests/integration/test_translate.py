#!/usr/bin/env python3
"""--translate PID --to NS|PID on real namespaces: the answer must be the PID that nsfixture
recorded for that process at that namespace's level (its NStgid), for --to given as an inode,
pid:[INODE], an nsfs path and another process's PID; a namespace the process is not in or below
(a sibling branch) is exit 1 with one stderr line; --json prints {"pid", "ns", "translated"}."""
import json

import harness as h

# 0 ─┬─ 1 ── 2
#    └─ 3
SPEC = "1(2(1),2)"


def test():
    with h.Fixture(SPEC, prefix="nsvtr") as fx:
        if [len(n["members"]) for n in fx.namespaces] != [1, 2, 1, 2]:
            raise AssertionError("nsfixture built something else than " + SPEC)

        def target(j, form):
            """--to for fixture namespace j (None: the caller's) in one of four forms."""
            ns = fx.caller if j is None else fx.ns(j)
            holder = fx.caller["pid"] if j is None else ns["members"][-1]["pid"]
            return {"inode": str(ns["ino"]), "label": f"pid:[{ns['ino']}]",
                    "path": f"/proc/{holder}/ns/pid", "pid": str(holder)}[form]

        def member(i, k):
            return fx.ns(i)["members"][k]

        forms = ["inode", "label", "path", "pid"]
        cases = []  # (process, target namespace index or None, form)
        deep = member(2, 0)
        for n, j in enumerate([None, 0, 1, 2]):
            cases.append((deep, j, forms[n % 4]))
            cases.append((deep, j, forms[(n + 2) % 4]))
        cases += [(member(1, 1), 0, "pid"), (member(1, 1), 1, "path"),
                  (member(3, 1), 0, "label"), (member(3, 1), 3, "inode"),
                  (member(3, 0), None, "pid")]
        for proc, j, form in cases:
            depth = 0 if j is None else fx.ns(j)["depth"]
            want = proc["nstgid"][depth]
            to = target(j, form)
            out = h.run_tool(["--translate", str(proc["pid"]), "--to", to])
            h.eq(f"--translate {proc['pid']} ({proc['name']}) --to {to}", "output", out,
                 f"{want}\n")

        # JSON: the same answer with the namespace spelled out.
        proc, j = deep, 1
        doc = json.loads(h.run_tool(["--translate", str(proc["pid"]), "--to", target(j, "pid"),
                                     "--json"]))
        ns = fx.ns(j)
        h.eq("--translate --json", "document", doc,
             {"pid": proc["pid"], "ns": {"dev": ns["dev"], "ino": ns["ino"],
                                          "label": f"pid:[{ns['ino']}]"},
               "translated": proc["nstgid"][ns["depth"]]})

        # Not visible: a sibling branch, or below the process's own namespace.
        for proc, j, form in [(member(3, 1), 1, "inode"), (member(3, 1), 2, "pid"),
                              (member(1, 0), 3, "path"), (member(1, 1), 2, "label")]:
            args = ["--translate", str(proc["pid"]), "--to", target(j, form)]
            line, _ = h.run_failure(args)
            if str(proc["pid"]) not in line:
                raise AssertionError(f"{args}: stderr does not name the PID: {line!r}")
            _, out = h.run_failure(args + ["--json"], stdout_empty=False)
            if out and json.loads(out).get("translated") is not None:
                raise AssertionError(f"{args} --json: translated {out}")

        missing = str(h.unused_pid())
        h.run_failure(["--translate", missing, "--to", str(fx.ns(0)["ino"])])
        h.run_failure(["--translate", str(deep["pid"]), "--to", missing])


h.main(test)
