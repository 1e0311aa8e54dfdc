#!/bin/sh
# check_version.sh SOURCE_DIR: the version is stated once, in meson.build's project(); the files
# that must state it too, and cannot be generated from it, agree with it: the newest entry of
# debian/changelog (read by dpkg before meson runs), the man page's .TH line (read from the
# source tree by man and the docs tests) and the image the DaemonSet runs (applied as it is by
# kubectl). Run by debian/rules and by the 'version' test.
set -eu
src=$1
version=$(meson introspect --projectinfo "$src/meson.build" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
failed=0
# "pidns-tree (0.3.0-1) unstable; urgency=medium": the upstream part, without epoch or revision.
changelog=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$src/debian/changelog" |
  sed 's/^[0-9]*://; s/-[^-]*$//')
if [ "$changelog" != "$version" ]; then
  echo "check_version: debian/changelog's newest entry is $changelog, meson.build says $version" >&2
  failed=1
fi
if ! grep -q "^\.TH .* \"pidns\\\\-tree $version\"" "$src/man/pidns-tree.1"; then
  echo "check_version: man/pidns-tree.1's .TH line does not say pidns\\-tree $version" \
    "(meson.build's version)" >&2
  failed=1
fi
daemonset=$src/deploy/kubernetes/daemonset.yaml
if ! grep -q "^ *image: localhost/pidns-tree:$version\$" "$daemonset"; then
  echo "check_version: deploy/kubernetes/daemonset.yaml does not run" \
    "localhost/pidns-tree:$version (meson.build's version)" >&2
  failed=1
fi
[ "$failed" -eq 0 ] && echo "check_version: $version everywhere"
exit "$failed"
