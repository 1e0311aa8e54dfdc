// output_file: --output FILE, replaced whole or not at all.
#include "app/output_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <stdexcept>
#include <utility>

namespace pidns {
namespace {

// Only a regular file (or none) is replaced: as root, --output /dev/null or /dev/stdout would
// otherwise put a regular file in the place of a device or of /proc's link.
void check_replaceable(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return;
    throw SysError(errno, "lstat " + path);
  }
  if (!S_ISREG(st.st_mode)) {
    throw std::runtime_error(
        "not a regular file (a directory, device, FIFO or symbolic link is never replaced)");
  }
}

// O_EXCL never follows a symbolic link planted at the temporary's name, so a directory others
// may write to cannot turn the write elsewhere. A temporary left by a killed run that had our
// PID is removed once and created again.
UniqueFd create_temporary(const std::string& path, const std::string& temporary) {
  check_replaceable(path);
  constexpr int kFlags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC;
  int fd = ::open(temporary.c_str(), kFlags, 0666);
  if (fd < 0 && errno == EEXIST && ::unlink(temporary.c_str()) == 0) {
    fd = ::open(temporary.c_str(), kFlags, 0666);
  }
  if (fd < 0) throw SysError(errno, "open " + temporary);
  return UniqueFd(fd);
}

}  // namespace

FdStreamBuf::FdStreamBuf(int fd) noexcept : fd_(fd) {
  setp(buffer_.data(), buffer_.data() + buffer_.size());
}

FdStreamBuf::int_type FdStreamBuf::overflow(int_type c) {
  drain();
  if (!traits_type::eq_int_type(c, traits_type::eof())) {
    *pptr() = traits_type::to_char_type(c);
    pbump(1);
  }
  return traits_type::not_eof(c);
}

int FdStreamBuf::sync() {
  drain();
  return 0;
}

// After the first error nothing more is written: the file will not be committed anyway.
void FdStreamBuf::drain() noexcept {
  const char* p = pbase();
  while (error_ == 0 && p < pptr()) {
    ssize_t n = ::write(fd_, p, static_cast<std::size_t>(pptr() - p));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error_ = errno;
    } else {
      p += n;
    }
  }
  setp(buffer_.data(), buffer_.data() + buffer_.size());
}

OutputFile::OutputFile(std::string path)
    : path_(std::move(path)),
      temporary_(path_ + ".tmp." + std::to_string(::getpid())),
      fd_(create_temporary(path_, temporary_)),
      buffer_(fd_.get()),
      stream_(&buffer_) {}

OutputFile::~OutputFile() {
  if (!committed_) ::unlink(temporary_.c_str());
}

void OutputFile::commit() {
  stream_.flush();
  if (buffer_.error() != 0) throw SysError(buffer_.error(), "write " + temporary_);
  // On disk before the rename: after a crash FILE is the old file or the new one, never empty.
  if (::fsync(fd_.get()) != 0) throw SysError(errno, "fsync " + temporary_);
  if (::close(fd_.release()) != 0) throw SysError(errno, "close " + temporary_);
  if (::rename(temporary_.c_str(), path_.c_str()) != 0) {
    throw SysError(errno, "rename " + temporary_ + " to " + path_);
  }
  committed_ = true;
}

}  // namespace pidns
