// sys: the thin layer over POSIX calls.
#include "sys.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace pidns {

std::string ns_label(const NsId& id) { return "pid:[" + std::to_string(id.ino) + "]"; }

void UniqueFd::reset(int fd) noexcept {
  if (fd_ >= 0) ::close(fd_);  // read-only fds: close() cannot lose data
  fd_ = fd;
}

UniqueFd open_at(int dir, const char* path, int extra_flags) {
  int fd = ::openat(dir, path, O_RDONLY | O_CLOEXEC | extra_flags);
  if (fd < 0) throw SysError(errno, std::string("open ") + path);
  return UniqueFd(fd);
}

std::size_t ReadBuffer::read_more(int fd, std::size_t max, std::string_view what) {
  if (capacity_ - size_ < max) {
    std::size_t capacity = std::max(size_ + max, 2 * capacity_);
    auto data = std::make_unique_for_overwrite<char[]>(capacity);
    if (size_ > 0) std::memcpy(data.get(), data_.get(), size_);
    data_ = std::move(data);
    capacity_ = capacity;
  }
  ssize_t n;
  do {
    n = ::read(fd, data_.get() + size_, max);
  } while (n < 0 && errno == EINTR);
  if (n < 0) throw SysError(errno, "read " + std::string(what));
  size_ += static_cast<std::size_t>(n);
  return static_cast<std::size_t>(n);
}

NsId ns_id_at(int dir, const char* path) {
  struct stat st {};
  if (::fstatat(dir, path, &st, 0) != 0) throw SysError(errno, std::string("stat ") + path);
  return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

NsId ns_id_of(int fd, std::string_view what) {
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw SysError(errno, "stat " + std::string(what));
  return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

}  // namespace pidns
