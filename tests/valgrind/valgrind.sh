#!/bin/bash
# valgrind.sh PIDNS_TREE NSFIXTURE: pidns-tree under valgrind's memcheck on a small real tree of
# nested PID namespaces (nsfixture), in every output mode and view; fails on any memcheck error
# or leak (valgrind exits 99). Exit 77 (skip) without valgrind or without PID namespaces.
set -euo pipefail
bin=$1 nsfixture=$2
command -v valgrind >/dev/null || { echo "SKIP: valgrind is not installed"; exit 77; }
export LC_ALL=C.UTF-8 NO_COLOR=1

tmp=$(mktemp -d)
fixture=
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  exec 3>&- 2>/dev/null || true  # EOF on the fixture's stdin: it tears its tree down itself
  if [ -n "$fixture" ]; then
    sleep 0.2
    kill -KILL -- "-$fixture" 2>/dev/null || true  # in any case: its whole session
    wait "$fixture" 2>/dev/null || true
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

# As root: clone(CLONE_NEWPID); otherwise inside a user namespace, as tests/harness/fixture.py
# runs nsfixture.
wrap=()
if [ "$(id -u)" -ne 0 ]; then wrap=(unshare --user --map-root-user --); fi
mkfifo "$tmp/hold"
setsid "${wrap[@]}" "$nsfixture" --name-prefix rbv "2(2(1),1)" "$tmp/fixture.json" \
  <"$tmp/hold" >"$tmp/fixture.out" 2>"$tmp/fixture.err" &
fixture=$!
exec 3>"$tmp/hold"
for _ in $(seq 600); do
  grep -q ready "$tmp/fixture.out" 2>/dev/null && break
  if ! kill -0 "$fixture" 2>/dev/null; then
    wait "$fixture" && status=0 || status=$?
    [ "$status" -eq 77 ] && { echo "SKIP: $(cat "$tmp/fixture.err")"; exit 77; }
    echo "nsfixture failed ($status): $(cat "$tmp/fixture.err")" >&2
    exit 1
  fi
  sleep 0.1
done
grep -q ready "$tmp/fixture.out" || { echo "nsfixture: not ready after 60 s" >&2; exit 1; }
# A fixture process (the init of the deepest namespace) and its namespace, for the views.
read -r pid ns < <(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
n = d["namespaces"][2]
print(n["members"][0]["pid"], n["ino"])' "$tmp/fixture.json")

failed=0
run() {
  local log="$tmp/valgrind.log"
  if valgrind -q --error-exitcode=99 --leak-check=full --log-file="$log" \
      --suppressions="$(dirname "$0")/valgrind.supp" \
      "$bin" "$@" >"$tmp/out" 2>"$tmp/err"; then
    printf 'ok      pidns-tree %s (%s bytes)\n' "$*" "$(wc -c <"$tmp/out")"
  else
    status=$?
    printf 'FAILED  pidns-tree %s: exit %s\n' "$*" "$status"
    cat "$log" "$tmp/err"
    failed=1
  fi
  # valgrind notes the namespace ioctls it has no wrapper for (NS_GET_PARENT, ...): not errors.
  if grep -v -e 'unhandled ioctl' -e 'spurious value errors' -e 'README_MISSING_SYSCALL' "$log" \
      >"$log.rest"; then
    echo "valgrind said:"
    cat "$log.rest"
  fi
  return 0
}
run --color=never
run --color=always --ascii
run --json
run --all
run --json --all
run --ptree
run --json --ptree --owner --ns-id
run -N
run --format dot
run --pid "$pid"
run --ns "$ns" --json
run --translate "$pid" --to "$pid"
run --max-depth 1
exit "$failed"
