"""Shared harness of the integration tests: real PID namespaces from nsfixture, pidns-tree runs,
a parser for pidns-tree's text output, and one comparison of what pidns-tree shows against what
nsfixture built.

meson passes the binaries in the environment: PIDNS_TREE and NSFIXTURE. Exit 77 means skip.
"""

import json
import random
import os
import re
import resource
import selectors
import shutil
import signal
import string
import subprocess
import sys
import tempfile
import time
import traceback

SKIP = 77
READY_TIMEOUT = 60  # seconds for nsfixture to build its tree
TOOL_TIMEOUT = 60  # seconds for one pidns-tree run

# The one stderr line pidns-tree may print and still succeed: on this kind of host PID 1 denies
# /proc/1/ns/pid even to root.
UNSHOWN_LINE = re.compile(r"^pidns-tree: (\d+ process(es)? placed by inference from (its|their) "
                          r"status \(no ptrace rights to read (its|their) ns/pid\)(; |$))?"
                          r"(\d+ process(es)? not shown: .+)?$")


class Skip(Exception):
    """The environment cannot run this test (exit 77)."""


def binary(var):
    path = os.environ.get(var)
    if not path:
        raise Skip(f"{var} is not set (run through meson test)")
    return path


def main(test):
    """Runs test(); maps Skip to 77 and any other exception to 1, with a traceback."""
    try:
        test()
    except Skip as e:
        print(f"SKIP: {e}")
        sys.exit(SKIP)
    except Exception:  # noqa: BLE001 - report everything, fail the test
        traceback.print_exc()
        sys.exit(1)
    print("OK")
    sys.exit(0)


# ---------------------------------------------------------------------------------------------
# The fixture


