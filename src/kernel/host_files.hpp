// host_files: reading the files of a host's root directory (--host-root) that anyone may have
// written: every path stays inside the root, nothing can hang, a file read for a user is that
// user's own, and any failure is "no file".
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kernel/sys.hpp"

namespace pidns {

/// The largest state file read at all. Each kind of file has its own, smaller bound where real
/// files are smaller (names/state_files.hpp); this one is containers.json's, which grows with the
/// containers of its store (a few hundred bytes each), and /etc/passwd's.
inline constexpr std::size_t kMaxStateFileSize = 4 * 1024 * 1024;

/// The most directory entries listed (e.g. of /var/log/containers); the rest are not looked at.
inline constexpr std::size_t kMaxDirEntries = 100000;

/// A user on whose behalf files are read: a rootless container's owner. Everything read for them
/// must be theirs: a regular file owned by `uid`, reached without a symbolic link below `home`
/// (the directory /etc/passwd gives, whose own path is the system's and may hold links) or, for a
/// path elsewhere (one their configuration names), without a symbolic link anywhere. So a file
/// they do not own, or one they could not read, is never read for them.
struct FileOwner {
  uid_t uid = 0;
  std::string home;  ///< absolute, as /etc/passwd gives it
};

/// A regular file below a HostRoot, open for reading a piece at a time (HostRoot::open_file), so
/// that a large file is never whole in memory.
class HostFile {
 public:
  /// The piece size: one read(2).
  static constexpr std::size_t kPieceSize = 64 * 1024;

  HostFile(UniqueFd fd, std::size_t max_size);

  /// The next piece, valid until the next call; empty at the end of the file, after a failed
  /// read, and once the file has been found larger than its bound (then ok() is false).
  [[nodiscard]] std::string_view next();
  /// Whether every read so far succeeded and stayed within the bound.
  [[nodiscard]] bool ok() const noexcept { return ok_; }

 private:
  UniqueFd fd_;
  std::size_t max_size_;
  std::size_t read_ = 0;
  bool ok_ = true;
  bool done_ = false;
  std::unique_ptr<char[]> piece_;
};

/// A directory read as the root of a host's file system. Paths, absolute or not, are resolved
/// with openat2(2) RESOLVE_IN_ROOT: "..", and absolute symbolic links, cannot lead outside it.
/// Needs Linux 5.6; on older kernels nothing is found.
class HostRoot {
 public:
  /// Opens `dir`; throws SysError if it cannot be opened as a directory.
  explicit HostRoot(const std::string& dir);

  /// `path` opened for reading if it is a regular file of at most `max_size` bytes (and at most
  /// kMaxStateFileSize), not on a pseudo file system (procfs, sysfs, cgroupfs, debugfs, FUSE, ...:
  /// reading some of their files has side effects, and a FUSE file can block), and, where
  /// `owner` is given, that owner's file as FileOwner says. nullopt for anything else: missing,
  /// unreadable, a directory, a FIFO or a device (never opened: see read_file), or too large.
  [[nodiscard]] std::optional<HostFile> open_file(std::string_view path, std::size_t max_size,
                                                  const FileOwner* owner = nullptr) const;

  /// The whole contents of the file open_file() would open, read to its end; nullopt where it
  /// gives none or a read fails or finds the file grown past `max_size`.
  [[nodiscard]] std::optional<std::string> read_file(std::string_view path,
                                                     std::size_t max_size = kMaxStateFileSize,
                                                     const FileOwner* owner = nullptr) const;

  /// The names in directory `path`, without "." and "..", in no particular order, at most
  /// kMaxDirEntries of them; empty if it cannot be listed.
  [[nodiscard]] std::vector<std::string> list_dir(std::string_view path) const;

 private:
  [[nodiscard]] UniqueFd open_inside(std::string_view path, int flags) const;
  [[nodiscard]] UniqueFd open_owned(std::string_view path, const FileOwner& owner) const;

  UniqueFd root_;
};

/// Whether the file system of `fd` (any descriptor, O_PATH included) is a pseudo file system
/// whose files are not state files: procfs, sysfs, cgroupfs, debugfs, tracefs, securityfs, bpf,
/// pstore, efivarfs, devpts, selinuxfs, smackfs, nsfs, binfmt_misc, FUSE. true where fstatfs(2)
/// fails.
[[nodiscard]] bool on_pseudo_file_system(int fd) noexcept;

}  // namespace pidns
