#!/bin/bash
# run.sh BUILD_DIR SECONDS: builds the libFuzzer targets with clang (and ASan+UBSan) in BUILD_DIR
# and fuzzes each for SECONDS, starting from tests/fuzz/corpus/TARGET/. New inputs go to a
# scratch copy, so the checked-in corpus only changes by hand. A crash fails the run and leaves
# its input as BUILD_DIR/crash-TARGET-* (add it to the corpus and to tests/unit/test_procfs.cpp).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BUILD_DIR SECONDS" >&2; exit 2; }
build=$1 seconds=$2
src=$(cd "$(dirname "$0")/../.." && pwd)
command -v clang++ >/dev/null || { echo "run.sh: clang++ is not installed" >&2; exit 1; }
if [ ! -d "$build" ]; then
  CXX=clang++ meson setup "$build" "$src" -Db_sanitize=address,undefined -Db_lundef=false \
    >/dev/null
fi
meson compile -C "$build" tests/fuzz/fuzz_status tests/fuzz/fuzz_mountinfo tests/fuzz/fuzz_escape \
  tests/fuzz/fuzz_json_string tests/fuzz/fuzz_proc_events \
  tests/fuzz/fuzz_state_files tests/fuzz/fuzz_bpf_records
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
for target in status mountinfo escape json_string proc_events state_files bpf_records; do
  mkdir "$scratch/$target"
  echo "run.sh: fuzzing $target for $seconds s"
  "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=4096 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$build/crash-$target-" \
    "$scratch/$target" "$src/tests/fuzz/corpus/$target"
done
