"""`pidns-tree --format openmetrics`, run and judged by real parsers (tests/metrics, tests/engines):

  parse()      Debian's python3-prometheus-client, prometheus_client.openmetrics.parser: the
               OpenMetrics 1.0 grammar, strictly (# EOF last, one group per family, escapes)
  promtool     `promtool check metrics` (Debian's prometheus): Prometheus text 0.0.4, as
               node-exporter's textfile collector parses it, and the naming lint
  prometheus   `promtool tsdb create-blocks-from openmetrics`: Prometheus's own OpenMetrics
               parser, the one that reads a scrape, ingesting every sample (it wants timestamps,
               which are added for it)

python3-prometheus-client is in the Quick start; promtool comes with Debian's prometheus package
(about 100 MB with the server), which only .ci/run installs: without it a test skips here and
fails in CI (core.missing).
"""

import os
import subprocess
import tempfile

from .core import need_module, need_program
from .tool import run_tool

FAMILIES = ("pidns_build_info", "pidns_namespaces", "pidns_namespaces_at_level",
            "pidns_max_level", "pidns_processes", "pidns_processes_inaccessible",
            "pidns_processes_inferred", "pidns_scan_duration_seconds", "pidns_namespace_info",
            "pidns_namespace_processes", "pidns_namespace_threads",
            "pidns_namespace_kernel_threads")
INFO_LABELS = ("pidns", "parent", "level", "init_pid", "init_name", "container_engine",
               "container_id", "container_name", "pod", "pod_namespace", "compose_project",
               "compose_service", "owner_uid", "owner_user")


def parse(text):
    """{family: [(labels, value), ...]} as prometheus_client's OpenMetrics parser reads TEXT;
    it raises on anything the grammar does not allow."""
    parser = need_module("prometheus_client.openmetrics.parser", "python3-prometheus-client")
    families = {}
    for family in parser.text_string_to_metric_families(text):
        if family.name in families:
            raise AssertionError(f"family {family.name} comes twice")
        if family.type != "gauge":
            raise AssertionError(f"{family.name}: type {family.type}, want gauge")
        if not family.documentation:
            raise AssertionError(f"{family.name}: no # HELP")
        families[family.name] = [(s.labels, s.value) for s in family.samples
                                 if _check_sample(family.name, s)]
    return families


def _check_sample(name, sample):
    if sample.name != name or sample.timestamp is not None:
        raise AssertionError(f"{name}: sample {sample}")
    return True


def promtool_check(text):
    """`promtool check metrics`: the Prometheus text 0.0.4 parser and lint find nothing."""
    promtool = need_program("promtool", "prometheus")
    r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                       text=True, timeout=60, check=False)
    if r.returncode != 0 or r.stdout.strip() or r.stderr.strip():
        raise AssertionError(f"promtool check metrics: exit {r.returncode}: {r.stdout}{r.stderr}")


def prometheus_ingest(text):
    """Prometheus's own OpenMetrics parser reads every sample: `promtool tsdb
    create-blocks-from openmetrics` ingests them (with a timestamp added to each, which it needs)
    and `promtool tsdb dump` gives them back, one series each."""
    promtool = need_program("promtool", "prometheus")
    lines = [line if line.startswith("#") else line + " 1700000000"
             for line in text.split("\n")[:-1]]
    samples = sum(1 for line in lines if not line.startswith("#"))
    with tempfile.TemporaryDirectory(prefix="pidns-om-") as tmp:
        source = os.path.join(tmp, "metrics.om")
        with open(source, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        blocks = os.path.join(tmp, "blocks")
        r = subprocess.run([promtool, "tsdb", "create-blocks-from", "openmetrics", source, blocks],
                           capture_output=True, text=True, timeout=120, check=False)
        if r.returncode != 0:
            raise AssertionError(f"promtool tsdb create-blocks-from openmetrics: exit "
                                 f"{r.returncode}: {r.stdout}{r.stderr}")
        os.mkdir(os.path.join(blocks, "wal"))  # dump reads a WAL too, and wants one there
        dump = subprocess.run([promtool, "tsdb", "dump", blocks], capture_output=True, text=True,
                              timeout=120, check=False)
        series = [line for line in dump.stdout.splitlines() if line.startswith("{")]
        if dump.returncode != 0 or len(series) != samples:
            raise AssertionError(f"promtool tsdb dump: exit {dump.returncode}, {len(series)} "
                                 f"series for {samples} samples: {dump.stderr}")


def validate(text):
    """TEXT judged by all three; returns parse(TEXT)."""
    if not text.endswith("\n# EOF\n"):
        raise AssertionError(f"does not end in # EOF: {text[-200:]!r}")
    families = parse(text)
    promtool_check(text)
    prometheus_ingest(text)
    missing = [f for f in FAMILIES if f not in families]
    if missing:
        raise AssertionError(f"families missing: {missing}")
    for labels, value in families["pidns_namespace_info"]:
        extra = set(labels) - set(INFO_LABELS) - {"inferred"}
        if value != 1 or extra or set(INFO_LABELS) - set(labels):
            raise AssertionError(f"pidns_namespace_info: {labels} {value}")
    return families


def run_metrics(args=(), **kw):
    """`pidns-tree --format openmetrics ARGS`, exit 0 (harness.run_tool), validated: returns
    (text, families)."""
    text = run_tool(["--format", "openmetrics", *args], **kw)
    return text, validate(text)


def by_pidns(families, family):
    """{pidns label: value} of a per-namespace FAMILY; the info family gives its labels."""
    out = {}
    for labels, value in families[family]:
        if labels["pidns"] in out:
            raise AssertionError(f"{family}: pidns {labels['pidns']} twice")
        out[labels["pidns"]] = labels if family == "pidns_namespace_info" else value
    return out


def gauge(families, family):
    """The one value of a FAMILY without labels."""
    (labels, value), = families[family]
    if labels:
        raise AssertionError(f"{family}: labels {labels}")
    return value
