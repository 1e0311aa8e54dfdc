"""The checks of the old-kernel suite: each pidns-tree output of the VM against the truth.

Checker walks every run the guest made (guest.sh): snapshot modes through NodeCheck (one
namespace of one run: the Want of expect.py against the Got of outputs.py), --translate, and
--watch through WatchCheck. A finding is one line naming the run, the namespace and the field;
all of them are collected, not only the first.
"""

import json
import re

from . import expect, outputs
from .truth import NOBODY, stable_name

INFERENCE_LINE = re.compile(r"^pidns-tree: (\d+) process(es)? placed by inference from (its|their) "
                            r"status \(no ptrace rights to read (its|their) ns/pid\)$")

# name -> (format, options). Each runs as root and as nobody (guest.sh).
MODES = {
    "text": ("text", set()),
    "json": ("json", set()),
    "nopids": ("text", {"nopids"}),
    "nopids-json": ("json", {"nopids"}),
    "jobs1-json": ("json", set()),
    "nopids-jobs1-json": ("json", {"nopids"}),
    "kthreads": ("text", {"kthreads"}),
    "all": ("text", {"all"}),
    "all-json": ("json", {"all"}),
    "owner": ("text", {"owner"}),
    "ptree": ("text", {"ptree"}),
    "ptree-json": ("json", {"ptree"}),
    "dot": ("dot", set()),
}


