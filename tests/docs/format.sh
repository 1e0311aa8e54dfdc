#!/usr/bin/env bash
# Every C++ file in src/ and tests/ is as clang-format (the repo's .clang-format) writes it. The
# style is pinned to Debian 12's clang-format 14: other versions format some constructs
# differently, so they skip (77) rather than fail.
set -euo pipefail
root=$1
command -v clang-format >/dev/null || { echo "SKIP: clang-format is not installed"; exit 77; }
version=$(clang-format --version)
if [[ $version != *" version 14."* ]]; then
  echo "SKIP: $version is not clang-format 14, whose output the style is pinned to"
  exit 77
fi
cd "$root"
mapfile -t files < <(find src tests -name '*.cpp' -o -name '*.hpp' | sort)
clang-format --dry-run -Werror "${files[@]}"
echo "${#files[@]} files formatted"
