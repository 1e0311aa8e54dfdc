// host_files: reading the files of a host's root directory (--host-root) that anyone may have
// written.
#include "kernel/host_files.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

namespace pidns {

HostRoot::HostRoot(const std::string& dir)
    : root_(open_at(AT_FDCWD, dir.c_str(), O_PATH | O_DIRECTORY)) {}

UniqueFd HostRoot::open_inside(std::string_view path, int flags) const {
  try {
    return open_path_in_root(root_.get(), std::string(path).c_str(), flags);
  } catch (const SysError&) {
    return {};
  }
}

// Checked through an O_PATH handle first, so that nothing a user planted there (a FIFO, a device)
// is ever opened; then the regular file the handle holds is opened for reading.
std::optional<std::string> HostRoot::read_file(std::string_view path) const {
  UniqueFd handle = open_inside(path, O_PATH);
  if (!handle) return std::nullopt;
  struct stat st {};
  if (::fstat(handle.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0 ||
      static_cast<std::size_t>(st.st_size) > kMaxStateFileSize) {
    return std::nullopt;
  }
  UniqueFd fd;
  try {
    fd = reopen(handle.get(), O_NONBLOCK);
  } catch (const SysError&) {
    return std::nullopt;
  }
  // The size is a hint: the file may grow or shrink while it is read. Reading up to one byte
  // past the limit tells a file that grew past it.
  ReadBuffer buf;
  std::size_t wanted = static_cast<std::size_t>(st.st_size) + 1;
  try {
    while (buf.view().size() <= kMaxStateFileSize) {
      std::size_t got = buf.read_more(fd.get(), wanted, path);
      // A regular file reads short only at its end: one read(2) for the common case.
      if (got < wanted) break;
      wanted = std::min(buf.view().size(), kMaxStateFileSize + 1 - buf.view().size());
    }
  } catch (const SysError&) {
    return std::nullopt;
  }
  if (buf.view().size() > kMaxStateFileSize) return std::nullopt;
  return std::string(buf.view());
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
