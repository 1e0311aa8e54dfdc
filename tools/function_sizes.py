#!/usr/bin/env python3
"""Lists the functions in C++ sources that are longer than a limit, and exits 1 if there are any.

    tools/function_sizes.py [--max N] [--except NAME]... FILE|DIR...

A directory stands for the *.cpp and *.hpp files below it, in every folder. Finding no function
at all is an error too: a check that looks at nothing must not pass.
A function runs from the first line of its signature to its closing brace. Lambdas and local
classes count as part of the function around them. Comments, string and character literals (raw
strings too) are blanked before braces are counted, so "{}" in a format string does not count.
The header of a block is a function's when it ends with a parameter list or with the qualifiers
that may follow one, and does not begin with a control keyword.
"""
import argparse
import re
import sys
from pathlib import Path

CONTROL = re.compile(r"^\s*(?:else\b|if\b|for\b|while\b|switch\b|catch\b|do\b|try\b)")
FUNCTION_TAIL = re.compile(
    r"\)\s*(?:const\b|noexcept\b(?:\([^)]*\))?|override\b|final\b|mutable\b|&&?|->\s*[\w:<>,&*\s]+"
    r"|requires\b[^{]*)*\s*$")
NAME = re.compile(r"([~\w:]+)\s*\($")


def blank(text):
    """TEXT with comments and literals replaced by spaces (newlines kept)."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "R" and text.startswith('R"', i) and (i == 0 or not text[i - 1].isalnum()):
            m = re.match(r'R"([^(]*)\(', text[i:])
            end = text.find(")" + m.group(1) + '"', i) if m else -1
            j = n if end < 0 else end + len(m.group(1)) + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == "'" and i > 0 and text[i - 1].isalnum():  # a digit separator: 1'000'000
            out.append(c)
            i += 1
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            out.append(re.sub(r"[^\n]", " ", text[i:j + 1]))
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def functions(path):
    """(name, first line, last line) of every outermost function definition in PATH."""
    text = blank(open(path, encoding="utf-8").read())
    found = []
    stack = []  # per open brace: None, or (name, first line) for a function's body
    header_start = 0
    for i, c in enumerate(text):
        if c == "{":
            header = text[header_start:i]
            is_function = (not any(stack) and FUNCTION_TAIL.search(header)
                           and not CONTROL.match(header.strip().split("\n")[-1]))
            entry = None
            if is_function:
                sig = header[:header.rfind(")") + 1]
                depth, k = 0, len(sig) - 1
                while k >= 0:
                    depth += {")": 1, "(": -1}.get(sig[k], 0)
                    if depth == 0:
                        break
                    k -= 1
                m = NAME.search(sig[:k + 1])
                lead = len(header) - len(header.lstrip())
                first = text.count("\n", 0, header_start + lead) + 1
                entry = (m.group(1) if m else "?", first)
            stack.append(entry)
            header_start = i + 1
        elif c == "}":
            entry = stack.pop() if stack else None
            if entry:
                found.append((entry[0], entry[1], text.count("\n", 0, i) + 1))
            header_start = i + 1
        elif c == ";":
            header_start = i + 1
    return found


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--max", type=int, default=60)
    ap.add_argument("--except", dest="exempt", action="append", default=[])
    ap.add_argument("files", nargs="+")
    args = ap.parse_args()
    long = []
    paths = []
    for f in args.files:
        p = Path(f)
        paths += sorted(p.rglob("*.cpp")) + sorted(p.rglob("*.hpp")) if p.is_dir() else [p]
    counted = 0
    for path in paths:
        for name, first, last in functions(path):
            counted += 1
            size = last - first + 1
            if size > args.max and name.split("::")[-1] not in args.exempt:
                long.append(f"{path}:{first}: {name} is {size} lines (at most {args.max})")
    if counted == 0:
        print(f"no function found in {' '.join(args.files)}: nothing was checked")
        sys.exit(1)
    print("\n".join(long) or f"{counted} functions, none longer than {args.max} lines")
    sys.exit(1 if long else 0)


main()