def _wrapper():
    """The command prefix that lets nsfixture create PID namespaces, or raises Skip."""
    if os.geteuid() == 0:
        return []
    unshare = shutil.which("unshare")
    if unshare is None:
        raise Skip("not root, and unshare(1) is not installed")
    probe = subprocess.run([unshare, "--user", "--map-root-user", "--", "true"],
                           stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
    if probe.returncode != 0:
        raise Skip("not root, and user namespaces are not available: " + probe.stderr.strip())
    return [unshare, "--user", "--map-root-user", "--"]


def pids(proc="/proc"):
    """The PIDs PROC lists now."""
    return [int(e) for e in os.listdir(proc) if e.isdigit()]


def comm_of(pid, proc="/proc"):
    """The name (bytes) of process PID, or None if it is gone."""
    try:
        with open(f"{proc}/{pid}/comm", "rb") as f:
            return f.read()[:-1]
    except OSError:
        return None


def fixture_processes(prefix):
    """PIDs of live processes whose name is PREFIX<ns>-<member>."""
    pattern = re.compile(re.escape(prefix).encode() + rb"\d+-\d+$")
    return [pid for pid in pids() if pattern.match(comm_of(pid) or b"")]


def processes_named(names, timeout=30):
    """{name: [pids]} of live processes whose comm is one of NAMES (bytes), polling until each
    name has at least one."""
    def found():
        by_name = {n: [] for n in names}
        for pid in pids():
            comm = comm_of(pid)
            if comm in by_name:
                by_name[comm].append(pid)
        return by_name if all(by_name.values()) else None
    return wait_for(f"processes named {names}", found, timeout)


def session_members(sid):
    """PIDs of live (not zombie) processes in session SID."""
    found = []
    for pid in pids():
        try:
            with open(f"/proc/{pid}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2:].split()
        if int(fields[3]) == sid and fields[0] != b"Z":
            found.append(pid)
    return found


class Fixture:
    """A running nsfixture. Use as a context manager: the tree is always torn down on exit, and
    the exit asserts that no process of it survived.

    Attributes after __enter__: data (the fixture's JSON), namespaces (its list), caller (dict),
    prefix, wrapped (True when run in a user namespace as non-root).
    """

    def __init__(self, spec, mount_proc=False, prefix="nsfx", wrapper=None):
        self.spec = spec
        self.mount_proc = mount_proc
        # A command prefix for nsfixture, e.g. ["setpriv", ..., "unshare", "--user", ...]; by
        # default none as root, a user namespace otherwise (see _wrapper()).
        self.wrapper = None if wrapper is None else list(wrapper)
        # Three random letters keep two runs of the same test (two build directories, CI beside a
        # developer) from taking each other's processes for leftovers. Names stay within comm's
        # 15 bytes: "nsfxa" + "abc" + "31-0".
        self.prefix = prefix + "".join(random.choice(string.ascii_lowercase) for _ in range(3))
        self.proc = None
        self.data = None
        self._tmp = None

    def __enter__(self):
        wrapper = _wrapper() if self.wrapper is None else self.wrapper
        self.wrapped = bool(wrapper)
        survivors = fixture_processes(self.prefix)
        if survivors:
            raise AssertionError(f"processes named {self.prefix}* exist before the test: "
                                 f"{survivors}")
        self._tmp = tempfile.TemporaryDirectory(prefix="nsfixture-")
        if self.wrapper is not None:
            os.chmod(self._tmp.name, 0o777)  # the wrapper may drop to another user
        outfile = os.path.join(self._tmp.name, "fixture.json")
        cmd = wrapper + [binary("NSFIXTURE"), "--name-prefix", self.prefix]
        if self.mount_proc:
            cmd.append("--mount-proc")
        cmd += [self.spec, outfile]
        # stdin: a pipe whose EOF ends the fixture. stdout/stderr: our own pipes, never meson's,
        # or meson would wait for the fixture's processes. A session of its own, so that one
        # killpg() reaches everything.
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, start_new_session=True)
        try:
            self._wait_ready()
            with open(outfile, encoding="utf-8") as f:
                self.data = json.load(f)
        except BaseException:
            self._teardown()
            raise
        return self

    def _wait_ready(self):
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        deadline = time.monotonic() + READY_TIMEOUT
        out = b""
        while b"\n" not in out:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"nsfixture {self.spec}: not ready after {READY_TIMEOUT} s")
            if not sel.select(left):
                continue
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                break
            out += chunk
        sel.close()
        if out.split(b"\n")[0] == b"ready":
            return
        rc = self.proc.wait(timeout=30)
        err = self.proc.stderr.read().decode(errors="replace").strip()
        if rc == SKIP:
            raise Skip(f"nsfixture: {err}")
        raise AssertionError(f"nsfixture {self.spec} failed (exit {rc}): {err}")

    def _teardown(self):
        p = self.proc
        if p is None:
            return
        self.proc = None
        try:
            p.stdin.close()  # EOF: the fixture kills and reaps its tree itself
        except OSError:
            pass
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(p.pid, signal.SIGKILL)  # in any case: the whole group
        except ProcessLookupError:
            pass
        p.wait()
        p.stdout.close()
        p.stderr.close()
        if self._tmp is not None:
            self._tmp.cleanup()
        # PR_SET_PDEATHSIG and namespace teardown are asynchronous after a SIGKILL: poll a bit.
        deadline = time.monotonic() + 10
        while True:
            survivors = fixture_processes(self.prefix)
            if not survivors or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        if survivors:
            raise AssertionError(f"fixture processes survived teardown: {survivors}")

    def __exit__(self, exc_type, exc, tb):
        try:
            self._teardown()
        except AssertionError:
            if exc_type is None:
                raise  # report leaks only when the test itself did not fail already
        return False

    @property
    def namespaces(self):
        return self.data["namespaces"]

    @property
    def caller(self):
        return self.data["caller"]

    def ns(self, index):
        return self.data["namespaces"][index]

    def init_pid(self, index):
        return self.ns(index)["members"][0]["pid"]


# ---------------------------------------------------------------------------------------------
# Running pidns-tree


def _limit_fds(limit):
    def apply():
        resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
    return apply


