#!/bin/sh
# man-lint.sh PAGE: the man page must be clean for mandoc -Tlint -Wwarning and, where groff is
# installed, for groff -man -ww -z on both the UTF-8 and the ASCII device (a glyph the ASCII
# device lacks is a warning there only). Exit 77 if mandoc is missing.
set -eu
page=$1
command -v mandoc >/dev/null 2>&1 || { echo "SKIP: mandoc is not installed"; exit 77; }
mandoc -Tlint -Wwarning "$page"
if command -v groff >/dev/null 2>&1; then
  for device in utf8 ascii; do
    warnings=$(groff -man -ww -z -T"$device" "$page" 2>&1)
    [ -z "$warnings" ] || { printf 'groff -T%s:\n%s\n' "$device" "$warnings"; exit 1; }
  done
fi
echo "man-lint: $page is clean"
