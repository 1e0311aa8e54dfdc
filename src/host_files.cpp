// host_files: reading the files of a host's root directory (--host-root) that anyone may have
// written. With sys.cpp and linux_source.cpp, one of the three files that make system calls.
#include "host_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

namespace pidns {
namespace {

// openat2(2) has no glibc wrapper before 2.39 (Debian 12 has 2.36).
int openat2_in_root(int root, const std::string& path, int flags) {
  open_how how{};
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  // RESOLVE_IN_ROOT: the root is "/" for the path and for every symbolic link on the way.
  // RESOLVE_NO_MAGICLINKS: /proc/self/fd/N-like links would jump anywhere.
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  for (int attempt = 0;; ++attempt) {
    long fd = ::syscall(SYS_openat2, root, path.c_str(), &how, sizeof how);
    if (fd >= 0) return static_cast<int>(fd);
    // EAGAIN: a rename raced with the resolution of ".." (openat2(2)); try again, a little.
    if ((errno == EINTR || errno == EAGAIN) && attempt < 3) continue;
    return -1;
  }
}

}  // namespace

HostRoot::HostRoot(const std::string& dir)
    : root_(open_at(AT_FDCWD, dir.c_str(), O_PATH | O_DIRECTORY)) {}

UniqueFd HostRoot::open_inside(std::string_view path, int flags) const {
  return UniqueFd(openat2_in_root(root_.get(), std::string(path), flags));
}

std::optional<std::string> HostRoot::read_file(std::string_view path) const {
  UniqueFd fd = open_inside(path, O_RDONLY);
  if (!fd) return std::nullopt;
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
      static_cast<std::size_t>(st.st_size) > kMaxStateFileSize) {
    return std::nullopt;
  }
  // The size is a hint: the file may grow or shrink while it is read. One byte more than the
  // limit tells a file that grew past it.
  std::string text;
  text.resize(static_cast<std::size_t>(st.st_size) + 1);
  std::size_t used = 0;
  for (;;) {
    if (used == text.size()) {
      if (text.size() > kMaxStateFileSize) return std::nullopt;
      text.resize(std::min(2 * text.size(), kMaxStateFileSize + 1));
    }
    std::size_t wanted = text.size() - used;
    ssize_t n = ::read(fd.get(), text.data() + used, wanted);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
    // A regular file reads short only at its end: one read(2) for the common case.
    if (static_cast<std::size_t>(n) < wanted) break;
  }
  if (used > kMaxStateFileSize) return std::nullopt;
  text.resize(used);
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