class Checker:
    """Collects findings: one line each, naming the run, the namespace and the field."""

    def __init__(self, records, truth, release):
        self.records = records
        self.truth = truth
        self.release = release
        self.findings = []
        self.pids = {p.name: p.pid for p in truth.stable.values() if re.match(r"nsfx|nbdy", p.name)}
        version = records["uname"].decode().split(".")
        self.has_ns_id = (int(version[0]), int(version[1])) >= (6, 18)

    def fail(self, run, what):
        self.findings.append(f"{run}: {what}")

    def run_output(self, run):
        r = self.records
        rc = int(r[f"run.{run}.rc"].decode())
        return rc, r[f"run.{run}.out"], r[f"run.{run}.err"].decode()

    def expect_status(self, run, rc, err, want_rc=0):
        """Exit status, and no stderr line but the inference summary (nobody's)."""
        if rc != want_rc:
            self.fail(run, f"exit status {rc}, expected {want_rc}; stderr: {err.strip()!r}")
        inferred = None
        for line in err.splitlines():
            m = INFERENCE_LINE.match(line)
            if m and run.endswith(".nobody"):
                inferred = int(m.group(1))
            elif want_rc == 0:
                self.fail(run, f"unexpected stderr line {line!r}")
        return inferred

    # -----------------------------------------------------------------------------------------
    # Snapshots: every mode, both viewers

    def check_modes(self):
        for name, (fmt, opts) in MODES.items():
            for viewer in ("root", "nobody"):
                self.check_tree(f"{name}.{viewer}", fmt, opts, viewer)
        self.check_tree("proc.root", "text", {"proc"}, "root", self.pids["nsfx1-0"])
        self.check_tree("proc-json.root", "json", {"proc"}, "root", self.pids["nsfx1-0"])
        self.check_tree("proc-json.nobody", "json", {"proc"}, "nobody", self.pids["nbdy0-0"])
        self.check_sources()

    def check_tree(self, run, fmt, opts, viewer, procfs_pid=None):
        rc, out, err = self.run_output(run)
        inferred = self.expect_status(run, rc, err)
        if rc != 0:
            return
        if procfs_pid is not None and fmt == "text":
            first, _, rest = out.partition(b"\n")
            self.check_procfs_line(run, first.decode(), procfs_pid)
            out = rest
        try:
            gots = outputs.parse(fmt, out)
        except (AssertionError, ValueError, KeyError, json.JSONDecodeError) as e:
            self.fail(run, f"output not understood: {e}")
            return
        wants = expect.view(self.truth, viewer, procfs_pid, "all" in opts)
        missing = sorted(set(wants) - set(gots))
        extra = sorted(set(gots) - set(wants))
        for key in missing:
            self.fail(run, f"{wants[key].label} ({key}) is missing")
        for key in extra:
            self.fail(run, f"{gots[key].label} ({key}) is shown but does not exist")
        for key in sorted(set(wants) & set(gots)):
            NodeCheck(self, run, fmt, opts, wants[key], gots[key]).check()
        if fmt == "json":
            self.check_document(run, json.loads(out), gots, inferred, viewer, procfs_pid)

    def check_sources(self):
        """--source bpf: on Linux 5.17 and later, procfs's tree (and the truth); before, one line
        that names the kernel. The two runs differ in their own PID (their rows are left out of
        the comparison; the counts hold one each) and in what workqueue workers work on, which
        their names end with."""
        rc, out, err = self.run_output("source-bpf.root")
        version = self.records["uname"].decode().split(".")
        if (int(version[0]), int(version[1])) < (5, 17):
            want = "pidns-tree: --source bpf: Linux 5.17 or later needed"
            if rc != 1 or not err.startswith(want) or len(err.splitlines()) != 1 or out:
                self.fail("source-bpf.root", f"exit {rc}, stderr {err!r}: expected 1, {want!r}")
            return
        self.check_tree("source-bpf.root", "json", set(), "root")
        self.check_tree("source-procfs.root", "json", set(), "root")
        if rc != 0 or self.run_output("source-procfs.root")[0] != 0:
            return  # check_tree said why
        def tree(doc):
            todo = list(doc["pidns"])
            while todo:
                node = todo.pop()
                node["processes"] = [p for p in node["processes"] if p["name"] != "pidns-tree"]
                for p in node["processes"]:  # a workqueue worker's name follows its work
                    if p.get("kernel_thread") and p["name"].startswith("kworker/"):
                        p["name"] = p["name"].split("-")[0]
                todo.extend(node["children"])
            return doc["pidns"]
        bpf, procfs = tree(json.loads(out)), tree(json.loads(self.run_output("source-procfs.root")[1]))
        if bpf != procfs:
            self.fail("source-bpf.root", f"the tree differs from --source procfs's: "
                      f"{json.dumps(bpf)[:1500]} against {json.dumps(procfs)[:1500]}")

    def check_procfs_line(self, run, line, procfs_pid):
        ns = self.truth.stable[procfs_pid].ns
        levels = self.truth.namespaces[ns].level
        want = f"pid:[{ns[1]}], {levels} levels below pidns-tree's own PID namespace"
        if not (line.startswith("procfs ") and line.endswith(want)):
            self.fail(run, f"first line {line!r}, expected one ending {want!r}")

    def check_document(self, run, doc, gots, inferred, viewer, procfs_pid):
        s = doc["summary"]
        shown = sum(g.process_count for g in gots.values())
        want = {"namespaces": len(gots), "processes": shown, "inaccessible": 0, "tops": 1,
                "malformed": 0}
        for k, v in want.items():
            if s[k] != v:
                self.fail(run, f"summary.{k} is {s[k]}, expected {v}")
        if viewer == "nobody" and procfs_pid is None and s["inferred"] != inferred:
            self.fail(run, f"summary.inferred {s['inferred']}, stderr says {inferred}")
        if viewer == "root" and s["inferred"] != 0:
            self.fail(run, f"summary.inferred is {s['inferred']} for root")
        if procfs_pid is not None:
            ns = self.truth.stable[procfs_pid].ns
            want = {"ns": {"dev": ns[0], "ino": ns[1]}, "relation": "descendant",
                    "levels": self.truth.namespaces[ns].level}
            if doc["procfs"] != want:
                self.fail(run, f"procfs is {doc['procfs']}, expected {want}")

    # -----------------------------------------------------------------------------------------
    # --translate

    def check_translate(self):
        t = self.truth
        u2, p1, p2 = self.pids["nbdy0-1"], self.pids["nsfx1-0"], self.pids["nsfx2-0"]
        u_ns, ns1 = t.stable[self.pids["nbdy0-0"]].ns, t.stable[p1].ns
        in_u = t.stable[u2].nstgid[t.namespaces[u_ns].level]
        in_ns1 = t.stable[p2].nstgid[t.namespaces[ns1].level]
        for viewer in ("root", "nobody"):
            self.check_translated(f"translate-pid.{viewer}", str(in_u))
            self.check_translated(f"translate-ns.{viewer}", (u2, u_ns, in_u))
        self.check_translated("translate-fx-ns.root", str(in_ns1))
        self.check_translated("translate-fx-pid.root", (p2, ns1, in_ns1))
        self.check_translated("translate-fx-pid.nobody", str(in_ns1))
        run = "translate-fx-not.root"
        rc, out, err = self.run_output(run)
        ns3 = t.stable[self.pids["nsfx3-0"]].ns
        self.expect_status(run, rc, err, want_rc=1)
        if out or f"is not visible in pid:[{ns3[1]}]" not in err:
            self.fail(run, f"expected no output and a 'not visible' error, got {out!r} {err!r}")

    def check_translated(self, run, want):
        rc, out, err = self.run_output(run)
        self.expect_status(run, rc, err)
        if isinstance(want, str):
            if out.decode() != want + "\n":
                self.fail(run, f"printed {out.decode()!r}, expected {want!r}")
            return
        pid, ns, translated = want
        doc_want = {"pid": pid, "ns": {"dev": ns[0], "ino": ns[1], "label": f"pid:[{ns[1]}]"},
                    "translated": translated}
        try:
            doc = json.loads(out)
        except json.JSONDecodeError as e:
            doc = f"not JSON ({e})"
        if doc != doc_want:
            self.fail(run, f"printed {doc}, expected {doc_want}")

    # -----------------------------------------------------------------------------------------
    # --watch

    def check_watches(self):
        r = self.records
        pids = r["watch.pids"].decode().split()
        kinds = dict(zip(pids[1::2], pids[0::2]))
        fixtures = [json.loads(r["fixture.watch-root"]), json.loads(r["fixture.watch-nobody"])]
        for kind, viewer, first in (
                ("connector", "root", "pidns-tree: watching the kernel's process events "
                                      "(proc connector)"),
                ("rescan", "root", "pidns-tree: watching by rescanning /mnt/proc2 every 0.2 s "
                                   "(no proc connector: --proc is not /proc"),
                ("nobody", "nobody", "pidns-tree: watching by rescanning /proc every 0.2 s "
                                     "(no proc connector: no CAP_NET_ADMIN)")):
            WatchCheck(self, f"watch.{kind}", viewer, first, fixtures,
                       int(r[f"watch.rc.{kinds[kind]}"].decode())).check()

    # -----------------------------------------------------------------------------------------
    # What this kernel lacks: the suite tests the fallbacks only if the fast paths are missing.

    def check_kernel(self):
        uname = self.records["uname"].decode().strip()
        if not uname.startswith(self.release + "."):
            self.fail("kernel", f"the VM runs {uname}, not {self.release}")
        if b"Kthread:" in self.records["before.status"]:
            self.fail("kernel", "its status files have a Kthread: line; the fallback is not tested")


