// host_files: reading the files of a host's root directory (--host-root) that anyone may have
// written: every path stays inside the root, nothing can hang, and any failure is "no file".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/sys.hpp"

namespace pidns {

/// The largest state file read. Docker's config.v2.json is a few KiB, a containers.json a few
/// hundred bytes per container; anything larger is not one of them.
inline constexpr std::size_t kMaxStateFileSize = 4 * 1024 * 1024;

/// The most directory entries listed (e.g. of /var/log/containers); the rest are not looked at.
inline constexpr std::size_t kMaxDirEntries = 100000;

/// A directory read as the root of a host's file system. Paths, absolute or not, are resolved
/// with openat2(2) RESOLVE_IN_ROOT: "..", and absolute symbolic links in files a user owns (a
/// rootless store), cannot lead outside it. Needs Linux 5.6; on older kernels nothing is found.
class HostRoot {
 public:
  /// Opens `dir`; throws SysError if it cannot be opened as a directory.
  explicit HostRoot(const std::string& dir);

  /// The contents of `path` if it is a regular file of at most kMaxStateFileSize bytes that
  /// could be opened and read; nullopt for anything else: missing, unreadable, a directory, a
  /// FIFO or a device (opened O_NONBLOCK, so that neither can block), or too large.
  [[nodiscard]] std::optional<std::string> read_file(std::string_view path) const;

  /// The names in directory `path`, without "." and "..", in no particular order, at most
  /// kMaxDirEntries of them; empty if it cannot be listed.
  [[nodiscard]] std::vector<std::string> list_dir(std::string_view path) const;

 private:
  [[nodiscard]] UniqueFd open_inside(std::string_view path, int flags) const;

  UniqueFd root_;
};

}  // namespace pidns
