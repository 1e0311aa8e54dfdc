// host_files: reading the files of a host's root directory (--host-root) that anyone may have
// written.
#include "kernel/host_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace pidns {

bool on_pseudo_file_system(int fd) noexcept {
  struct statfs fs {};
  if (::fstatfs(fd, &fs) != 0) return true;
  switch (static_cast<unsigned long>(fs.f_type)) {
    case PROC_SUPER_MAGIC:  // /proc/kmsg: a read takes messages from the system logger
    case SYSFS_MAGIC:
    case CGROUP_SUPER_MAGIC:
    case CGROUP2_SUPER_MAGIC:
    case DEBUGFS_MAGIC:
    case TRACEFS_MAGIC:  // trace_pipe: a read consumes, and blocks
    case SECURITYFS_MAGIC:
    case BPF_FS_MAGIC:
    case PSTOREFS_MAGIC:
    case EFIVARFS_MAGIC:
    case DEVPTS_SUPER_MAGIC:
    case SELINUX_MAGIC:
    case SMACK_MAGIC:
    case NSFS_MAGIC:
    case BINFMTFS_MAGIC:
    case FUSE_SUPER_MAGIC:  // its server, perhaps a user's, may never answer a read
      return true;
    default:
      return false;
  }
}

HostFile::HostFile(UniqueFd fd, std::size_t max_size) : fd_(std::move(fd)), max_size_(max_size) {}

std::string_view HostFile::next() {
  if (done_) return {};
  if (!piece_) piece_ = std::make_unique_for_overwrite<char[]>(kPieceSize);
  // At most one byte past the bound: enough to tell a file that grew past it.
  std::size_t want = std::min(kPieceSize, max_size_ + 1 - read_);
  ssize_t n;
  do {
    n = ::read(fd_.get(), piece_.get(), want);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    done_ = true;
    ok_ = ok_ && n == 0;
    return {};
  }
  read_ += static_cast<std::size_t>(n);
  if (read_ > max_size_) {
    done_ = true;
    ok_ = false;
    return {};
  }
  return {piece_.get(), static_cast<std::size_t>(n)};
}

HostRoot::HostRoot(const std::string& dir)
    : root_(open_at(AT_FDCWD, dir.c_str(), O_PATH | O_DIRECTORY)) {}

UniqueFd HostRoot::open_inside(std::string_view path, int flags) const {
  try {
    return open_path_in_root(root_.get(), std::string(path).c_str(), flags);
  } catch (const SysError&) {
    return {};
  }
}

// A user's file: below their home, the home is found as the system's files are (its path is
// root's to choose) and the rest must hold no symbolic link; elsewhere, no link at all. The
// owner is checked on the handle by open_file().
UniqueFd HostRoot::open_owned(std::string_view path, const FileOwner& owner) const {
  std::string_view home = owner.home;
  while (home.size() > 1 && home.ends_with('/')) home.remove_suffix(1);
  try {
    if (home.starts_with('/') && path.size() > home.size() + 1 && path.starts_with(home) &&
        path[home.size()] == '/') {
      UniqueFd dir = open_inside(home, O_PATH | O_DIRECTORY);
      if (!dir) return {};
      std::string rest(path.substr(home.size() + 1));
      return open_resolved(dir.get(), rest.c_str(), O_PATH,
                           RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV);
    }
    return open_resolved(root_.get(), std::string(path).c_str(), O_PATH,
                         RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
  } catch (const SysError&) {
    return {};
  }
}

// Checked through an O_PATH handle first, so that nothing a user planted there (a FIFO, a device)
// is ever opened; then the regular file the handle holds is opened for reading.
std::optional<HostFile> HostRoot::open_file(std::string_view path, std::size_t max_size,
                                            const FileOwner* owner) const {
  max_size = std::min(max_size, kMaxStateFileSize);
  UniqueFd handle = owner ? open_owned(path, *owner) : open_inside(path, O_PATH);
  if (!handle) return std::nullopt;
  struct stat st {};
  if (::fstat(handle.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
      static_cast<std::size_t>(st.st_size) > max_size || (owner && st.st_uid != owner->uid) ||
      on_pseudo_file_system(handle.get())) {
    return std::nullopt;
  }
  try {
    return HostFile(reopen(handle.get(), O_NONBLOCK), max_size);
  } catch (const SysError&) {
    return std::nullopt;
  }
}

std::optional<std::string> HostRoot::read_file(std::string_view path, std::size_t max_size,
                                               const FileOwner* owner) const {
  std::optional<HostFile> file = open_file(path, max_size, owner);
  if (!file) return std::nullopt;
  std::string text;
  for (std::string_view piece = file->next(); !piece.empty(); piece = file->next()) {
    text += piece;
  }
  if (!file->ok()) return std::nullopt;
  return text;
}

std::vector<std::string> HostRoot::list_dir(std::string_view path) const {
  std::vector<std::string> names;
  UniqueFd fd = open_inside(path, O_RDONLY | O_DIRECTORY);
  if (!fd) return names;
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::fdopendir(fd.get()), ::closedir);
  if (!dir) return names;
  (void)fd.release();  // closedir closes it
  while (names.size() < kMaxDirEntries) {
    const dirent* entry = ::readdir(dir.get());
    if (entry == nullptr) break;  // the end, or an error: what was listed is still true
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  return names;
}

}  // namespace pidns
