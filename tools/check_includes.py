#!/usr/bin/env python3
"""Checks that every #include "..." in src/ runs one way between the folders, and exits 1 if not.

    tools/check_includes.py SRC_DIR
    tools/check_includes.py --self-test SRC_DIR

The direction (README.md, "How it works"):

    kernel <- names <- model <- {scan, output} <- watch <- app

A folder may include itself and the folders to its left; scan and output never include each
other; nothing but main.cpp includes app/. Every project include names its folder
("model/graph.hpp"); only app/ may include the generated version.hpp, and only scan/ the BPF
skeleton bpftool generates. scan/bpf/ holds the BPF program, C for the BPF target that includes
its own headers by name: it is not part of the library and is not checked. --self-test copies SRC_DIR,
adds a forbidden include to it and checks that it is caught, so the check cannot pass by
looking at nothing.
"""
import re
import shutil
import sys
import tempfile
from pathlib import Path

MAY_INCLUDE = {
    "kernel": {"kernel"},
    "names": {"kernel", "names"},
    "model": {"kernel", "names", "model"},
    "scan": {"kernel", "names", "model", "scan"},
    "output": {"kernel", "names", "model", "output"},
    "watch": {"kernel", "names", "model", "scan", "output", "watch"},
    "app": {"kernel", "names", "model", "scan", "output", "watch", "app"},
}
GENERATED = {"version.hpp": {"app"}, "task_iter.lskel.h": {"scan"}}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.MULTILINE)


def problems(src):
    found, checked = [], 0
    for path in sorted(src.rglob("*")):
        if path.suffix not in (".cpp", ".hpp", ".c", ".h") or not path.is_file():
            continue
        rel = path.relative_to(src)
        folder = rel.parts[0] if len(rel.parts) > 1 else None
        if rel.parts[:2] == ("scan", "bpf"):
            continue  # the BPF program, compiled for another target
        for included in INCLUDE.findall(path.read_text(encoding="utf-8")):
            checked += 1
            target = included.split("/")[0] if "/" in included else None
            if target is None:
                allowed = GENERATED.get(included, set())
                if folder not in allowed:
                    found.append(f"{rel}: #include \"{included}\" does not name a folder")
            elif folder is None:
                continue  # main.cpp wires everything
            elif target not in MAY_INCLUDE[folder]:
                found.append(f"{rel}: {folder}/ may not include {target}/ (\"{included}\")")
    return found, checked


def self_test(src):
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "src"
        shutil.copytree(src, copy)
        if problems(copy)[0]:
            sys.exit("self-test: the tree has problems before anything was added")
        victim = copy / "model" / "graph.hpp"
        victim.write_text('#include "output/render.hpp"\n' + victim.read_text(encoding="utf-8"))
        if not any("model/ may not include output/" in p for p in problems(copy)[0]):
            sys.exit("self-test: an include from model/ into output/ went unnoticed")
    print("self-test: a forbidden include is caught")


def main():
    args = sys.argv[1:]
    if args[:1] == ["--self-test"]:
        self_test(Path(args[1]))
        return
    if len(args) != 1:
        sys.exit(__doc__)
    found, checked = problems(Path(args[0]))
    if checked == 0:
        sys.exit(f"no include found below {args[0]}: nothing was checked")
    print("\n".join(found) or f"{checked} includes, every one in the allowed direction")
    sys.exit(1 if found else 0)


main()
