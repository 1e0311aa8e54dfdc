#!/usr/bin/env python3
"""contrib/node-exporter: the service's ExecStart runs as written (the built pidns-tree in place of
the installed one, the output directory moved below a temporary directory) and writes a file that
the three parsers accept, twice over, leaving no temporary beside it; the service writes where
its StateDirectory is and where the documentation says the textfile collector reads; the timer
fires every 30 s with an accuracy that keeps it so. Where systemd-analyze is installed, both
units verify clean with that ExecStart.

    test_textfile_recipe.py CONTRIB_DIR
"""
import os
import shlex
import subprocess
import sys
import tempfile

import harness as h
from harness import metrics

SERVICE = "pidns-tree-textfile.service"
TIMER = "pidns-tree-textfile.timer"
OUTPUT = "/var/lib/node_exporter/textfile_collector/pidns.prom"


def settings(path):
    """{Key: value} of a unit file (each key once), comments and sections aside."""
    out = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line[0] in "#;[":
                continue
            key, _, value = line.partition("=")
            if key in out:
                raise AssertionError(f"{path}: {key} twice")
            out[key] = value
    return out


def command_line(service):
    """The service's ExecStart, as argv with the built binary and the output below a temporary
    directory; asserts what it runs as written."""
    argv = shlex.split(service["ExecStart"])
    h.eq(SERVICE, "program", argv[0], "pidns-tree")  # found on systemd's fixed PATH
    h.eq(SERVICE, "--output", argv[argv.index("--output") + 1], OUTPUT)
    h.eq(SERVICE, "StateDirectory", "/var/lib/" + service["StateDirectory"],
         os.path.dirname(OUTPUT))
    return argv


def run_as_written(argv, tmp):
    out = tmp + OUTPUT
    os.makedirs(os.path.dirname(out))  # what StateDirectory= makes
    argv = [h.meson_path("PIDNS_TREE")] + [out if a == OUTPUT else a for a in argv[1:]]
    for _ in range(2):  # the second run replaces the first one's file
        r = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           env=h.environment(), timeout=h.TOOL_TIMEOUT, check=False)
        if r.returncode != 0 or r.stdout:
            raise AssertionError(h.describe(r))
        with open(out, encoding="utf-8") as f:
            families = metrics.validate(f.read())
        h.eq(out, "directory", os.listdir(os.path.dirname(out)), ["pidns.prom"])
    print(f"ok: {' '.join(argv)}: {len(families)} families, "
          f"{metrics.gauge(families, 'pidns_namespaces'):.0f} namespaces")
    return argv


def check_timer(timer):
    h.eq(TIMER, "OnUnitActiveSec", timer["OnUnitActiveSec"], "30s")
    h.eq(TIMER, "AccuracySec", timer["AccuracySec"], "1s")  # the default, 1min, would not do
    h.eq(TIMER, "WantedBy", timer["WantedBy"], "timers.target")
    if "Unit" in timer:
        h.eq(TIMER, "Unit", timer["Unit"], SERVICE)


def verify(contrib, argv, tmp):
    """systemd-analyze verify of both units, the service's ExecStart as run above."""
    analyze = h.have_program("systemd-analyze", "systemd", "systemd-analyze verify")
    if analyze is None:
        return
    units = os.path.join(tmp, "units")
    os.mkdir(units)
    with open(os.path.join(contrib, SERVICE), encoding="utf-8") as f:
        text = f.read()
    start = next(ln for ln in text.splitlines() if ln.startswith("ExecStart="))
    with open(os.path.join(units, SERVICE), "w", encoding="utf-8") as f:
        f.write(text.replace(start, "ExecStart=" + shlex.join(argv)))
    with open(os.path.join(contrib, TIMER), encoding="utf-8") as f, \
            open(os.path.join(units, TIMER), "w", encoding="utf-8") as g:
        g.write(f.read())
    r = subprocess.run([analyze, "verify", "--man=no", os.path.join(units, SERVICE),
                        os.path.join(units, TIMER)], capture_output=True, text=True, timeout=60,
                       check=False)
    if r.returncode != 0 or r.stderr.strip() or r.stdout.strip():
        raise AssertionError(f"systemd-analyze verify: exit {r.returncode}: {r.stdout}{r.stderr}")
    print("ok: systemd-analyze verify")


def test():
    contrib = sys.argv[1]
    service = settings(os.path.join(contrib, SERVICE))
    h.eq(SERVICE, "Type", service["Type"], "oneshot")
    check_timer(settings(os.path.join(contrib, TIMER)))
    with tempfile.TemporaryDirectory(prefix="pidns-textfile-") as tmp:
        argv = run_as_written(command_line(service), tmp)
        verify(contrib, argv, tmp)


h.main(test)
