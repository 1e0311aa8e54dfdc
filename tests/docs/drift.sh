#!/bin/sh
# drift.sh PIDNS_TREE SOURCE_ROOT: every option that `pidns-tree --help` lists, long and short,
# must appear in the man page, the three shell completions and README.md; and every option those
# documents name (comments aside) must still exist. ripgrep's ci/test-complete does the same.
set -eu
bin=$1 root=$2
man=$root/man/pidns-tree.1
bash_c=$root/completions/pidns-tree.bash
zsh_c=$root/completions/_pidns-tree
fish_c=$root/completions/pidns-tree.fish
readme=$root/README.md

# CLI11 prints "  -J,--json   Print ..." under "Options:", up to the first empty line.
help=$("$bin" --help)
options=$(printf '%s\n' "$help" |
  awk '/^Options:/ { in_options = 1; next } in_options && /^$/ { exit }
       in_options && $1 ~ /^-/ { print $1 }' | tr ',' '\n')
[ -n "$options" ] || { echo "drift: no options found in --help:"; printf '%s\n' "$help"; exit 1; }

# The option as a whole word: not followed by more of a name ("--no" must not match "--no-pids").
word() { printf '(^|[^A-Za-z0-9-])%s($|[^A-Za-z0-9-])' "$1"; }

# In the man page, each option must be described under OPTIONS, not only named in SYNOPSIS.
man_options=$(awk '/^\.SH/ { in_options = ($2 == "OPTIONS") } in_options' "$man")

failed=0
missing() { echo "drift: $1 does not mention $2"; failed=1; }
for opt in $options; do
  # In roff every '-' is written '\-'; then "\-\-no" must not match "\-\-no\-pids", but a font
  # escape such as "\fR" may follow.
  roff=$(printf '%s' "$opt" | sed 's/-/\\\\-/g')
  printf '%s\n' "$man_options" | grep -qE -- "${roff}(\$|[^A-Za-z0-9\\\\]|\\\\[^-])" ||
    missing "$man (OPTIONS)" "$opt"
  grep -v '^[[:space:]]*#' "$bash_c" | grep -qE -- "$(word "$opt")" || missing "$bash_c" "$opt"
  grep -v '^[[:space:]]*#' "$zsh_c" | grep -qE -- "$(word "$opt")" || missing "$zsh_c" "$opt"
  grep -qE -- "$(word "$opt")" "$readme" || missing "$readme" "$opt"
  case $opt in
    --*) fish_opt="-l ${opt#--}" ;;
    *) fish_opt="-s ${opt#-}" ;;
  esac
  grep -v '^[[:space:]]*#' "$fish_c" | grep -qE -- "$(word "$fish_opt")" || missing "$fish_c" "$opt"
done

# The other way round: long options the documents name that --help no longer has.
stale() {  # FILE OPTION...
  file=$1
  shift
  for opt in "$@"; do
    printf '%s\n' "$options" | grep -qxF -- "$opt" || {
      echo "drift: $file names $opt, which pidns-tree --help does not list"
      failed=1
    }
  done
}
# shellcheck disable=SC2046 # one option a word
# jq's own options in the examples (--arg, --argjson, ...) are jq's business, not ours; so are
# dockerd's (--data-root, --config-file, --cgroup-parent), runc's (--systemd-cgroup) and the
# kubelet's (--runtime-cgroups), which the man page names where containers are recognised and
# named; and node_exporter's (--collector.textfile.directory), for the textfile collector's recipe.
stale "$man" $(sed 's/\\-/-/g; s/\\f[BIRP]//g' "$man" | grep -oE -- '--[a-z][a-z0-9-]*' |
  grep -vxE -- '--(arg|argjson|raw-output|slurp|null-input|compact-output|data-root|config-file|collector)' |
  grep -vxE -- '--(cgroup-parent|systemd-cgroup|runtime-cgroups)' |
  sort -u)
for file in "$bash_c" "$zsh_c"; do
  # shellcheck disable=SC2046
  stale "$file" $(grep -v '^[[:space:]]*#' "$file" | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u)
done
# shellcheck disable=SC2046
stale "$fish_c" $(grep '^complete ' "$fish_c" | grep -oE -- ' -l [a-z][a-z0-9-]*' |
  sed 's/^ -l /--/' | sort -u)

[ "$failed" -eq 0 ] && echo "drift: $(printf '%s\n' "$options" | wc -l) options documented everywhere"
exit "$failed"