def run_tool(args, prefix=(), fd_limit=None):
    """Runs [*prefix, pidns-tree, *args]; asserts exit 0 and a clean stderr; returns stdout."""
    cmd = list(prefix) + [binary("PIDNS_TREE")] + list(args)
    r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                       timeout=TOOL_TIMEOUT, env=dict(os.environ, NO_COLOR="1"),
                       preexec_fn=_limit_fds(fd_limit) if fd_limit else None)
    if r.returncode != 0:
        raise AssertionError(f"{cmd} exited {r.returncode}; stderr:\n{r.stderr}")
    for line in r.stderr.splitlines():
        if not UNSHOWN_LINE.match(line):
            raise AssertionError(f"{cmd}: unexpected stderr line: {line!r}")
    if not r.stdout:
        raise AssertionError(f"{cmd}: empty output")
    return r.stdout


def run_json(args=(), **kw):
    doc = json.loads(run_tool(["--json", *args], **kw))
    if doc.get("schema") != 2:
        raise AssertionError(f"unexpected JSON schema: {doc.get('schema')!r}")
    return doc


# ---------------------------------------------------------------------------------------------
# Text output

GLYPHS = {"├── ", "└── ", "│   ", "    ", "|-- ", "`-- ", "|   "}
# Strict about the facts, lenient about annotations a line may carry after them (owner, container,
# pins, ...): markers such as "(hidden)", "(current)" and "(init)" are looked for in that tail.
NS_LINE = re.compile(r"^pid:\[(\d+|\?)\] level (\d+), "
                     r"(?:(\d+) process(?:es)?, (\d+) threads?|no (?:visible )?processes)(.*)$")
PROC_LINE = re.compile(r"^(\d+) (.*?)  nstgid=(\d+(?:/\d+)*)(.*)$")
# The one row that stands for a namespace's kernel threads (listed with --kernel-threads).
KTHREADS_LINE = re.compile(r"^(\d+) kernel threads? \(--kernel-threads lists (?:it|them)\)$")
# The first line with --proc, or over a procfs not of pidns-tree's own namespace.
PROCFS_LINE = re.compile(r"^procfs (.+): (?:pid:\[(\d+)\], )?"
                         r"(pidns-tree's own PID namespace|(\d+) levels? (above|below) pidns-tree's "
                         r"own PID namespace|neither above nor below pidns-tree's own PID namespace|"
                         r"a PID namespace that could not be placed)$")


def procfs_header(text):
    """The procfs line that opens TEXT, as {proc, ino, relation, levels}, or None."""
    m = PROCFS_LINE.match(text.split("\n", 1)[0])
    if not m:
        return None
    relation = ("same" if m[3].startswith("pidns-tree's own") else
                "ancestor" if m[5] == "above" else "descendant" if m[5] == "below" else
                "unrelated" if m[3].startswith("neither") else "unknown")
    return {"proc": m[1], "ino": int(m[2]) if m[2] else None, "relation": relation,
            "levels": int(m[4]) if m[4] else 0}


def _without_header(text):
    return text.split("\n", 1)[1] if procfs_header(text) else text


def parse_text(text):
    """pidns-tree's text tree as a list of root dicts: {ino, level, hidden, current,
    process_count, thread_count, kernel_threads (the count of its summary row, or 0),
    processes: [{pid, name, nstgid, init}] (--ptree's subtrees included), children: [...]}.
    A view of parse_rows(), the one parser of the text output."""
    def ns_of(row):
        rows = row["children"]
        return {"ino": row["ino"], "level": row["level"], "hidden": row["hidden"],
                "current": "(current)" in row["tail"], "process_count": row["process_count"],
                "thread_count": row["thread_count"],
                "kernel_threads": sum(c["count"] for c in rows if c["kind"] == "kthreads"),
                "processes": [{"pid": p["pid"], "name": p["name"], "nstgid": p["nstgid"],
                               "init": "(init)" in p["tail"]} for p in all_processes(row)],
                "children": [ns_of(c) for c in rows if c["kind"] == "ns"]}
    return [ns_of(r) for r in parse_rows(text)]


