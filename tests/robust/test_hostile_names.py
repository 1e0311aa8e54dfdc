#!/usr/bin/env python3
"""(4) Hostile process names in text output. Real processes name themselves with
prctl(PR_SET_NAME): terminal escape sequences, newline, tab, DEL, a C1 control, backslash, a bidi
override, a zero-width space, bytes that are not UTF-8. The text output (plain and --color=always)
holds no raw control byte, is valid UTF-8, has exactly one line per process, and shows each name
escaped exactly as src/term.cpp's escape_for_terminal documents: \\xHH for ASCII controls and
bytes that are not UTF-8, \\u{HHHH} for other invisible code points, \\\\ for a backslash. With
--color=always the only ESC bytes are pidns-tree's own SGR sequences."""

import subprocess

import harness as h

# name as set (at most 15 bytes) -> as pidns-tree must print it
NAMES = {
    b"rbh\x1b[2J": "rbh\\x1B[2J",
    b"rbh\x1b]0;pwn\x07": "rbh\\x1B]0;pwn\\x07",
    b"rbh-a\nb": "rbh-a\\x0Ab",
    b"rbh-a\tb": "rbh-a\\x09b",
    b"rbh-del\x7f": "rbh-del\\x7F",
    b"rbh-c1\xc2\x9b": "rbh-c1\\u{009B}",
    b"rbh-back\\sl": "rbh-back\\\\sl",
    b"rbh-\xe2\x80\xaeevil": "rbh-\\u{202E}evil",
    b"rbh-zw\xe2\x80\x8bsp": "rbh-zw\\u{200B}sp",
    b"rbh-bad\xff": "rbh-bad\\xFF",
    b"rbh-trunc\xc3": "rbh-trunc\\xC3",
    b"rbh-r\xc3\xa9sum\xc3\xa9": "rbh-r\u00e9sum\u00e9",  # printable UTF-8 stays as it is
}
SGR = h.SGR


def check_text(out, pids, what):
    """out: bytes of one text run. pids: {pid: expected printed name}."""
    bad = [b for b in set(out) if (b < 0x20 and b != 0x0A) or b == 0x7F]
    if bad:
        raise AssertionError(f"{what}: raw control bytes {sorted(bad)} in the output")
    try:
        text = out.decode("utf-8")
    except UnicodeDecodeError as e:
        raise AssertionError(f"{what}: output is not UTF-8: {e}") from e
    for ch in ("\u202e", "\u200b", "\u0085", "\u009b"):
        if ch in text:
            raise AssertionError(f"{what}: raw U+{ord(ch):04X} in the output")
    nodes = h.index_tree(h.parse_text(text), keyed_by_dev=False)  # every line parses
    lines = {}
    for n in nodes.values():
        for p in n["processes"]:
            lines.setdefault(p["pid"], []).append(p["name"])
    for pid, want in pids.items():
        if lines.get(pid) != [want]:
            raise AssertionError(f"{what}: pid {pid}: printed {lines.get(pid)!r}, want [{want!r}]")
    # one line per process (kernel threads: one summary row) == processes counted
    shown = sum(len(n["processes"]) + n["kernel_threads"] for n in nodes.values())
    counted = sum(n["process_count"] for n in nodes.values())
    h.eq(what, "process lines", shown, counted)


def test():
    procs = []
    try:
        pids = {}
        for name, want in NAMES.items():
            p = h.start(h.namer_argv(name), stdout=subprocess.PIPE)
            procs.append(p)
            h.wait_named(p)
            with open(f"/proc/{p.pid}/comm", "rb") as f:
                if f.read()[:-1] != name:
                    raise AssertionError(f"PR_SET_NAME {name!r} did not take")
            pids[p.pid] = want

        res = h.run(["--color=never"])
        h.check_clean_exit(res)
        check_text(res.stdout, pids, "--color=never")

        res = h.run(["--color=always"])
        h.check_clean_exit(res)
        escs = res.stdout.count(b"\x1b")
        sgrs = SGR.findall(res.stdout)
        if escs == 0 or escs != len(sgrs):
            raise AssertionError(f"--color=always: {escs} ESC bytes, {len(sgrs)} of them SGR")
        check_text(SGR.sub(b"", res.stdout), pids, "--color=always")

        res = h.run(["--color=never", "--ascii", "--ptree"])  # other layouts, same escaping
        h.check_clean_exit(res)
        bad = [b for b in set(res.stdout) if (b < 0x20 and b != 0x0A) or b == 0x7F]
        if bad:
            raise AssertionError(f"--ptree: raw control bytes {sorted(bad)}")
        for want in NAMES.values():
            if res.stdout.decode("utf-8").count(" " + want + "  ") != 1:
                raise AssertionError(f"--ptree: {want!r} not printed exactly once")
    finally:
        h.kill_sessions(procs)


h.main(test)
