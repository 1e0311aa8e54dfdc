// temp_root: a throw-away directory tree for tests that read files, removed when it goes.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

namespace pidns::testing {

/// A fresh directory under $TMPDIR (or /tmp), with helpers to lay files out below it.
class TempRoot {
 public:
  TempRoot() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "pidns-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp " + tmpl);
    path_ = tmpl;
  }
  TempRoot(const TempRoot&) = delete;
  TempRoot& operator=(const TempRoot&) = delete;
  ~TempRoot() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  [[nodiscard]] std::string path() const { return path_.string(); }
  /// The real path of `relative` below the root.
  [[nodiscard]] std::filesystem::path at(const std::string& relative) const {
    return path_ / std::filesystem::path(relative).relative_path();
  }
  /// Writes `text` to `relative`, making its directories.
  void write(const std::string& relative, const std::string& text) const {
    std::filesystem::path p = at(relative);
    std::filesystem::create_directories(p.parent_path());
    std::ofstream out(p, std::ios::binary);
    out << text;
    if (!out) throw std::runtime_error("write " + p.string());
  }
  void mkdir(const std::string& relative) const {
    std::filesystem::create_directories(at(relative));
  }
  /// A symbolic link at `relative` whose target is `target`, as written.
  void symlink(const std::string& target, const std::string& relative) const {
    std::filesystem::create_directories(at(relative).parent_path());
    std::filesystem::create_symlink(target, at(relative));
  }

 private:
  std::filesystem::path path_;
};

/// How many file descriptors this process has open: for leak checks around a piece of code.
inline std::size_t open_fd_count() {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    ++n;
  }
  return n;
}

}  // namespace pidns::testing