# ---------------------------------------------------------------------------------------------
# Comparing pidns-tree's view with the fixture


def json_key(ns):
    """(dev, ino) of a namespace; for an inferred one (no inode), ("?", its init's PID)."""
    return ("?", ns["init"]) if ns.get("ns_inferred") else (ns["dev"], ns["ino"])


def index_tree(roots, keyed_by_dev=True):
    """{key: node} over a tree from JSON or parse_text(); each node gains "parent_key".
    The key is (dev, ino) for JSON and ino for text."""
    nodes = {}

    def walk(ns, parent_key):
        key = json_key(ns) if keyed_by_dev else ns["ino"]
        if key in nodes:
            raise AssertionError(f"namespace {key} appears twice")
        nodes[key] = dict(ns, parent_key=parent_key)
        for c in ns["children"]:
            walk(c, key)

    for r in roots:
        walk(r, None)
    return nodes


def expected_view(fx, top=None):
    """What a pidns-tree scan of one procfs must show of the fixture.

    top=None: the caller's procfs (pids and nstgid as the caller numbers them). top=i: the
    procfs of fixture namespace i; only i and its descendants are visible, and numbers start at
    namespace i's level. Returns {(dev, ino): {index, parent, level, processes: {pid: {...}}}}
    where level is relative to the scanned procfs's namespace (pidns-tree shifts it by the
    number of namespaces it finds above that one).
    """
    key_of = {n["index"]: (n["dev"], n["ino"]) for n in fx.namespaces}
    index_of = {key: i for i, key in key_of.items()}

    def parent_index(i):
        p = fx.ns(i)["parent"]
        return index_of.get((p["dev"], p["ino"]))

    def below_top(i):
        while i is not None:
            if i == top:
                return True
            i = parent_index(i)
        return False

    visible = [n["index"] for n in fx.namespaces if top is None or below_top(n["index"])]
    base = 0 if top is None else fx.ns(top)["depth"]  # nstgid index of the scanned namespace
    # The view's numbering of each visible process; a parent outside the view reads as PPid 0.
    renumber = {m["pid"]: m["nstgid"][base] for i in visible for m in fx.ns(i)["members"]}
    out = {}
    for i in visible:
        ns = fx.ns(i)
        procs = {}
        for m in ns["members"]:
            nstgid = m["nstgid"][base:]
            ppid = m["ppid"] if top is None else renumber.get(m["ppid"], 0)
            procs[nstgid[0]] = {"name": m["name"], "nstgid": nstgid, "ppid": ppid,
                                "init": m["init"]}
        out[key_of[i]] = {"index": i, "parent": (ns["parent"]["dev"], ns["parent"]["ino"]),
                          "level": ns["depth"] - base, "processes": procs}
    return out


