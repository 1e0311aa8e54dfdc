#!/bin/sh
# install.sh BUILD_DIR: `meson install --destdir` into a temporary directory, then checks that
# the binary, the man page and the three completions land where the build options say and that
# each consumer finds them there: man, bash-completion's loader, fish and zsh; and that the
# node-exporter units are installed only where asked for.
set -eu
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
docs=$here/../docs
dest=$(mktemp -d)
trap 'rm -rf -- "$dest"' EXIT

meson install -C "$build" --destdir "$dest" --no-rebuild --quiet

# The directories as configured, from meson's own view of the build options (introspected once:
# each call costs half a second).
options_json=$(meson introspect "$build" --buildoptions)
option() {
  printf '%s' "$options_json" | python3 -c '
import json, sys
print(next(o["value"] for o in json.load(sys.stdin) if o["name"] == sys.argv[1]))' "$1"
}
prefix=$(option prefix)
under_prefix() { case $1 in /*) echo "$1" ;; *) echo "$prefix/$1" ;; esac; }
bindir=$(under_prefix "$(option bindir)")
mandir=$(under_prefix "$(option mandir)")
datadir=$(under_prefix "$(option datadir)")
bash_dir=$(option bash_completion_dir)
zsh_dir=$(option zsh_completion_dir)
fish_dir=$(option fish_completion_dir)
if [ -z "$bash_dir" ]; then
  bash_dir=$(pkg-config --define-variable=datadir="$datadir" --variable=completionsdir \
    bash-completion 2>/dev/null) || bash_dir=$datadir/bash-completion/completions
fi
[ -n "$zsh_dir" ] || zsh_dir=$datadir/zsh/site-functions
[ -n "$fish_dir" ] || fish_dir=$datadir/fish/vendor_completions.d

failed=0
fail() { echo "FAIL: $*"; failed=1; }
expect_file() {
  [ -f "$dest$1" ] || fail "meson install did not install $1"
}
expect_file "$bindir/pidns-tree"
expect_file "$mandir/man1/pidns-tree.1"
expect_file "$datadir/pidns-tree/pidns-tree.schema.json"
expect_file "$datadir/pidns-tree/pidns-tree-watch.schema.json"
# expect_completion OPTION_VALUE FILE: FILE is in the completion directory, unless it is 'no'.
expect_completion() {
  [ "$1" = no ] || expect_file "$(under_prefix "$1")/$2"
}
expect_completion "$bash_dir" pidns-tree
expect_completion "$zsh_dir" _pidns-tree
expect_completion "$fish_dir" pidns-tree.fish
# The node-exporter units only where asked for (-Dnode_exporter_units_dir).
units_dir=$(option node_exporter_units_dir)
if [ "$units_dir" = no ]; then
  [ -z "$(find "$dest" -name 'pidns-tree-textfile.*')" ] ||
    fail "the node-exporter units were installed, though node_exporter_units_dir is 'no'"
else
  expect_file "$(under_prefix "$units_dir")/pidns-tree-textfile.service"
  expect_file "$(under_prefix "$units_dir")/pidns-tree-textfile.timer"
fi
echo "installed:"
(cd "$dest" && find . -type f | sort)

# The binary runs from where it was installed.
"$dest$bindir/pidns-tree" --version | grep -q '^pidns-tree [0-9]' ||
  fail "the installed pidns-tree --version does not print its version"

# man finds the page by name in the installed tree, and renders its NAME section.
page=$dest$mandir/man1/pidns-tree.1
if command -v man >/dev/null 2>&1; then
  # man justifies lines, so words may be more than one space apart.
  rendered=$(MANWIDTH=80 MANPAGER='cat' man -l "$page" 2>&1) || fail "man -l $page failed"
  printf '%s\n' "$rendered" | grep -q '^NAME' || fail "man -l did not render NAME: $rendered"
  printf '%s\n' "$rendered" | grep -qE 'pidns-tree +- +show +the +hierarchy' ||
    fail "man -l did not render the NAME line: $rendered"
  MANPAGER='cat' man -M "$dest$mandir" pidns-tree 2>/dev/null | grep -q '^NAME' ||
    fail "man -M $dest$mandir pidns-tree did not find the page"
elif command -v mandoc >/dev/null 2>&1; then
  mandoc -Tascii "$page" | grep -q '^NAME' || fail "mandoc did not render NAME"
fi

# bash-completion's loader finds the completion through XDG_DATA_DIRS, as it would in /usr/local.
bash_completion=/usr/share/bash-completion/bash_completion
if [ "$bash_dir" != no ] && [ -r "$bash_completion" ] &&
  [ "$(under_prefix "$bash_dir")" = "$datadir/bash-completion/completions" ]; then
  XDG_DATA_DIRS=$dest$datadir bash -c '. "$1"; __load_completion pidns-tree; complete -p pidns-tree' \
    sh "$bash_completion" | grep -q '_pidns_tree pidns-tree' ||
    fail "bash-completion's loader did not load the installed completion"
fi
# fish finds vendor completions under XDG_DATA_DIRS, for commands on its PATH; zsh through $fpath.
if [ "$fish_dir" != no ] && command -v fish >/dev/null 2>&1 &&
  [ "$(under_prefix "$fish_dir")" = "$datadir/fish/vendor_completions.d" ]; then
  # Not --no-config: that skips fish's own config.fish, which sets up the vendor directories.
  # HOME and XDG_CONFIG_HOME keep the user's configuration out.
  HOME=$dest XDG_CONFIG_HOME=$dest/.config XDG_DATA_HOME=$dest/.local/share \
    PATH=$dest$bindir:$PATH XDG_DATA_DIRS=$dest$datadir fish -c 'complete -C"pidns-tree --no-p"' |
    grep -q '^--no-pids' || fail "fish did not find the installed completion"
fi
if [ "$zsh_dir" != no ] && command -v zsh >/dev/null 2>&1; then
  zsh -f "$docs/zsh-complete.zsh" "$dest$(under_prefix "$zsh_dir")" 'pidns-tree --no-p' |
    grep -q "$(printf '^1\t--no-pids$')" || fail "zsh did not complete from the installed _pidns-tree"
fi

[ "$failed" -eq 0 ] && echo "install: every file in place and found by its consumer"
exit "$failed"
