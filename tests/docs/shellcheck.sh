#!/bin/sh
# Runs shellcheck on FILE...: the project's shell scripts must be clean, style notes included.
# Exit 77 if shellcheck is not installed: the README's package list leaves it out.
set -eu
command -v shellcheck >/dev/null 2>&1 || { echo "SKIP: shellcheck is not installed"; exit 77; }
shellcheck "$@"
echo "shellcheck: $# scripts clean"