def compare(fx, doc=None, text=None, top=None, level_offset=None, extra_names=(), current=None):
    """Asserts that pidns-tree's JSON document and/or text output shows the fixture's namespaces
    (those visible from the scanned procfs, see expected_view) exactly: parent, level, not
    hidden, members with pid/name/nstgid/ppid(JSON only)/init marker, counts.

    level_offset: the level pidns-tree gives the scanned procfs's namespace, i.e. how many
    namespaces it finds above it; default: the caller's namespace is level 0 (a host, or a
    container whose parent namespaces NS_GET_PARENT may not reveal).
    extra_names: names of processes allowed in addition, e.g. the pidns-tree run itself when it
    runs inside a fixture namespace.
    current: the index of the fixture namespace pidns-tree runs in, if any.
    Returns the indexed nodes (JSON nodes if doc is given) for further checks.
    """
    want = expected_view(fx, top)
    if doc is not None:
        check_summary(doc)
    if level_offset is None:
        level_offset = fx.ns(top)["depth"] if top is not None else 0
    result = None
    for kind, roots in (("json", doc["pidns"] if doc else None),
                        ("text", parse_text(text) if text is not None else None)):
        if roots is None:
            continue
        by_dev = kind == "json"
        nodes = index_tree(roots, keyed_by_dev=by_dev)
        result = result or nodes
        for key, w in want.items():
            k = key if by_dev else key[1]
            where = f"{kind}: fixture namespace {w['index']} (pid:[{key[1]}])"
            got = nodes.get(k)
            if got is None:
                raise AssertionError(f"{where} missing")
            wparent = w["parent"] if by_dev else w["parent"][1]
            if top is not None and w["index"] == top and got["parent_key"] is None:
                pass  # the scanned namespace may be a root (run inside it)
            elif got["parent_key"] != wparent:
                raise AssertionError(f"{where}: parent {got['parent_key']}, want {wparent}")
            _eq(where, "level", got["level"], w["level"] + level_offset)
            _eq(where, "hidden", got["hidden"], False)
            _eq(where, "current", got["current"], w["index"] == current)
            fixture_children = {kk if by_dev else kk[1] for kk, ww in want.items()
                                if ww["parent"] == key}
            got_children = {json_key(c) if by_dev else c["ino"]
                            for c in got["children"]}
            _eq(where, "child namespaces", got_children, fixture_children)

            procs = {p["pid"]: p for p in got["processes"]}
            extra = {pid for pid, p in procs.items()
                     if pid not in w["processes"] and p["name"] in extra_names}
            _eq(where, "member pids", set(procs) - extra, set(w["processes"]))
            _eq(where, "process_count", got["process_count"], len(procs))
            if kind == "json":
                _eq(where, "thread_count", got["thread_count"],
                    sum(p["threads"] for p in got["processes"]))
            else:
                _eq(where, "thread_count", got["thread_count"], len(procs))
            want_init = [pid for pid, p in w["processes"].items() if p["init"]]
            if kind == "json":
                _eq(where, "init", got["init"], want_init[0])
            else:
                _eq(where, "(init) markers", [p["pid"] for p in got["processes"] if p["init"]],
                    want_init)
            for pid, wp in w["processes"].items():
                gp = procs[pid]
                pwhere = f"{where}, pid {pid}"
                _eq(pwhere, "name", gp["name"], wp["name"])
                _eq(pwhere, "nstgid", gp["nstgid"], wp["nstgid"])
                if kind == "json":
                    _eq(pwhere, "ppid", gp["ppid"], wp["ppid"])
                    _eq(pwhere, "threads", gp["threads"], 1)
            if kind == "text" and got["processes"] != sorted(got["processes"],
                                                             key=lambda p: p["pid"]):
                raise AssertionError(f"{where}: processes not sorted by PID")
    return result


def check_summary(doc):
    """The JSON summary agrees with the tree it summarises, and at most one namespace is
    current."""
    nodes = index_tree(doc["pidns"])
    s = doc["summary"]
    _eq("json", "summary.namespaces", s["namespaces"], len(nodes))
    _eq("json", "summary.processes", s["processes"],
        sum(n["process_count"] for n in nodes.values()))
    for n in nodes.values():
        if "processes" in n:  # absent with --no-pids
            _eq(f"json pid:[{n['ino']}]", "process_count", n["process_count"],
                len(n["processes"]))
        _eq(f"json pid:[{n['ino']}]", "hidden", n["hidden"], n["process_count"] == 0)
        if n["parent_key"] is not None:
            _eq(f"json pid:[{n['ino']}]", "level", n["level"], nodes[n["parent_key"]]["level"] + 1)
    current = [k for k, n in nodes.items() if n["current"]]
    if len(current) > 1:
        raise AssertionError(f"json: more than one current namespace: {current}")


def _eq(where, what, got, want):
    if got != want:
        raise AssertionError(f"{where}: {what} is {got!r}, want {want!r}")


# ---------------------------------------------------------------------------------------------
# Helpers of the views tests (test_views*, test_all*, test_translate*, test_container_view*)

# pidns-tree's warning when it shows a forest (namespaces whose parents the kernel hides).
FOREST_LINE = re.compile(r"^pidns-tree: \d+ separate trees: .+$")


