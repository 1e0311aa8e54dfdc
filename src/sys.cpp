// sys: the thin layer over POSIX calls.
#include "sys.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace pidns {

void UniqueFd::reset(int fd) noexcept {
  if (fd_ >= 0) ::close(fd_);  // read-only fds: close() cannot lose data
  fd_ = fd;
}

UniqueFd open_at(int dir, const char* path, int extra_flags) {
  int fd = ::openat(dir, path, O_RDONLY | O_CLOEXEC | extra_flags);
  if (fd < 0) throw SysError(errno, std::string("open ") + path);
  return UniqueFd(fd);
}

void read_once(int fd, std::string& buf, std::size_t cap, std::string_view what) {
  buf.resize(cap);
  ssize_t n;
  do {
    n = ::read(fd, buf.data(), cap);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    int err = errno;
    buf.clear();
    throw SysError(err, "read " + std::string(what));
  }
  buf.resize(static_cast<std::size_t>(n));
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
