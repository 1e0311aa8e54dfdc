#!/usr/bin/env python3
"""Hostile process names, set with prctl(PR_SET_NAME) by real processes: terminal escape
sequences, newline, tab, DEL, C1 controls, a backslash, a bidi override, zero-width and line
separator code points, bytes that are not UTF-8 (cut, overlong, a surrogate, past U+10FFFF), and
names the kernel cuts at 15 bytes.

JSON (--json, --json --ptree --all) stays valid, strict UTF-8 JSON and gives each name as its
bytes decoded as UTF-8 with U+FFFD for bad bytes (nlohmann's error_handler_t::replace). The text
output (plain, --ascii, --color=always, --ascii --ptree) is valid UTF-8 with no raw control byte
or line break inside a line, has exactly one line per process, and shows each name escaped as
src/term.cpp's escape_for_terminal documents: \\xHH for ASCII controls and bytes that are not
UTF-8, \\u{HHHH} for other invisible or reordering code points, \\\\ for a backslash. With
--color=always the only ESC bytes are pidns-tree's own SGR sequences."""
import ctypes  # noqa: F401 - the children need it; fail here, not in 40 children, if missing
import json
import subprocess
import sys
import unicodedata

import harness as h

R = "\ufffd"
# (bytes given to PR_SET_NAME, JSON name, text name). The kernel keeps 15 bytes (TASK_COMM_LEN
# 16). nlohmann's replace handler, like Python's errors="replace", writes one U+FFFD for a
# truncated sequence and re-reads the byte that broke it; a byte that cannot start a sequence
# (C0/C1, F5..FF, a stray continuation byte) is one U+FFFD each. The text escapes every byte
# that is not part of valid UTF-8 as \xHH, controls below 0x80 as \xHH, other invisible or
# reordering code points as \u{HHHH}, and a backslash as \\.
CASES = [
    (b"\x1b[2J", "\x1b[2J", r"\x1B[2J"),
    (b"\x1b]0;x\x07", "\x1b]0;x\x07", r"\x1B]0;x\x07"),
    (b'a"b\\c', 'a"b\\c', r'a"b\\c'),
    (b"new\nline", "new\nline", r"new\x0Aline"),
    (b"tab\there", "tab\there", r"tab\x09here"),
    (b"cr\rx", "cr\rx", r"cr\x0Dx"),
    (b"back\\nslash", "back\\nslash", r"back\\nslash"),  # not a newline: the kernel escapes \
    (b"\xff\xfe", R + R, r"\xFF\xFE"),
    (b"\xe2\x80\xaeevil", "\u202eevil", r"\u{202E}evil"),
    (b"\xc3", R, r"\xC3"),
    (b"\xc3(", R + "(", r"\xC3("),
    (b"\xe2\x80x", R + "x", r"\xE2\x80x"),
    (b"\xe0\x80x", R + R + "x", r"\xE0\x80x"),  # E0 needs A0..BF next
    (b"\xed\xa0\x80sur", R * 3 + "sur", r"\xED\xA0\x80sur"),  # a surrogate
    (b"\xc0\xafover", R + R + "over", r"\xC0\xAFover"),  # overlong '/'
    (b"\xf4\x90\x80\x80", R * 4, r"\xF4\x90\x80\x80"),  # past U+10FFFF
    (b"c1\xc2\x85x", "c1\x85x", r"c1\u{0085}x"),
    (b"del\x7f", "del\x7f", r"del\x7F"),
    (b"\xe2\x80\xa8ls", "\u2028ls", r"\u{2028}ls"),
    (b"zw\xe2\x80\x8bj", "zw\u200bj", r"zw\u{200B}j"),
    (b"\xef\xbb\xbfbom", "\ufeffbom", r"\u{FEFF}bom"),
    (b"caf\xc3\xa9 \xe6\x96\x87", "caf\u00e9 \u6587", "caf\u00e9 \u6587"),
    (b"\xf0\x9f\x98\x80ok", "\U0001f600ok", "\U0001f600ok"),
    (b"abcdefghijklmno", "abcdefghijklmno", "abcdefghijklmno"),  # 15 bytes: the maximum
    (b"abcdefghijklmnopqrst", "abcdefghijklmno", "abcdefghijklmno"),  # cut to 15
    (b"abcdefghijklm\xe2\x82\xac", "abcdefghijklm" + R, r"abcdefghijklm\xE2\x82"),  # cut in €
    (b"x  nstgid=1", "x  nstgid=1", "x  nstgid=1"),
    (b"%s%n{}", "%s%n{}", "%s%n{}"),
    (b"", "", ""),
]
# Names that no other process has ("rbh" first) and that parse as they are printed, so that each
# can be found once in every layout: name as set (at most 15 bytes) -> as the text prints it.
UNIQUE = {
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
TABLE = CASES + [(raw, raw.decode("utf-8", errors="replace"), text)
                 for raw, text in UNIQUE.items()]

CHILD = r"""
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(15, ctypes.c_char_p(bytes.fromhex(sys.argv[1])), 0, 0, 0) != 0:  # PR_SET_NAME
    sys.exit(3)
os.write(1, b"r")
os.read(0, 1)  # until the test closes our stdin, or kills us
"""


def escape_for_terminal(text_bytes):
    """An independent rendering of README's escaping rule, to cross-check the table."""
    out, i = [], 0
    while i < len(text_bytes):
        for n in (1, 2, 3, 4):
            try:
                ch = text_bytes[i:i + n].decode("utf-8")
                break
            except UnicodeDecodeError:
                ch = None
        if ch is None or len(ch) != 1:
            out.append(f"\\x{text_bytes[i]:02X}")
            i += 1
            continue
        cp = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif cp < 0x20 or 0x7F <= cp <= 0x9F or cp == 0xAD or 0x200B <= cp <= 0x200F or \
                0x2028 <= cp <= 0x202E or 0x2060 <= cp <= 0x2069 or cp == 0xFEFF:
            out.append(f"\\x{cp:02X}" if cp < 0x80 else f"\\u{{{cp:04X}}}")
        else:
            out.append(ch)
        i += len(ch.encode("utf-8"))
    return "".join(out)


def check_table():
    for raw, want_json, want_text in TABLE:
        kept = raw[:15]
        if kept.decode("utf-8", errors="replace") != want_json:
            raise AssertionError(f"table: {raw!r}: JSON name is not the replace-decoding")
        if escape_for_terminal(kept) != want_text:
            raise AssertionError(f"table: {raw!r}: text is not the escaping of the name")


def start_children(procs):
    """One process per TABLE row, named by it; appended to PROCS as they start."""
    for raw, _, _ in TABLE:
        p = h.start([sys.executable, "-c", CHILD, raw.hex()], stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE)
        procs.append(p)
        if p.stdout.read(1) != b"r":
            raise AssertionError(f"child for {raw!r} failed (exit {p.wait()})")
        with open(f"/proc/{p.pid}/comm", "rb") as f:
            comm = f.read()
        if comm != raw[:15] + b"\n":
            raise AssertionError(f"child for {raw!r}: comm is {comm!r}")


def all_processes(doc):
    def procs(p):  # with --ptree, processes nest under their parents
        yield p
        for c in p.get("children", []):
            yield from procs(c)

    def walk(ns):
        for p in ns.get("processes", []):
            yield from procs(p)
        for c in ns["children"]:
            yield from walk(c)
    for top in doc["pidns"]:
        yield from walk(top)


def check_json(children, raw_out, what):
    try:
        text = raw_out.decode("utf-8")  # strict: the output itself is always UTF-8
    except UnicodeDecodeError as e:
        raise AssertionError(f"{what}: output is not UTF-8: {e}") from e
    doc = json.loads(text)  # strict: no raw control characters inside strings
    names = {p["pid"]: p["name"] for p in all_processes(doc)}
    for p, (raw, want, _) in zip(children, TABLE):
        if p.pid not in names:
            raise AssertionError(f"{what}: PID {p.pid} ({raw!r}) missing")
        if names[p.pid] != want:
            raise AssertionError(f"{what}: PID {p.pid} ({raw!r}): name {names[p.pid]!r}, "
                                 f"want {want!r}")


def check_lines(children, raw_out, what):
    """No line holds a raw control, format or separator character; each name is on the line of
    its process, escaped."""
    text = raw_out.decode("utf-8")
    for number, line in enumerate(text.split("\n"), 1):
        bad = [c for c in line if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp")]
        if bad:
            raise AssertionError(f"{what}: line {number} holds raw {bad!r}: {line!r}")
    h.parse_text(text)  # every line is a namespace or a process line, nesting intact
    lines = text.split("\n")
    for p, (raw, _, want) in zip(children, TABLE):
        tail = f"{p.pid} {want}  nstgid={p.pid}"
        found = [line for line in lines if line.endswith(tail) and
                 set(line[:-len(tail)]) <= set("├─│└ |`-")]
        if len(found) != 1:
            near = [line for line in lines if f" {p.pid} " in line or line.startswith(f"{p.pid} ")]
            raise AssertionError(f"{what}: PID {p.pid} ({raw!r}): want one line ending "
                                 f"{tail!r}, found {near!r}")


def raw_controls(out):
    return sorted(b for b in set(out) if (b < 0x20 and b != 0x0A) or b == 0x7F)


def check_counted(children, out, what):
    """The bytes are UTF-8 without a raw control; each UNIQUE name is printed once, as escaped;
    one line per process (kernel threads: one summary row), as many as the processes counted."""
    bad = raw_controls(out)
    if bad:
        raise AssertionError(f"{what}: raw control bytes {bad} in the output")
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
    unique = {p.pid: UNIQUE[raw] for p, (raw, _, _) in zip(children, TABLE) if raw in UNIQUE}
    for pid, want in unique.items():
        if lines.get(pid) != [want]:
            raise AssertionError(f"{what}: pid {pid}: printed {lines.get(pid)!r}, want [{want!r}]")
    shown = sum(len(n["processes"]) + n["kernel_threads"] for n in nodes.values())
    counted = sum(n["process_count"] for n in nodes.values())
    h.eq(what, "process lines", shown, counted)


def check_ptree(out, what):
    """Other layouts, same escaping: each UNIQUE name exactly once."""
    bad = raw_controls(out)
    if bad:
        raise AssertionError(f"{what}: raw control bytes {bad}")
    for want in UNIQUE.values():
        if out.decode("utf-8").count(" " + want + "  ") != 1:
            raise AssertionError(f"{what}: {want!r} not printed exactly once")


def without_sgr(out, what):
    """OUT without pidns-tree's SGR sequences, which must be there and be its only ESC bytes."""
    escs = out.count(b"\x1b")
    sgrs = h.SGR.findall(out)
    if escs == 0 or escs != len(sgrs):
        raise AssertionError(f"{what}: {escs} ESC bytes, {len(sgrs)} of them SGR")
    return h.SGR.sub(b"", out)


def test():
    check_table()
    procs = []
    try:
        start_children(procs)
        for what, args, checks in (
                ("--json", ["--json"], [check_json]),
                ("--json --ptree --all", ["--json", "--ptree", "--all"], [check_json]),
                ("text", ["--color=never"], [check_lines, check_counted]),
                ("text --ascii", ["--color=never", "--ascii"], [check_lines]),
                ("text, color forced", ["--color=always"], [check_lines, check_counted]),
                ("--ascii --ptree", ["--color=never", "--ascii", "--ptree"], [])):
            r = h.run(args)
            h.check_clean_exit(r)
            out = without_sgr(r.stdout, what) if "--color=always" in args else r.stdout
            for check in checks:
                check(procs, out, what)
            if "--ptree" in args and "--json" not in args:
                check_ptree(out, what)
            print(f"ok: {what}")
    finally:
        h.kill_sessions(procs)


h.main(test)