README_FENCE = re.compile(r"^([^\n]+)\n\n```sh\n(.*?)\n```$", re.M | re.S)
README_ARG = re.compile(r"--(arg|argjson) (\w+) (\S+)")


def readme_recipes(section, source):
    """{description: command} of README.md's SECTION (up to the next heading), in order: each a
    line, a blank line and a ```sh block whose command starts "SOURCE | jq ". The docs and the
    tests that run them cannot drift apart."""
    path = binary("PIDNS_README")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if section + "\n" not in text:
        raise AssertionError(f"{path}: no '{section}' section")
    body = re.split(r"^##+ ", text.split(section + "\n", 1)[1], flags=re.M)[0]
    found = {m[1].strip(): m[2] for m in README_FENCE.finditer(body)}
    if body.count("```sh") != len(found) or not found:
        raise AssertionError(f"{path}: a ```sh block in '{section}' lacks its one-line "
                             "description (a line, a blank line, the block)")
    for what, cmd in found.items():
        if not cmd.startswith(source + " | jq "):
            raise AssertionError(f"recipe {what!r} does not start '{source} | jq ': {cmd!r}")
    return found


def fill_recipe(what, cmd, values):
    """CMD with the value of each --arg/--argjson NAME replaced by VALUES[NAME]; the recipe must
    use exactly the variables the check provides."""
    import shlex  # pylint: disable=import-outside-toplevel
    names = [m[2] for m in README_ARG.finditer(cmd)]
    if sorted(names) != sorted(values):
        raise AssertionError(f"recipe {what!r}: variables {names}, the test fills "
                             f"{sorted(values)}")
    return README_ARG.sub(lambda m: f"--{m[1]} {m[2]} {shlex.quote(str(values[m[2]]))}", cmd)


def env_under_ptrace():
    """The environment for a pidns-tree run under strace: LeakSanitizer cannot work under ptrace,
    so a sanitized build checks leaks in the other tests, not in this one."""
    env = dict(os.environ)
    env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":detect_leaks=0"
    return env


def run_raw(args, prefix=(), env=None, preexec_fn=None, timeout=TOOL_TIMEOUT, tool=None,
            text=False):
    """Runs [*prefix, pidns-tree (or TOOL), *args] from / with NO_COLOR=1 (plus ENV) and returns
    the CompletedProcess, whatever the exit; bytes unless TEXT."""
    cmd = list(prefix) + [tool or binary("PIDNS_TREE")] + list(args)
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=text,
                          timeout=timeout, env=dict(os.environ, NO_COLOR="1", **(env or {})),
                          preexec_fn=preexec_fn, cwd="/")


def run_any(args, prefix=()):
    """Runs [*prefix, pidns-tree, *args] and returns the CompletedProcess (text), whatever the
    exit."""
    return run_raw(args, prefix, text=True)


def run_failure(args, prefix=(), stdout_empty=True):
    """Asserts that pidns-tree exits 1 with one stderr line that says why (the environment's
    "not shown" summary aside) and, unless stdout_empty is False, nothing on stdout. Returns
    (that line, stdout)."""
    r = run_any(args, prefix)
    cmd = " ".join(list(prefix) + ["pidns-tree"] + list(args))
    if r.returncode != 1:
        raise AssertionError(f"{cmd}: exit {r.returncode}, want 1; stderr:\n{r.stderr}")
    if stdout_empty and r.stdout:
        raise AssertionError(f"{cmd}: stdout not empty:\n{r.stdout}")
    lines = [ln for ln in r.stderr.splitlines() if not UNSHOWN_LINE.match(ln)]
    if len(lines) != 1 or not lines[0].startswith("pidns-tree: "):
        raise AssertionError(f"{cmd}: want one 'pidns-tree: ...' stderr line, got {lines!r}")
    return lines[0], r.stdout


