#!/usr/bin/zsh -f
# zsh-complete.zsh DIR LINE...: prints what zsh's completion system proposes at the end of each
# LINE, as "N<TAB>PROPOSAL" lines (N = 1 for the first LINE), with the completion functions of
# DIR first in $fpath. It types each LINE and a TAB into one real interactive zsh under zsh/zpty,
# where compadd is wrapped to print its matches (the technique of zsh-capture-completion).
# Exit 77 if zsh/zpty is missing.
emulate -L zsh
zmodload zsh/zpty 2>/dev/null || { print -u2 "SKIP: no zsh/zpty"; exit 77 }
dir=$1
shift
tmp=$(mktemp -d) || exit 1
trap 'zpty -d comp 2>/dev/null; rm -rf -- $tmp' EXIT

cat >$tmp/.zshrc <<RC
PS1='' PS2='' RPS1=''
fpath=(${(q)dir} \$fpath)
autoload -Uz compinit && compinit -u -d ${(q)tmp}/zcompdump
# Never list matches: a long list asks "do you wish to see all N possibilities?", and the next
# line typed would answer it.
unsetopt AUTO_LIST LIST_AMBIGUOUS
LISTMAX=100000
zstyle ':completion:*' list-grouped false
zstyle ':completion:*' insert-tab false
compadd() {
  # Calls that only fill an array (-O, -A, -D) are the completion system's own bookkeeping.
  if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "\$@"; return; fi
  local -a hits
  builtin compadd -A hits "\$@"
  local h; for h in \$hits; do print -r -- "<hit>\$h</hit>"; done
  builtin compadd "\$@"
}
_capture_tab() { zle complete-word; print -r -- "<done>"; BUFFER= }
zle -N _capture_tab
bindkey '^I' _capture_tab
RC

zpty comp "ZDOTDIR=${(q)tmp} zsh -i" || exit 1
integer n=0
for line; do
  (( ++n ))
  zpty -w -n comp "${line}"$'\t'
  out= chunk= deadline=$(( SECONDS + 10 ))
  while [[ $out != *'<done>'* ]] && (( SECONDS < deadline )); do
    if zpty -r -t comp chunk; then out+=$chunk; else sleep 0.02; fi
  done
  [[ $out == *'<done>'* ]] || {
    print -u2 -r -- "zsh-complete: no answer from zsh within 10 s for ${(q)line}: ${(q+)out}"
    exit 1
  }
  for hit in ${(M)${(f)out//$'\r'/}:#*<hit>*</hit>*}; do
    hit=${hit#*<hit>}
    print -r -- "$n"$'\t'"${hit%</hit>*}"
  done
done
