"""Debian's cloud kernels for the old-kernel suite: fetched once with apt-get, cached, extracted.

    python3 kernels.py [--cache DIR] [RELEASE...]    fetch and extract (default: every release)

A release is fetched through a one-off sources list of its Debian suite (its own apt state and
cache below the cache directory, so the host's apt state is never changed), from the Debian
mirror the host's apt already uses. The newest linux-image-*-cloud-amd64-unsigned that the
mirror serves is taken: mirrors drop superseded builds from the pool while the index still names
them, so older ones are tried in turn. The cache holds, per release, `vmlinuz`, `config` and
`version`; a cached release costs no network at all.

The cloud kernels build in everything the VM needs (initramfs, serial console, devtmpfs, PID and
user namespaces, the proc connector): `require_config` checks that, so no module is loaded.

The cache directory is PIDNS_KERNEL_CACHE when set (CI fetches once), else the one given.
PIDNS_DEBIAN_MIRROR and PIDNS_DEBIAN_SECURITY_MIRROR override the mirrors taken from apt.
Exit status: 0, 1 on a failure, 77 when the kernels cannot be had here (no apt, no mirror).
"""

import argparse
import fcntl
import os
import re
import shutil
import subprocess
import sys
import tempfile

SKIP = 77

# Release -> the Debian suite that ships it. Bookworm's security suite carries its kernel
# updates, bullseye's its last ones; the main suite is the fallback for both.
RELEASES = {"5.10": "bullseye", "6.1": "bookworm"}
KEYRING = "/usr/share/keyrings/debian-archive-keyring.gpg"

# What the VM needs from the kernel, built in (=y): it loads no modules.
REQUIRED_CONFIG = [
    "CONFIG_BLK_DEV_INITRD", "CONFIG_DEVTMPFS", "CONFIG_PROC_FS", "CONFIG_TMPFS",
    "CONFIG_SERIAL_8250", "CONFIG_SERIAL_8250_CONSOLE", "CONFIG_PID_NS", "CONFIG_USER_NS",
    "CONFIG_UNIX", "CONFIG_NET", "CONFIG_CONNECTOR", "CONFIG_PROC_EVENTS",
]


class Unavailable(Exception):
    """The kernels cannot be had on this machine (skip, saying why)."""


def cache_dir(default):
    return os.environ.get("PIDNS_KERNEL_CACHE") or default


def mirrors():
    """The Debian archive and security URIs the host's apt already uses."""
    if shutil.which("apt-get") is None:
        raise Unavailable("apt-get is not installed (the kernels are Debian packages)")
    out = subprocess.run(["apt-get", "indextargets", "--format", "$(REPO_URI) $(RELEASE)"],
                         capture_output=True, text=True, check=False).stdout
    archive = security = None
    for line in out.splitlines():
        uri, _, suite = line.partition(" ")
        if re.fullmatch(r"[a-z]+-security", suite):
            security = security or uri
        elif re.fullmatch(r"[a-z]+(-updates)?", suite) and "debian" in uri:
            archive = archive or uri
    archive = os.environ.get("PIDNS_DEBIAN_MIRROR", archive)
    security = os.environ.get("PIDNS_DEBIAN_SECURITY_MIRROR", security)
    if not archive:
        raise Unavailable("no Debian mirror in apt's sources (set PIDNS_DEBIAN_MIRROR)")
    return archive, security


