// sys: the thin layer over POSIX calls.
#include "kernel/sys.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

#include "kernel/procfs.hpp"

namespace pidns {

std::string ns_label(const NsId& id) {
  return id.is_inferred() ? "pid:[?]" : "pid:[" + std::to_string(id.ino) + "]";
}

std::string ns_key(const NsId& id) {
  // NsId::inferred(init) keeps the init's PID in ino.
  return id.is_inferred() ? "pid:[?] init " + std::to_string(id.ino) : ns_label(id);
}

PidPath::PidPath(pid_t pid, std::string_view suffix) noexcept {
  char* end = std::to_chars(buf_, buf_ + kPidDigits, pid).ptr;
  std::size_t n = std::min(suffix.size(), kSuffixMax);
  std::memcpy(end, suffix.data(), n);
  end[n] = '\0';
}

Failure classify_failure(const SysError& e) {
  if (!gone_or_denied(e)) throw e;
  return e.err() == EACCES || e.err() == EPERM ? Failure::kDenied : Failure::kVanished;
}

bool gone_or_denied(const SysError& e) noexcept {
  switch (e.err()) {
    case ENOENT:
    case ESRCH:
    case EACCES:
    case EPERM:
      return true;
    default:
      return false;
  }
}

void UniqueFd::reset(int fd) noexcept {
  if (fd_ >= 0) ::close(fd_);  // read-only fds: close() cannot lose data
  fd_ = fd;
}

UniqueFd open_at(int dir, const char* path, int extra_flags) {
  int fd = ::openat(dir, path, O_RDONLY | O_CLOEXEC | extra_flags);
  if (fd < 0) throw SysError(errno, std::string("open ") + path);
  return UniqueFd(fd);
}

UniqueFd open_path(int dir, const char* path) {
  int fd = ::openat(dir, path, O_PATH | O_CLOEXEC);
  if (fd < 0) throw SysError(errno, std::string("open ") + path);
  return UniqueFd(fd);
}

UniqueFd open_path_in_root(int root, const char* path, int flags) {
  return open_resolved(root, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

UniqueFd open_resolved(int dir, const char* path, int flags, std::uint64_t resolve) {
  struct open_how how {};
  // openat2 refuses any flag O_PATH ignores, O_NOCTTY among them.
  how.flags = static_cast<std::uint64_t>(flags | O_CLOEXEC | ((flags & O_PATH) ? 0 : O_NOCTTY));
  how.resolve = resolve;
  long fd;
  do {
    fd = ::syscall(SYS_openat2, dir, path, &how, sizeof how);
  } while (fd < 0 && errno == EAGAIN);  // a rename elsewhere raced the lookup: try again
  if (fd < 0) throw SysError(errno, std::string("open ") + path);
  return UniqueFd(static_cast<int>(fd));
}

UniqueFd reopen(int path_fd, int extra_flags, int self_fds) {
  char path[32] = "/proc/self/fd/";
  constexpr std::size_t kDir = sizeof "/proc/self/fd/" - 1;
  std::to_chars(path + kDir, path + sizeof path - 1, path_fd);
  // Relative to a held descriptor of the directory, just the number.
  return self_fds >= 0 ? open_at(self_fds, path + kDir, extra_flags)
                       : open_at(AT_FDCWD, path, extra_flags);
}

std::string_view read_proc_file(int dir, const char* path, ReadBuffer& buf, ProcText kind) {
  // status is about 1.5 KiB; thousands of supplementary groups make it longer, and then the first
  // read comes back full and reading goes on until end of file.
  constexpr std::size_t kReadSize = 16 * 1024;
  UniqueFd fd = open_at(dir, path);
  buf.clear();
  std::size_t n = buf.read_more(fd.get(), kReadSize, path);
  bool more = kind == ProcText::kRecords ? n > 0 : n == kReadSize;
  while (more) more = buf.read_more(fd.get(), kReadSize, path) > 0;
  return buf.view();
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

std::optional<std::uint64_t> own_effective_capabilities() {
  ReadBuffer buf;
  return parse_cap_eff(read_proc_file(AT_FDCWD, "/proc/self/status", buf, ProcText::kWhole));
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
