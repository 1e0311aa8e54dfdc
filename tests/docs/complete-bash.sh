#!/usr/bin/env bash
# complete-bash.sh FILE: loads bash-completion and the completion FILE into this bash, fills
# COMP_WORDS and COMP_CWORD as readline would, calls _pidns_tree and checks COMPREPLY.
# Exit 77 if bash-completion is not installed.
set -u
file=$1
bash_completion=/usr/share/bash-completion/bash_completion
[[ -r $bash_completion ]] || { echo "SKIP: no $bash_completion"; exit 77; }
# shellcheck source=/dev/null
source "$bash_completion"
# shellcheck source=/dev/null
source "$file"

tmp=$(mktemp -d) || exit 1
trap 'rm -rf -- "$tmp"' EXIT
mkdir "$tmp/alpha" "$tmp/alps"
touch "$tmp/alfa.txt"

failed=0
# complete LINE: COMPREPLY at the end of LINE, its words split as readline splits them: at blanks,
# and around '=' (one of COMP_WORDBREAKS), which _init_completion -s joins again.
complete() {
  local word
  local -a words
  COMP_WORDS=()
  read -ra words <<<"$1"
  [[ $1 == *' ' ]] && words+=('')
  for word in "${words[@]}"; do
    if [[ $word == *=* ]]; then
      COMP_WORDS+=("${word%%=*}" "=" "${word#*=}")
    else
      COMP_WORDS+=("$word")
    fi
  done
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMP_LINE=$1
  COMP_POINT=${#COMP_LINE}
  COMPREPLY=()
  _pidns_tree pidns-tree "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
}
# expect LINE PROPOSAL...: each PROPOSAL is in COMPREPLY; "!X": X is not.
expect() {
  local line=$1 want found reply
  shift
  complete "$line"
  for want in "$@"; do
    found=0
    for reply in "${COMPREPLY[@]}"; do [[ $reply == "${want#!}" ]] && found=1; done
    if [[ $want == '!'* ]]; then ((found == 0)) && continue; else ((found)) && continue; fi
    echo "FAIL: '$line' gave (${COMPREPLY[*]}), expected $want"
    failed=1
  done
}

expect 'pidns-tree --no' --no-pids
expect 'pidns-tree -' -h --help --proc --source -J --json --format -o --output -N --no-pids -p --pid -n --ns -d --max-depth --ptree --owner --ns-id --no-labels -a --all -t --translate --to --watch --interval --ascii --color -V --version
expect 'pidns-tree --source ' auto procfs bpf
expect 'pidns-tree --source=b' bpf '!procfs'
expect 'pidns-tree --col' --color '!--ascii'
expect 'pidns-tree --color ' auto always never
expect 'pidns-tree --color al' always '!auto'
expect 'pidns-tree --color=al' always '!auto'
expect 'pidns-tree --format ' text json dot openmetrics
expect "pidns-tree --output $tmp/al" "$tmp/alfa.txt" "$tmp/alpha"
expect "pidns-tree -o $tmp/alf" "$tmp/alfa.txt"
expect 'pidns-tree --source ' auto procfs bpf
expect 'pidns-tree --source=b' bpf '!procfs'
expect 'pidns-tree --pid ' 1 "$$"
expect "pidns-tree -t $$" "$$"
expect 'pidns-tree --ns /proc/self/ns/pi' /proc/self/ns/pid /proc/self/ns/pid_for_children
expect 'pidns-tree --max-depth ' '!--help' '!1'
expect 'pidns-tree --watch --interval ' '!--help'
expect 'pidns-tree --format=j' json '!text'
expect "pidns-tree --proc $tmp/al" "$tmp/alpha" "$tmp/alps" "!$tmp/alfa.txt"
expect 'pidns-tree --proc /us' /usr
expect 'pidns-tree --version ' '!--help'

_pidns_tree_pids ''
pids=" ${COMPREPLY[*]} "
[[ $pids == *" $$ "* && $pids == *" 1 "* ]] ||
  { echo "FAIL: _pidns_tree_pids gave ($pids), expected $$ and 1 among them"; failed=1; }
_pidns_tree_pids "$$"
[[ " ${COMPREPLY[*]} " == *" $$ "* ]] || { echo "FAIL: _pidns_tree_pids $$ gave (${COMPREPLY[*]})"; failed=1; }

((failed == 0)) && echo "bash completion: all proposals as expected"
exit "$failed"
