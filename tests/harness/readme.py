"""README.md's jq recipes, read from the README itself so that the docs and the tests that run
them cannot drift apart, and run with real jq. meson passes the README's path as PIDNS_README."""

import re
import shlex
import subprocess

from .core import meson_path, need_program
from .tool import TOOL_TIMEOUT

README_FENCE = re.compile(r"^([^\n]+)\n\n```sh\n(.*?)\n```$", re.M | re.S)
README_ARG = re.compile(r"--(arg|argjson) (\w+) (\S+)")


def readme_recipes(section, source):
    """{description: command} of README.md's SECTION (up to the next heading), in order: each a
    line, a blank line and a ```sh block whose command starts "SOURCE | jq "."""
    need_program("jq", "jq")
    path = meson_path("PIDNS_README")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if section + "\n" not in text:
        raise AssertionError(f"{path}: no '{section}' section")
    body = re.split(r"^##+ ", text.split(section + "\n", 1)[1], flags=re.M)[0]
    found = {m[1].strip(): m[2] for m in README_FENCE.finditer(body)}
    if body.count("```sh") != len(found) or not found:
        raise AssertionError(f"{path}: a ```sh block in '{section}' lacks its one-line "
                             "description (a line, a blank line, the block)")
    for what, cmd in found.items():
        if not cmd.startswith(source + " | jq "):
            raise AssertionError(f"recipe {what!r} does not start '{source} | jq ': {cmd!r}")
    return found


def check_coverage(found, checks):
    """Every recipe of the README has a check, and every check a recipe."""
    if set(found) != set(checks):
        raise AssertionError(f"README recipes without a check: {sorted(set(found) - set(checks))}"
                             f"; checks without a recipe: {sorted(set(checks) - set(found))}")


def fill_recipe(what, cmd, values):
    """CMD with the value of each --arg/--argjson NAME replaced by VALUES[NAME]; the recipe must
    use exactly the variables the check provides."""
    names = [m[2] for m in README_ARG.finditer(cmd)]
    if sorted(names) != sorted(values):
        raise AssertionError(f"recipe {what!r}: variables {names}, the test fills "
                             f"{sorted(values)}")
    return README_ARG.sub(lambda m: f"--{m[1]} {m[2]} {shlex.quote(str(values[m[2]]))}", cmd)


def run_recipe(what, cmd, env=None, tolerated=None):
    """Runs CMD under bash -o pipefail; asserts exit 0 and a stderr with no line but those
    TOLERATED (a compiled pattern) matches; returns stdout's lines."""
    r = subprocess.run(["bash", "-o", "pipefail", "-c", cmd], stdin=subprocess.DEVNULL,
                       capture_output=True, text=True, timeout=TOOL_TIMEOUT, env=env)
    errors = [line for line in r.stderr.splitlines()
              if tolerated is None or not tolerated.match(line)]
    if r.returncode != 0 or errors:
        raise AssertionError(f"recipe {what!r} exited {r.returncode}: {cmd}\n{r.stderr}")
    return r.stdout.splitlines()