class NodeCheck:
    """One namespace of one run: the Want against the Got."""

    def __init__(self, checker, run, fmt, opts, want, got):
        self.c, self.run, self.fmt, self.opts, self.w, self.g = checker, run, fmt, opts, want, got
        self.truth = checker.truth

    def fail(self, what):
        self.c.fail(self.run, f"{self.w.label} ({self.w.key}): {what}")

    def same(self, field, got, want, carried=False):
        """GOT against WANT; None means the format does not carry it, unless CARRIED."""
        if (carried or got is not None) and got != want:
            self.fail(f"{field} is {got!r}, expected {want!r}")

    def check(self):
        w, g = self.w, self.g
        self.same("label", g.label, w.label, carried=True)
        self.same("level", g.level, w.level, carried=True)
        self.same("parent", g.parent, w.parent, carried=True)
        self.same("inferred", g.inferred, w.inferred)
        self.same("hidden", g.hidden, w.hidden)
        self.same("current", g.current, w.current)
        if self.fmt == "json" or w.inferred:
            self.same("init", g.init, w.init, carried=self.fmt == "json")
        if g.owner != "unknown" and (self.fmt == "json" or "owner" in self.opts):
            self.same("owner", g.owner, w.owner)
        if g.unique_id and not self.c.has_ns_id:
            self.fail("has an NS_GET_ID id on a kernel without NS_GET_ID")
        if self.fmt == "json":
            self.same("dev", g.dev, None if w.inferred else w.nid[0])
            self.same("all_members_seen", g.all_members_seen, not (w.hidden and not w.pins))
        if "all" in self.opts and g.pins is not None:
            self.check_pins()
        if "nopids" in self.opts:
            self.check_counts_only()
        else:
            self.check_members()

    def check_pins(self):
        def norm(pins):  # a bind mount is named with any process of its mount namespace
            return sorted((k, None if k == "mount" else pid, d) for k, pid, d in pins)
        self.same("pins", norm(self.g.pins), norm(self.w.pins))

    def summarised(self):
        """Kernel threads are counted in one line in text and DOT, unless -k."""
        return self.fmt in ("text", "dot") and "kthreads" not in self.opts

    def check_counts_only(self):
        w, g = self.w, self.g
        if g.members:
            self.fail(f"lists {len(g.members)} processes with --no-pids")
        want_p = len(w.members)
        want_t = sum(p.threads for p in w.members.values())
        if not w.open:
            self.same("process_count", g.process_count, want_p, carried=True)
            self.same("thread_count", g.thread_count, want_t, carried=True)
            return
        # Its own namespace: also pidns-tree, what started it, and kernel workers that come
        # and go.
        slack = len(self.truth.transient_kthreads()) + 2
        if not want_p + 1 <= g.process_count <= want_p + 1 + slack:
            self.fail(f"process_count {g.process_count}, expected {want_p + 1} "
                      f"(+{slack} transient)")

    def check_members(self):
        w, g = self.w, self.g
        got = g.members or {}
        listed = {pid: p for pid, p in w.members.items()
                  if not (self.summarised() and p.kthread)}
        for pid in sorted(set(listed) - set(got)):
            self.fail(f"process {pid} ({listed[pid].name}) is missing")
        extra = sorted(set(got) - set(listed))
        if w.open:
            extra = self.unexplained(extra, got)
        for pid in extra:
            self.fail(f"process {pid} ({got[pid].name}) is shown but is not a member")
        for pid in sorted(set(listed) & set(got)):
            self.check_proc(listed[pid], got[pid])
        self.check_member_counts(listed, got)
        if "ptree" in self.opts:
            self.check_ptree(got)
        if "all" in self.opts and w.open and self.run.endswith(".root"):
            self.check_children_ns(got)

    def unexplained(self, extra, got):
        """Processes of pidns-tree's own namespace that the truth does not have: allowed are
        pidns-tree itself, the su that runs it for nobody, and kernel workers that come and
        go; one pidns-tree exactly."""
        own = [pid for pid in extra if got[pid].name == "pidns-tree"]
        if len(own) != 1:
            self.fail(f"{len(own)} pidns-tree processes in its own namespace, expected 1")
        transient = self.truth.transient_kthreads()
        allowed = {"pidns-tree"} | ({"su", "sh"} if self.run.endswith(".nobody") else set())
        return [pid for pid in extra if got[pid].name not in allowed and pid not in transient
                and not (got[pid].kthread and got[pid].ppid == 2)]

    def check_proc(self, want, got):
        where = f"process {want.pid} ({want.name})"
        pairs = [("name", stable_name(got.name), stable_name(want.name)),
                 ("nstgid", got.nstgid, want.nstgid),
                 ("ppid", got.ppid, want.ppid), ("uid", got.uid, want.uid),
                 ("threads", got.threads, want.threads), ("kernel_thread", got.kthread,
                                                          want.kthread)]
        for field, g, wv in pairs:
            if g is not None and g != wv:
                self.fail(f"{where}: {field} is {g!r}, expected {wv!r}")
        init = want.nstgid[-1] == 1
        if got.init_mark is not None and got.init_mark != init:
            self.fail(f"{where}: (init) mark is {got.init_mark}, expected {init}")

    def check_member_counts(self, listed, got):
        w, g = self.w, self.g
        kthreads = sorted(pid for pid, p in w.members.items() if p.kthread)
        if self.summarised() and kthreads:
            lo, hi = len(kthreads), len(kthreads) + len(self.truth.transient_kthreads())
            if g.kthread_summary is None or not lo <= g.kthread_summary <= hi:
                self.fail(f"{g.kthread_summary} kernel threads counted, expected {lo}..{hi}")
        elif g.kthread_summary is not None:
            self.fail(f"counts {g.kthread_summary} kernel threads in one line")
        if not w.open:
            self.same("process_count", g.process_count, len(w.members), carried=True)
            self.same("thread_count", g.thread_count, sum(p.threads for p in w.members.values()),
                      carried=True)
            return
        shown = len(got) + (g.kthread_summary or 0)
        self.same("process_count (its own lines)", g.process_count, shown, carried=True)
        if self.fmt == "json":
            self.same("thread_count (its processes' threads)", g.thread_count,
                      sum(p.threads for p in got.values()))

    def check_ptree(self, got):
        """Each process drawn under its parent, if that parent is in the same namespace."""
        for pid, p in got.items():
            ppid = p.ppid if p.ppid is not None else \
                self.w.members[pid].ppid if pid in self.w.members else None
            if ppid is None:
                continue
            want = ppid if ppid in got else None
            if p.tree_parent != want:
                self.fail(f"--ptree draws {pid} ({p.name}) under {p.tree_parent}, "
                          f"its parent is {ppid}")

    def check_children_ns(self, got):
        for pid, nid in self.truth.children_ns.items():
            c = got[pid].children_ns if pid in got else None
            if c is None or c[1] != nid[1] or c[0] not in (None, nid[0]):
                self.fail(f"process {pid}: children_ns {c}, expected {nid}")
        pending = self.truth.pending
        if pending in got and got[pending].children_ns != "pending":
            self.fail(f"process {pending}: children_ns {got[pending].children_ns!r}, "
                      "expected pending")


