// output_file: --output FILE, replaced whole or not at all. The output goes to FILE.tmp.<pid>
// beside FILE, which a rename puts in FILE's place once everything is written, so that a reader
// of FILE (node-exporter's textfile collector, a log shipper) sees the old file or the new one,
// never a part of one; the textfile collector reads only *.prom, so it never reads the temporary.
#pragma once

#include <array>
#include <ostream>
#include <streambuf>
#include <string>

#include "kernel/sys.hpp"

namespace pidns {

/// A stream buffer over a descriptor that keeps the first write error (an errno) for whoever
/// commits the file, which names it; the stream itself stays good, so that the snapshot's
/// stdout checks say nothing about a file they do not know.
class FdStreamBuf final : public std::streambuf {
 public:
  explicit FdStreamBuf(int fd) noexcept;
  /// The errno of the first failed write, or 0.
  [[nodiscard]] int error() const noexcept { return error_; }

 protected:
  int_type overflow(int_type c) override;
  int sync() override;

 private:
  void drain() noexcept;

  int fd_;
  int error_ = 0;
  std::array<char, 64 * 1024> buffer_{};
};

/// FILE, to be replaced by what is written to stream() once commit() succeeds. Destroyed without
/// commit() (a failed scan, a failed write), it removes its temporary and leaves FILE as it was.
class OutputFile {
 public:
  /// Creates FILE.tmp.<pid> (O_EXCL, mode 0666 less the umask, like a shell's redirection).
  /// Throws SysError naming the temporary, or std::runtime_error where FILE exists and is not a
  /// regular file.
  explicit OutputFile(std::string path);
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;
  ~OutputFile();

  [[nodiscard]] std::ostream& stream() noexcept { return stream_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  /// Writes out what is buffered, syncs it to disk and renames the temporary over FILE. Throws
  /// SysError naming what failed; the temporary is then removed by the destructor.
  void commit();

 private:
  std::string path_;
  std::string temporary_;
  UniqueFd fd_;
  FdStreamBuf buffer_;
  std::ostream stream_;
  bool committed_ = false;
};

}  // namespace pidns
