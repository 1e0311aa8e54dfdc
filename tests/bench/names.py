#!/usr/bin/env python3
"""bench/names.py: what container names cost, before and after, on this host.

    PYTHONPATH=tests tests/bench/names.py [--base COMMIT] [--containers N] [--processes N]
                                          [--runs N] [--out DIR]

Run by hand as root, never by CI, from the top of the checkout (the test harness, tests/harness,
on PYTHONPATH); needs strace, dockerd, runc and busybox-static.
Builds this checkout as a release binary in --out (default /tmp/pidns-bench-names), and with
--base also COMMIT's, from `git archive`, so the checkout is not touched. Then, on this host:

  1. without engines: `pidns-tree --host-root EMPTY` (an empty directory: labels without names),
     `pidns-tree` (names looked up below /), and the same with --json;
  2. with a private dockerd (tests/harness/engines.py) running N containers (default 100) of an
     image imported from busybox-static, each with a name and compose labels and --processes
     processes (default 1, all sleep; a container's shim is one more on the host): the same
     commands, so the second reads every container's config.v2.json and the first finds none.
The first row is the reference: `names` / `--host-root EMPTY` is what names cost. --base adds
that commit's `pidns-tree` and `pidns-tree --json` to both tables (e.g. the commit before names).

The commands take turns run by run (A B C A B C ..., after 5 warm-up rounds), each timed by wall
clock and by its CPU time from wait4(2), output to /dev/null; medians are reported. (hyperfine
runs all of A, then all of B: on a shared machine the load drifts between them.) Each command's
system calls are counted once by strace -f -c. Everything started is stopped at the end,
on error and on Ctrl-C. Prints a Markdown table per scenario, and writes every run's times as JSON.
"""

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

try:
    from harness import engines
except ImportError:
    sys.exit("bench/names: the test harness is not on PYTHONPATH: run "
             "PYTHONPATH=tests tests/bench/names.py from the top of the checkout")

SOURCE_ROOT = Path(__file__).resolve().parents[2]


def die(message):
    print(f"bench/names: {message}", file=sys.stderr)
    sys.exit(1)


