#!/bin/sh
# complete-zsh.sh DIR: drives real completions of _pidns-tree, found in DIR, in an interactive zsh
# (through zsh-complete.zsh and zsh/zpty) and checks what it proposes. Exit 77 if zsh is missing.
set -eu
dir=$1
here=$(dirname "$0")
command -v zsh >/dev/null 2>&1 || { echo "SKIP: zsh is not installed"; exit 77; }
zsh -n "$dir/_pidns-tree"
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
mkdir "$tmp/alpha" "$tmp/alps"
touch "$tmp/alfa.txt"

# The cases, run twice: once to collect the lines, which one zsh completes in a row, then to
# check the answers. expect LINE PROPOSAL...: each PROPOSAL is proposed at the end of LINE;
# "!X": X is not.
cases() {
  expect 'pidns-tree --col' --color '!--ascii'
  expect 'pidns-tree --no' --no-pids
  expect 'pidns-tree -' -h --help --proc --source -J --json --format -o --output -N --no-pids -p --pid -n --ns -d --max-depth --ptree --owner --ns-id --no-labels -a --all -t --translate --to --watch --interval --ascii --color -V --version
  expect 'pidns-tree --color ' auto always never
  expect 'pidns-tree --source ' auto procfs bpf
  expect 'pidns-tree --color=al' always '!auto'
  expect 'pidns-tree --format ' text json dot openmetrics
  expect "pidns-tree --output $tmp/al" alfa.txt alpha
  expect 'pidns-tree --watch -' '!--output'
  # A prefix that matches few PIDs: a busy host lists thousands for a bare --pid.
  expect "pidns-tree --pid $$" "$$"
  expect 'pidns-tree --pid 1 --n' --no-pids --no-labels '!--ns'
  expect 'pidns-tree --ns /proc/self/ns/pi' pid pid_for_children
  expect 'pidns-tree -J --f' '!--format'
  expect "pidns-tree --proc $tmp/al" alpha alps '!alfa.txt'
}

expect() { "$mode" "$@"; }
# shellcheck disable=SC2317 # collect and check are called through $mode
collect() { printf '%s\n' "$1" >>"$tmp/lines"; }
n=0 failed=0
# shellcheck disable=SC2317
check() {
  line=$1
  shift
  n=$((n + 1))
  got=$(awk -F '\t' -v n="$n" '$1 == n { print $2 }' "$tmp/answers")
  for want in "$@"; do
    name=${want#!}
    if printf '%s\n' "$got" | grep -qxF -- "$name"; then
      [ "$name" = "$want" ] && continue
    else
      [ "$name" != "$want" ] && continue
    fi
    echo "FAIL: '$line' gave ($(printf '%s' "$got" | tr '\n' ' ')), expected $want"
    failed=1
  done
}

mode=collect
cases
# One line per argument; the lines hold no newline.
status=0
(IFS='
'
  # shellcheck disable=SC2046 # split at newlines only
  zsh -f "$here/zsh-complete.zsh" "$dir" $(cat "$tmp/lines")) >"$tmp/answers" || status=$?
[ "$status" -eq 0 ] || exit "$status"
mode=check
cases

[ "$failed" -eq 0 ] && echo "zsh completion: all proposals as expected"
exit "$failed"
