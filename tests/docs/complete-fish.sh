#!/bin/sh
# complete-fish.sh FILE: sources the completion FILE in a real fish and checks what
# `complete -C LINE` proposes. Exit 77 if fish is not installed.
set -eu
file=$1
command -v fish >/dev/null 2>&1 || { echo "SKIP: fish is not installed"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf -- "$tmp"' EXIT
mkdir "$tmp/alpha" "$tmp/alps"
touch "$tmp/alfa.txt"

# The fish script prints "FAIL: ..." for each miss; exit status 1 if there was one.
# shellcheck disable=SC2016 # the $ are fish's, not sh's
fish --no-config -c '
set -l failed 0
source $argv[1]
set -l tmp $argv[2]
# expect LINE PROPOSAL...: each PROPOSAL is a candidate (its text before the tab); "!X": X is not.
function expect --no-scope-shadowing
    set -l line $argv[1]
    set -l got (complete -C"$line" | string replace -r "\t.*" "")
    for want in $argv[2..-1]
        set -l name (string replace -r "^!" "" -- $want)
        if contains -- $name $got; and test $name = $want; continue; end
        if not contains -- $name $got; and test $name != $want; continue; end
        echo "FAIL: \"$line\" gave ($got), expected $want"
        set failed 1
    end
end
expect "pidns-tree --col" --color !--ascii
expect "pidns-tree --no" --no-pids
expect "pidns-tree -" -h --help --proc --source -J --json --format -o --output -N --no-pids -p --pid -n --ns -d --max-depth --ptree --owner --ns-id --no-labels -a --all -t --translate --to --watch --interval --ascii --color -V --version
expect "pidns-tree --color " auto always never
expect "pidns-tree --source " auto procfs bpf
expect "pidns-tree --color=al" --color=always !--color=auto
expect "pidns-tree --format " text json dot openmetrics
expect "pidns-tree --output $tmp/al" $tmp/alfa.txt $tmp/alpha/
expect "pidns-tree --pid " 1 $fish_pid
expect "pidns-tree --ns /proc/self/ns/pi" /proc/self/ns/pid /proc/self/ns/pid_for_children
expect "pidns-tree --proc $tmp/al" $tmp/alpha/ $tmp/alps/ !$tmp/alfa.txt
expect "pidns-tree --proc /us" /usr/
expect "pidns-tree " !$tmp

set -l pids (__pidns_tree_pids | string replace -r "\t.*" "")
if not contains -- $fish_pid $pids; or not contains -- 1 $pids
    echo "FAIL: __pidns_tree_pids gave ($pids), expected $fish_pid and 1 among them"
    set failed 1
end
test $failed = 0; and echo "fish completion: all proposals as expected"
exit $failed
' "$file" "$tmp"