def build(source, build_dir):
    if not (build_dir / "build.ninja").exists():
        subprocess.run(["meson", "setup", str(build_dir), str(source), "--buildtype=release",
                        "-Dtests=disabled"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["meson", "compile", "-C", str(build_dir), "src/pidns-tree"], check=True,
                   stdout=subprocess.DEVNULL)
    return build_dir / "src" / "pidns-tree"


def base_source(commit, out):
    tree = out / f"base-{commit[:12]}"
    if not tree.exists():
        tree.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(SOURCE_ROOT), "archive", commit],
                                 check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def syscalls(cmd, out):
    """Total system calls of one run of cmd (strace -f -c)."""
    log = out / "strace.txt"
    subprocess.run(["strace", "-f", "-c", "-o", str(log), *cmd], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    text = log.read_text()
    m = re.search(r"^-+.*\n\s*[\d.]+\s+[\d.]+\s+\d+\s+(\d+)\s+(\d+\s+)?total$", text, re.M)
    if not m:
        die(f"cannot read strace's summary:\n{text}")
    return int(m[1])


def run_once(argv):
    """Wall and CPU (user + sys) seconds of one run, output to /dev/null."""
    start = time.perf_counter()
    pid = os.posix_spawn(argv[0], argv, os.environ,
                         file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                                       (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
    _, status, usage = os.wait4(pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        die(f"{' '.join(argv)} failed")
    return wall, usage.ru_utime + usage.ru_stime


def measure(title, commands, runs, out):
    """commands: [(label, argv)]; prints a table; the first row is the reference.

    The commands take turns, run by run (A B C A B C ...), rather than one after the other as
    hyperfine runs them: on a shared machine the load drifts, and turns spread the drift evenly.
    """
    for _ in range(5):  # warm up the page cache and dentries
        for _, argv in commands:
            run_once(argv)
    times = [[] for _ in commands]
    for _ in range(runs):
        for i, (_, argv) in enumerate(commands):
            times[i].append(run_once(argv))
    export = out / (re.sub(r"\W+", "-", title).strip("-").lower() + ".json")
    export.write_text(json.dumps({label: t for (label, _), t in zip(commands, times)}))
    ref_wall = statistics.median(w for w, _ in times[0])
    ref_cpu = statistics.median(c for _, c in times[0])
    print(f"\n**{title}** ({runs} runs each, in turns)\n")
    print("| command | median wall | × first | median CPU (user+sys) | × first | system calls |")
    print("|---|---:|---:|---:|---:|---:|")
    for (label, argv), t in zip(commands, times):
        wall = statistics.median(w for w, _ in t)
        cpu = statistics.median(c for _, c in t)
        print(f"| `{label}` | {wall * 1e3:.2f} ms | {wall / ref_wall:.3f} | {cpu * 1e3:.2f} ms | "
              f"{cpu / ref_cpu:.3f} | {syscalls(argv, out):,} |")
    sys.stdout.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", help="a commit to compare with as well")
    parser.add_argument("--containers", type=int, default=100)
    parser.add_argument("--processes", type=int, default=1, help="processes per container")
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--out", default="/tmp/pidns-bench-names")
    args = parser.parse_args()
    if os.geteuid() != 0:
        die("run as root: dockerd, and processes of every user")
    for tool in ("strace", "meson", "dockerd", "docker", "runc", "busybox", "git"):
        if shutil.which(tool) is None:
            die(f"{tool} is not installed")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    print("bench/names: building this checkout (release)", file=sys.stderr)
    new = str(build(SOURCE_ROOT, out / "build-new"))
    base_rows = []
    if args.base:
        base = subprocess.run(["git", "-C", str(SOURCE_ROOT), "rev-parse", args.base],
                              check=True, capture_output=True, text=True).stdout.strip()
        print(f"bench/names: building {base[:12]} (release)", file=sys.stderr)
        old = str(build(base_source(base, out), out / f"build-base-{base[:12]}"))
        base_rows = [(f"base {base[:7]}", [old]), (f"base {base[:7]} --json", [old, "--json"])]

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    tmp = tempfile.mkdtemp(prefix="pidns-bench-names-")
    try:
        empty = os.path.join(tmp, "empty")
        os.mkdir(empty)

        def commands():
            return [("pidns-tree --host-root EMPTY", [new, "--host-root", empty]),
                    ("pidns-tree", [new]),
                    ("pidns-tree --json --host-root EMPTY", [new, "--json", "--host-root", empty]),
                    ("pidns-tree --json", [new, "--json"])] + base_rows

        measure("No container engine on the host", commands(), args.runs, out)
        with_docker(args, tmp, commands, out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def with_docker(args, tmp, commands, out):
    cgroups_before = engines.cgroup_dirs("docker")
    daemon = engines.Dockerd(tmp, os.path.join(tmp, "data"))
    try:
        daemon.start()
        daemon.docker("import", engines.busybox_tarball(tmp), "pidns-bench:1")
        print(f"bench/names: starting {args.containers} containers", file=sys.stderr)
        for i in range(args.containers):
            daemon.docker("run", "-d", "--network=none", "--log-driver=none",
                          "--name", f"shop-web-{i}-{secrets.token_hex(2)}",
                          "--label", "com.docker.compose.project=shop",
                          "--label", f"com.docker.compose.service=web-{i}",
                          "pidns-bench:1", "sh", "-c",
                          f"i=1; while [ $i -lt {args.processes} ]; do sleep 3600 & "
                          "i=$((i+1)); done; exec sleep 3600")
        named = subprocess.run(commands()[1][1], capture_output=True, text=True,
                               check=True).stdout
        shown = named.count("(compose shop/web-")
        if shown != args.containers:
            die(f"{shown} of {args.containers} containers were named:\n{named}")
        measure(f"{args.containers} Docker containers of {args.processes} process"
                f"{'' if args.processes == 1 else 'es'} each (a private dockerd)",
                commands(), args.runs, out)
    finally:
        daemon.stop()
        engines.kill_mentioning(tmp)
        engines.unmount_below(tmp)
        engines.remove_engine_cgroups(engines.cgroup_dirs("docker") - cgroups_before)

if __name__ == "__main__":
    main()
