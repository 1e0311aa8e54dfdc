#!/usr/bin/env python3
"""(f) No descriptor leaks: pidns-tree under a 32-descriptor limit still scans about 300
processes in 51 namespaces (so neither one fd per process nor one per namespace is kept)."""

import harness as h

SPEC = "100(" + ",".join(["12(2,2,2,2)"] * 10) + ")"  # 300 processes, 51 namespaces
FD_LIMIT = 32


def test():
    with h.Fixture(SPEC, prefix="nsfxf") as fx:
        members = sum(len(n["members"]) for n in fx.namespaces)
        if members != 300 or len(fx.namespaces) != 51:
            raise AssertionError(f"nsfixture built {members} processes, {len(fx.namespaces)} ns")
        h.compare(fx, doc=h.run_json(fd_limit=FD_LIMIT),
                  text=h.run_tool(["--color=never"], fd_limit=FD_LIMIT))


h.main(test)
