"""How a system test ends, where meson's paths come from, and one policy for what is missing.

A test is a function given to main(): it passes by returning, fails by raising, and skips (meson's
exit 77) by raising Skip, saying why. A tool or module that the Quick start installs (jq, strace,
util-linux, graphviz, python3-jsonschema) is looked up through need_program(), have_program() or
need_module(): where it is missing, the test (or the one check that needs it) is skipped on a
user's machine, and fails where PIDNS_TREE_CI=1 (.ci/run), since CI installed it.
"""

import importlib
import os
import shutil
import sys
import time
import traceback

SKIP = 77


class Skip(Exception):
    """The environment cannot run this test (exit 77)."""


def main(test):
    """Runs test(); maps Skip to 77 and any other exception to 1, with a traceback."""
    try:
        test()
    except Skip as e:
        print(f"SKIP: {e}")
        sys.exit(SKIP)
    except Exception:  # noqa: BLE001 - report everything, fail the test
        traceback.print_exc()
        sys.exit(1)
    print("OK")
    sys.exit(0)


def meson_path(var):
    """The path meson passes in the environment variable VAR (tests/meson.build)."""
    path = os.environ.get(var)
    if not path:
        raise Skip(f"{var} is not set (run through meson test)")
    return path


def meson_value(var):
    """The value meson passes in VAR (tests/meson.build), which may be empty: an option left
    unset, such as -Dsource_url."""
    value = os.environ.get(var)
    if value is None:
        raise Skip(f"{var} is not set (run through meson test)")
    return value


def in_ci():
    """Whether this run is CI's, where everything the Quick start installs is installed."""
    return os.environ.get("PIDNS_TREE_CI") == "1"


def missing(what):
    """WHAT is missing: a skip on a user's machine, a failure in CI."""
    if in_ci():
        raise AssertionError(f"{what}; CI installs it (PIDNS_TREE_CI=1), so this is a failure")
    raise Skip(what)


def need_program(name, package="util-linux"):
    """The path of NAME, which the test needs; see missing()."""
    path = shutil.which(name)
    if path is None:
        missing(f"{name} is not installed (Debian: {package})")
    return path


def have_program(name, package, unchecked):
    """The path of NAME, or None where it is missing: then UNCHECKED, what the test leaves out
    without it, is printed. In CI a missing NAME fails the test instead."""
    path = shutil.which(name)
    if path is None:
        if in_ci():
            missing(f"{name} is not installed (Debian: {package})")
        print(f"{name} is not installed (Debian: {package}): {unchecked} not checked")
    return path


def need_module(name, package):
    """The Python module NAME, imported; see missing()."""
    try:
        return importlib.import_module(name)
    except ImportError:
        missing(f"the Python module {name} is missing for {sys.executable} (Debian: {package})")
    return None  # not reached: missing() raises


def build_is_sanitized():
    """Whether pidns-tree was built with a sanitizer (meson's b_sanitize): its memory use and
    speed are then not the tool's."""
    return os.environ.get("PIDNS_TREE_SANITIZED", "0") == "1"


def build_is_optimized():
    """Whether pidns-tree was built with optimisation (meson's optimization is not 0 or g)."""
    return os.environ.get("PIDNS_TREE_OPTIMIZED", "1") == "1"


def eq(where, what, got, want):
    if got != want:
        raise AssertionError(f"{where}: {what} is {got!r}, want {want!r}")


def wait_for(what, predicate, timeout=20):
    """Polls predicate() until it returns a true value, which it returns."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
