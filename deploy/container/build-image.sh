#!/bin/sh
# build-image.sh BINARY CONTAINERFILE VERSION SOURCE_URL IIDFILE: builds the pidns-tree image
# with podman, offline, as localhost/pidns-tree:VERSION and :latest, and writes its ID to
# IIDFILE. Run by `meson compile -C build image`.
#
# The image is FROM scratch: the binary (stripped), each shared library that ldd says it loads,
# at the path ldd names, and the dynamic loader at the binary's PT_INTERP path. Nothing else: no
# shell, no libc tools, no /etc. Debian ships no static libfmt, so a static binary would need fmt
# built header-only in a second build of everything; the libraries cost about 5 MB instead.
set -eu
[ $# -eq 5 ] || { echo "usage: $0 BINARY CONTAINERFILE VERSION SOURCE_URL IIDFILE" >&2; exit 2; }
binary=$1 containerfile=$2 version=$3 source_url=$4 iidfile=$5
for tool in podman ldd readelf strip; do
  command -v "$tool" >/dev/null 2>&1 || { echo "build-image: $tool is not installed" >&2; exit 1; }
done

context=$(mktemp -d)
trap 'rm -rf -- "$context"' EXIT
rootfs=$context/rootfs
mkdir -p "$rootfs/usr/bin"
strip --strip-unneeded -o "$rootfs/usr/bin/pidns-tree" "$binary"

# put FILE: a copy of FILE's target, at FILE's own path in the image (ldd names libraries by
# the directory the loader searched, e.g. /lib/x86_64-linux-gnu, whose files are links).
put() {
  mkdir -p "$rootfs$(dirname "$1")"
  cp -L -- "$1" "$rootfs$1"
}

interpreter=$(readelf -l "$binary" | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
[ -n "$interpreter" ] || { echo "build-image: $binary names no dynamic loader" >&2; exit 1; }
put "$interpreter"
# ldd's lines: "libfmt.so.9 => /lib/x86_64-linux-gnu/libfmt.so.9 (0x...)"; the vDSO and the
# loader have no "=>". A library it cannot find makes the image useless: stop.
libraries=$(ldd "$binary")
if printf '%s\n' "$libraries" | grep -q 'not found'; then
  echo "build-image: $binary needs a library that is not installed:" >&2
  printf '%s\n' "$libraries" >&2
  exit 1
fi
for library in $(printf '%s\n' "$libraries" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }'); do
  put "$library"
done

if [ -z "$source_url" ]; then
  echo "build-image: no -Dsource_url: the image's org.opencontainers.image.source is empty" >&2
fi
# The image this build replaces, if any: removed below once nothing names it, so that rebuilding
# leaves no untagged image behind.
previous=$(podman image inspect --format '{{.Id}}' "localhost/pidns-tree:$version" 2>/dev/null ||
  true)
# --pull=never: FROM scratch needs no base image, and nothing may be fetched. --layers=false:
# no intermediate image per instruction is kept.
podman build --quiet --pull=never --layers=false --file "$containerfile" \
  --build-arg "VERSION=$version" --build-arg "SOURCE_URL=$source_url" \
  --tag "localhost/pidns-tree:$version" --tag localhost/pidns-tree:latest \
  --iidfile "$iidfile" "$context" >/dev/null
if [ -n "$previous" ] && [ "sha256:$previous" != "$(cat "$iidfile")" ] &&
  [ -z "$(podman image inspect --format '{{join .RepoTags ""}}' "$previous" 2>/dev/null)" ]; then
  podman rmi "$previous" >/dev/null 2>&1 || true  # a container still uses it: leave it
fi
size=$(podman image inspect --format '{{.Size}}' "localhost/pidns-tree:$version")
echo "build-image: localhost/pidns-tree:$version (and :latest), $(cat "$iidfile"), $size bytes"
