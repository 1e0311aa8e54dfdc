"""The harness of pidns-tree's system tests (tests/README.md): `import harness as h`.

The common API is re-exported here from the modules that own it:
  core     how a test ends (main, Skip), meson's paths, the policy for what is missing
  tool     running pidns-tree: command(), environment(), run() and the checks of its result
  procs    /proc, helper processes and their cleanup, named processes, the user 65534
  fixture  nsfixture's real nested PID namespaces
  text     the parser of the text output
  tree     JSON trees: indexing, walking, compare() with a fixture, check_doc()
Imported by name where a suite needs them: readme (the README's jq recipes), schema (the JSON
Schemas), watch (a running --watch), cgroups (test-owned cgroups), engines (private engines),
metrics (the OpenMetrics output, parsed and judged by python3-prometheus-client and promtool).

meson puts tests/ on PYTHONPATH and sets every variable the harness reads (tests/meson.build).
"""

from .core import (SKIP, Skip, build_is_optimized, build_is_sanitized, eq, have_program, in_ci,
                   main, meson_path, meson_value, missing, need_module, need_program, wait_for)
from .fixture import Fixture
from .procs import (AS_NOBODY, MAX_LIFETIME, NAMER, NOBODY, Background, UserBinary, child_pids,
                    comm_of, fixture_processes, kernel_thread_pids, kill_sessions, namer_argv,
                    pids, processes_named, session_members, start, stat_ns, status_field,
                    status_fields, unused_pid, wait_named)
from .text import (all_processes, direct_processes, parse_rows, parse_text, procfs_header,
                   text_namespaces)
from .tool import (FOREST_LINE, SGR, TOOL_TIMEOUT, UNSHOWN_LINE, check_clean_exit, command,
                   describe, environment, parse_json, run, run_failure, run_json, run_tool)
from .tree import (ancestors, check_doc, check_summary, compare, expected_view, index_tree,
                   json_key, json_nodes, key, subtree, walk)

__all__ = [
    "SKIP", "Skip", "build_is_optimized", "build_is_sanitized", "eq", "have_program", "in_ci",
    "main", "meson_path", "meson_value", "missing", "need_module", "need_program", "wait_for",
    "Fixture",
    "AS_NOBODY", "MAX_LIFETIME", "NAMER", "NOBODY", "Background", "UserBinary", "child_pids",
    "comm_of", "fixture_processes", "kernel_thread_pids", "kill_sessions", "namer_argv", "pids",
    "processes_named", "session_members", "start", "stat_ns", "status_field", "status_fields",
    "unused_pid", "wait_named", "all_processes", "direct_processes", "parse_rows", "parse_text",
    "procfs_header", "text_namespaces", "FOREST_LINE", "SGR", "TOOL_TIMEOUT", "UNSHOWN_LINE",
    "check_clean_exit", "command", "describe", "environment", "parse_json", "run", "run_failure",
    "run_json", "run_tool", "ancestors", "check_doc", "check_summary", "compare",
    "expected_view", "index_tree", "json_key", "json_nodes", "key", "subtree", "walk",
]