class Apt:
    """apt-get and apt-cache over one suite's own sources list, state and cache."""

    def __init__(self, root, suite):
        self.root = root
        os.makedirs(os.path.join(root, "state", "lists", "partial"), exist_ok=True)
        os.makedirs(os.path.join(root, "cache", "archives", "partial"), exist_ok=True)
        archive, security = mirrors()
        lines = [f"deb [signed-by={KEYRING}] {archive} {suite} main"]
        if security:
            lines.append(f"deb [signed-by={KEYRING}] {security} {suite}-security main")
        self.sources = os.path.join(root, "sources.list")
        with open(self.sources, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        self.options = [
            "-o", f"Dir::Etc::sourcelist={self.sources}", "-o", "Dir::Etc::sourceparts=-",
            "-o", f"Dir::State={root}/state", "-o", f"Dir::Cache={root}/cache",
            "-o", "Dir::State::status=/var/lib/dpkg/status",
            "-o", "APT::Sandbox::User=root",  # its download dir is ours, not _apt's
        ]

    def run(self, tool, *args, cwd=None):
        r = subprocess.run([tool, "-q", *self.options, *args], cwd=cwd, capture_output=True,
                           text=True, check=False)
        return r.returncode, r.stdout, r.stderr

    def update(self):
        rc, _, err = self.run("apt-get", "update")
        # An unreachable mirror is only a warning to apt-get update, which then exits 0.
        failed = [line for line in err.splitlines() if "Failed to fetch" in line]
        if rc != 0 or failed:
            why = failed[0] if failed else last_line(err)
            raise Unavailable(f"apt-get update of {self.sources} failed: {why}")

    def candidates(self):
        """Every linux-image-*-cloud-amd64-unsigned in the index, newest first."""
        rc, out, err = self.run("apt-cache", "search", "--names-only",
                                r"^linux-image-[0-9.]+-[0-9]+-cloud-amd64-unsigned$")
        if rc != 0:
            raise Unavailable(f"apt-cache search failed: {last_line(err)}")
        names = [line.split(" ", 1)[0] for line in out.splitlines() if line.strip()]
        return sorted(names, key=lambda n: [int(x) for x in re.findall(r"\d+", n)], reverse=True)

    def download(self, name, into):
        rc, _, err = self.run("apt-get", "download", name, cwd=into)
        return rc == 0, last_line(err)


def last_line(text):
    lines = [line for line in text.strip().splitlines() if not line.startswith("W:")]
    return lines[-1] if lines else "(no message)"


def require_config(config_path):
    with open(config_path, encoding="utf-8") as f:
        values = dict(line.strip().split("=", 1) for line in f if re.match(r"CONFIG_\w+=", line))
    missing = [c for c in REQUIRED_CONFIG if values.get(c) != "y"]
    if missing:
        raise RuntimeError(f"{config_path}: not built in: {', '.join(missing)}")


def extract(deb, into):
    """vmlinuz and config out of one kernel package, into INTO."""
    with tempfile.TemporaryDirectory(dir=into) as tmp:
        subprocess.run(["dpkg-deb", "-x", deb, tmp], check=True)
        boot = os.path.join(tmp, "boot")
        found = {}
        for entry in os.listdir(boot):
            kind, _, version = entry.partition("-")
            if kind in ("vmlinuz", "config"):
                found[kind] = (os.path.join(boot, entry), version)
        if set(found) != {"vmlinuz", "config"}:
            raise RuntimeError(f"{deb}: no vmlinuz and config in /boot")
        require_config(found["config"][0])
        for kind, (path, _) in found.items():
            shutil.copyfile(path, os.path.join(into, kind + ".new"))
            os.replace(os.path.join(into, kind + ".new"), os.path.join(into, kind))
        return found["vmlinuz"][1]


def fetch(release, cache):
    """The directory holding RELEASE's vmlinuz, config and version; fetched if not cached."""
    if release not in RELEASES:
        raise ValueError(f"unknown release {release}; known: {', '.join(RELEASES)}")
    target = os.path.join(cache, release)
    version_file = os.path.join(target, "version")
    os.makedirs(target, exist_ok=True)
    with open(os.path.join(target, ".lock"), "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one fetch per release, whoever else shares the cache
        if os.path.exists(version_file):
            return target
        if shutil.which("dpkg-deb") is None:
            raise Unavailable("dpkg-deb is not installed")
        apt = Apt(os.path.join(cache, "apt-" + RELEASES[release]), RELEASES[release])
        apt.update()
        names = apt.candidates()
        if not names:
            raise Unavailable(f"no linux-image-*-cloud-amd64-unsigned in {RELEASES[release]}")
        failures = []
        with tempfile.TemporaryDirectory(dir=cache) as debs:
            for name in names:
                ok, why = apt.download(name, debs)
                if ok:
                    deb = os.path.join(debs, os.listdir(debs)[0])
                    version = extract(deb, target)
                    with open(version_file, "w", encoding="utf-8") as f:
                        f.write(f"{version} {os.path.basename(deb)}\n")
                    return target
                failures.append(f"{name}: {why}")
        raise Unavailable(f"no {release} kernel could be downloaded: " + "; ".join(failures))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cache", default=os.path.join(os.getcwd(), "kernels"))
    parser.add_argument("releases", nargs="*", default=list(RELEASES))
    args = parser.parse_args()
    cache = os.path.abspath(cache_dir(args.cache))
    os.makedirs(cache, exist_ok=True)
    try:
        for release in args.releases:
            target = fetch(release, cache)
            with open(os.path.join(target, "version"), encoding="utf-8") as f:
                print(f"{release}: {target} ({f.read().strip()})")
    except Unavailable as e:
        print(f"kernels: {e}", file=sys.stderr)
        sys.exit(SKIP)


if __name__ == "__main__":
    main()