def run_lenient(args, prefix=()):
    """Like run_tool(), but also accepts the forest warning on stderr (a container view where
    other tests' namespaces cannot be placed). Returns stdout."""
    r = run_any(args, prefix)
    if r.returncode != 0:
        raise AssertionError(f"{args} exited {r.returncode}; stderr:\n{r.stderr}")
    for line in r.stderr.splitlines():
        if not UNSHOWN_LINE.match(line) and not FOREST_LINE.match(line):
            raise AssertionError(f"{args}: unexpected stderr line: {line!r}")
    return r.stdout


class Background:
    """A helper process in a session of its own, talking line by line over pipes; SIGKILLed
    (its whole process group) on close() or on leaving the with block."""

    def __init__(self, cmd):
        self._err = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self._err, start_new_session=True)
        self.pid = self.proc.pid

    def readline(self, timeout=30):
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        ready = sel.select(timeout)
        sel.close()
        line = self.proc.stdout.readline().decode(errors="replace") if ready else ""
        if not line:
            self._err.seek(0)
            err = self._err.read().decode(errors="replace")
            raise AssertionError(f"{self.proc.args}: no output (exit {self.proc.poll()}): {err}")
        return line.rstrip("\n")

    def send(self, line):
        self.proc.stdin.write(line.encode() + b"\n")
        self.proc.stdin.flush()

    def close(self):
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait()
        self.proc.stdin.close()
        self.proc.stdout.close()
        self._err.close()
        self.proc = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def key(ns):
    """(dev, ino) of a namespace dict from nsfixture's or pidns-tree's JSON."""
    return json_key(ns)


def subtree(fx, index):
    """Indices of fixture namespace `index` and of every namespace below it, in pre-order."""
    out = [index]
    for n in fx.namespaces:
        if key(n["parent"]) == key(fx.ns(index)):
            out += subtree(fx, n["index"])
    return out


def ancestors(fx, index):
    """Indices of the fixture namespaces above `index`, nearest first."""
    index_of = {key(n): n["index"] for n in fx.namespaces}
    out = []
    i = index_of.get(key(fx.ns(index)["parent"]))
    while i is not None:
        out.append(i)
        i = index_of.get(key(fx.ns(i)["parent"]))
    return out


def walk(roots):
    """(node, parent node or None) for every namespace of a JSON tree, parents first."""
    todo = [(r, None) for r in reversed(roots)]
    while todo:
        node, parent = todo.pop()
        yield node, parent
        todo.extend((c, node) for c in reversed(node["children"]))


# An ANSI SGR sequence: the only escape pidns-tree itself writes (--color).
SGR = re.compile(rb"\x1b\[[0-9;]*m")


def json_nodes(doc_roots):
    """{(dev, ino): node} over pidns-tree's JSON namespaces; each node gains "parent_key"."""
    return index_tree(doc_roots)


TEXT_CUT = re.compile(r"^(?:…|\.\.\.) (\d+) namespaces? with (\d+) process(?:es)? below "
                      r"\(--max-depth (\d+)\)$")