class WatchCheck:
    """One --watch run: the namespaces there at its start, then exactly the ones created and
    killed meanwhile, each created once and gone once, as the viewer can name them."""

    def __init__(self, checker, run, viewer, first_line, fixtures, rc):
        self.c, self.run, self.viewer, self.first = checker, run, viewer, first_line
        self.polls = run != "watch.connector"  # rescans, not the kernel's events
        self.fixtures, self.rc = fixtures, rc

    def fail(self, what):
        self.c.fail(self.run, what)

    def check(self):
        r = self.c.records
        err = r[f"{self.run}.err"].decode().splitlines()
        if self.rc != 0:
            self.fail(f"exit status {self.rc} after SIGTERM, expected 0")
        if not err or not err[0].startswith(self.first):
            self.fail(f"first stderr line {err[:1]}, expected one starting {self.first!r}")
        for line in err[1:]:
            if not (self.viewer == "nobody" and INFERENCE_LINE.match(line)):
                self.fail(f"unexpected stderr line {line!r}")
        try:
            events = [json.loads(line) for line in r[f"{self.run}.out"].decode().splitlines()]
        except json.JSONDecodeError as e:
            self.fail(f"not JSON Lines: {e}")
            return
        threaded = self.threaded()
        self.check_exists([e for e in events if e["event"] == "exists"])
        self.check_changes([e for e in events if e["event"] != "exists" and
                            self.ident(e["ns"], e["init"]) not in threaded])
        self.check_threaded(threaded, [e for e in events if e["event"] != "exists" and
                                       self.ident(e["ns"], e["init"]) in threaded])

    def ident(self, event_ns, init):
        if event_ns is None:
            return None
        return ("ns", event_ns["ino"]) if event_ns["ino"] is not None else ("inferred", init)

    def check_exists(self, events):
        wants = {k: w for k, w in expect.view(self.c.truth, self.viewer).items()
                 if w.members}
        got = {}
        for e in events:
            got[self.ident(e["ns"], e["init"])] = e
        for key in sorted(set(wants) - set(got)):
            self.fail(f"no exists event for {wants[key].label} {key}")
        for key in sorted(set(got) - set(wants)):
            self.fail(f"exists event for {key}, which is not a namespace with processes")
        for key in sorted(set(wants) & set(got)):
            w, e = wants[key], got[key]
            init_name = self.c.truth.stable[w.init].name if w.init else None
            parent = e["parent"] and self.ident(e["parent"], e["parent"].get("init"))
            for field, g, wv in (("level", e["level"], w.level), ("init", e["init"], w.init),
                                 ("init_name", e["init_name"], init_name),
                                 ("label", e["label"], w.label), ("parent", parent, w.parent)):
                if g != wv:
                    self.fail(f"exists {key}: {field} is {g!r}, expected {wv!r}")

    def created_wanted(self):
        """key -> (level, parent key, init PID, init names allowed) of every namespace made
        during the watch, as this viewer names it: nobody's own by inode, root's inferred by its
        init. The init's name is the one nsfixture gives it; a rescan (it polls) may meet the
        init between its clone and that prctl(PR_SET_NAME), under its parent's name."""
        wanted = {}
        for doc, owner in zip(self.fixtures, ("root", NOBODY)):
            keys, init_names = {}, {}
            for ns in doc["namespaces"]:
                init = ns["members"][0]
                named = self.viewer == "root" or owner == NOBODY
                keys[(ns["dev"], ns["ino"])] = ("ns", ns["ino"]) if named else \
                    ("inferred", init["pid"])
                init_names[(ns["dev"], ns["ino"])] = init["name"]
            for ns in doc["namespaces"]:
                init = ns["members"][0]
                parent = (ns["parent"]["dev"], ns["parent"]["ino"])
                pkey = keys.get(parent, ("ns", parent[1]))
                names = {init["name"]}
                if self.polls:
                    names.add(init_names.get(parent, "nsfixture"))
                wanted[keys[(ns["dev"], ns["ino"])]] = (ns["depth"], pkey, init["pid"], names)
        return wanted

    def threaded(self):
        """key -> (what, level, parent key, init PID, init names allowed, least lived_ms) of the
        namespaces of the inits with a second thread (guest.sh): the leader's, which lived a
        second past its main thread's exit, the one below it, and the one whose second thread
        exec'd sleep at once (a rescan may see it before the exec, named as thread_init named it,
        or even before that, by its program's name)."""
        ns = {}
        for line in self.c.records["thread.ns"].decode().splitlines():
            what, pid, ino = line.split()
            ns[what] = (int(pid), int(ino))

        def key(what):
            pid, ino = ns[what]
            return ("ns", ino) if self.viewer == "root" else ("inferred", pid)

        host = ("ns", self.c.truth.top[1])
        return {key("leader"): ("leader", 1, host, ns["leader"][0], {"wthr"}, 1800),
                key("below"): ("below", 2, key("leader"), ns["below"][0], {"wthrc"}, 1800),
                key("exec"): ("exec", 1, host, ns["exec"][0], {"sleep", "wthe", "thread_init"}, 800)}

    def check_threaded(self, wanted, events):
        seen = {}
        for e in events:
            key = self.ident(e["ns"], e["init"])
            what, level, parent, init, names, least = wanted[key]
            seen.setdefault(what, []).append(e["event"])
            got_parent = e["parent"] and self.ident(e["parent"], e["parent"].get("init"))
            if (e["level"], got_parent, e["init"]) != (level, parent, init) or \
                    e["init_name"] not in names:
                self.fail(f"{e['event']} of the {what} threaded init's namespace: (level, "
                          f"parent, init, init_name) {(e['level'], got_parent, e['init'])} "
                          f"{e['init_name']!r}, expected {(level, parent, init)} in {names}")
            if e["event"] == "gone" and e["lived_ms"] < least:
                self.fail(f"the {what} threaded init's namespace: gone after {e['lived_ms']} ms "
                          f"(its last thread lived at least {least} ms)")
        for what, *_ in wanted.values():
            if seen.get(what) != ["created", "gone"]:
                self.fail(f"the {what} threaded init's namespace: events {seen.get(what)}, "
                          "expected created then gone")

    def check_changes(self, events):
        wanted = self.created_wanted()
        seen = {}
        for e in events:
            if e["event"] not in ("created", "gone"):
                self.fail(f"unexpected {e['event']} event: {e}")
                continue
            key = self.ident(e["ns"], e["init"])
            if key not in wanted:
                self.fail(f"{e['event']} event for {key}, which was not made during the watch")
                continue
            seen.setdefault(key, []).append(e["event"])
            level, parent, init, names = wanted[key]
            got_parent = e["parent"] and self.ident(e["parent"], e["parent"].get("init"))
            got = (e["level"], got_parent, e["init"])
            if got != (level, parent, init) or e["init_name"] not in names:
                self.fail(f"{e['event']} {key}: (level, parent, init, init_name) {got} "
                          f"{e['init_name']!r}, expected {(level, parent, init)} in {names}")
            if e["event"] == "gone" and e.get("lived_from") != "created":
                self.fail(f"gone {key}: lived_from {e.get('lived_from')!r}, expected created")
        for key in wanted:
            if seen.get(key) != ["created", "gone"]:
                self.fail(f"{key}: events {seen.get(key)}, expected created then gone")
