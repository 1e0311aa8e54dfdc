"""The JSON Schemas of doc/ (pidns-tree.schema.json for snapshots, pidns-tree-watch.schema.json
for --watch events), as validators. Without python3-jsonschema there is no validator: the test
skips on a user's machine and fails in CI (core.missing()), in every suite alike.

meson passes the schemas' paths as PIDNS_SCHEMA and PIDNS_WATCH_SCHEMA."""

import json

from .core import meson_path, need_module


def validator(var="PIDNS_SCHEMA"):
    """A Draft 2020-12 validator of the schema at the path meson passes as VAR."""
    jsonschema = need_module("jsonschema", "python3-jsonschema")
    with open(meson_path(var), encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def validate(checker, doc, what):
    """Asserts that DOC is valid for CHECKER (a validator()), listing the first violations."""
    errors = sorted(checker.iter_errors(doc), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"  at {'/'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:200]}"
                 for e in errors[:10]]
        raise AssertionError(f"{what}: {len(errors)} schema violations:\n" + "\n".join(lines))