def parse_rows(text):
    """pidns-tree's text output as a tree of rows, keeping every annotation: a list of roots,
    each {kind: "ns"|"proc"|"cut"|"kthreads", line, tail, children: [...]} plus, for "ns": ino,
    level, hidden, process_count, thread_count; "proc": pid, name, nstgid; "cut": namespaces,
    processes, max_depth; "kthreads": count. A row's parent is the nearest row above it one level less deep, so
    --ptree's process trees parse too."""
    roots, stack = [], []
    for number, line in enumerate(_without_header(text).splitlines(), 1):
        depth, rest = 0, line
        while rest[:4] in GLYPHS:
            depth, rest = depth + 1, rest[4:]
        if depth > len(stack):
            raise AssertionError(f"text line {number}: bad indentation: {line!r}")
        m = NS_LINE.match(rest)
        if m:
            if ("(hidden)" in m[5]) != (m[3] is None):
                raise AssertionError(f"text line {number}: hidden with processes, or not hidden "
                                     f"without: {line!r}")
            # An inferred namespace has no inode: it is keyed "?INIT" by its init's PID.
            inferred = re.search(r"^, init (\d+)", m[5]) if m[1] == "?" else None
            row = {"kind": "ns", "ino": f"?{inferred[1]}" if inferred else int(m[1]),
                   "level": int(m[2]),
                   "hidden": m[3] is None, "process_count": int(m[3] or 0),
                   "thread_count": int(m[4] or 0), "tail": m[5]}
        elif (m := PROC_LINE.match(rest)):
            row = {"kind": "proc", "pid": int(m[1]), "name": m[2],
                   "nstgid": [int(x) for x in m[3].split("/")], "tail": m[4]}
        elif (m := TEXT_CUT.match(rest)):
            row = {"kind": "cut", "namespaces": int(m[1]), "processes": int(m[2]),
                   "max_depth": int(m[3]), "tail": ""}
        elif (m := KTHREADS_LINE.match(rest)):
            row = {"kind": "kthreads", "count": int(m[1]), "tail": ""}
        else:
            raise AssertionError(f"text line {number}: not a namespace, process or cut row: "
                                 f"{line!r}")
        if depth == 0 and row["kind"] != "ns":
            raise AssertionError(f"text line {number}: a top row that is not a namespace")
        row.update(line=line, children=[])
        del stack[depth:]
        (stack[-1]["children"] if stack else roots).append(row)
        stack.append(row)
    return roots


def text_namespaces(rows):
    """{ino: ns row} over parse_rows()'s tree; each row gains "parent_ino"."""
    out = {}

    def walk(row, parent):
        if row["kind"] == "ns":
            if row["ino"] in out:
                raise AssertionError(f"text: pid:[{row['ino']}] appears twice")
            row["parent_ino"] = parent
            out[row["ino"]] = row
            parent = row["ino"]
        for c in row["children"]:
            walk(c, parent)

    for r in rows:
        walk(r, None)
    return out


def direct_processes(ns_row):
    """The process rows directly under a namespace row (not those of --ptree subtrees)."""
    return [c for c in ns_row["children"] if c["kind"] == "proc"]


def all_processes(ns_row):
    """Every process row of a namespace row, --ptree subtrees included."""
    out = []

    def walk(row):
        for c in row["children"]:
            if c["kind"] == "proc":
                out.append(c)
                walk(c)

    walk(ns_row)
    return out


def status_fields(pid, proc="/proc"):
    """{key: value} of /proc/PID/status."""
    out = {}
    with open(f"{proc}/{pid}/status", encoding="utf-8", errors="replace") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return out


def kernel_thread_pids(proc="/proc"):
    """PIDs of the kernel threads in PROC, told apart as the kernel tells them: "Kthread: 1" where
    status has that line; else no VmSize line, not a zombie or dead, and PPid 0 or 2."""
    out = set()
    for entry in os.listdir(proc):
        if not entry.isdigit():
            continue
        try:
            f = status_fields(entry, proc)
        except OSError:
            continue
        if "Kthread" in f:
            kernel = f["Kthread"] == "1"
        else:
            kernel = ("VmSize" not in f and f.get("State", "")[:1] not in ("Z", "X")
                      and f.get("PPid") in ("0", "2"))
        if kernel:
            out.add(int(entry))
    return out


def stat_ns(path):
    """(dev, ino) of an nsfs file."""
    st = os.stat(path)
    return (st.st_dev, st.st_ino)


def wait_for(what, predicate, timeout=20):
    """Polls predicate() until it returns a true value, which it returns."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def child_pids(pid):
    """The children of process PID (all its threads'), from /proc/PID/task/*/children."""
    out = []
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/children", encoding="ascii") as f:
                out += [int(x) for x in f.read().split()]
    except OSError:
        pass
    return sorted(out)


def unused_pid():
    """A PID that no process has now: the highest free one below pid_max."""
    with open("/proc/sys/kernel/pid_max", encoding="ascii") as f:
        pid = int(f.read()) - 1
    while os.path.exists(f"/proc/{pid}"):
        pid -= 1
    return pid
