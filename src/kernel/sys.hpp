// kernel/: what pidns-tree asks of Linux and how it reads the answers. System calls live here and
// in the scan's and --watch's readers, never in the model or the outputs: sys (descriptors, errors,
// opens, reads, identities), nsfs (every namespace ioctl, the checked nsfs open), procfs (pure
// parsers of /proc text), level_pids, host_files (reads below --host-root). Includes no other
// folder.
//
// sys: the thin layer over POSIX calls: descriptors, errors, opens and reads, identities.
#pragma once

#include <fcntl.h>
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace pidns {

/// Identity of a namespace: (st_dev, st_ino) of its nsfs file (ioctl_ns(2)). `readlink` shows only
/// the inode; the device is kept too, since inodes are unique only within one nsfs instance.
/// A namespace inferred from status files alone (no ptrace rights) has no inode: it is named by
/// its init's PID, with device 0, which no nsfs has.
struct NsId {
  std::uint64_t dev = 0;
  std::uint64_t ino = 0;
  friend auto operator<=>(const NsId&, const NsId&) = default;

  [[nodiscard]] static NsId inferred(pid_t init) noexcept {
    return {0, static_cast<std::uint64_t>(init)};
  }
  [[nodiscard]] bool is_inferred() const noexcept { return dev == 0; }
};

struct NsIdHash {
  std::size_t operator()(const NsId& id) const noexcept {
    return std::hash<std::uint64_t>{}(id.ino * 0x9E3779B97F4A7C15ull ^ id.dev);
  }
};

/// "pid:[4026531836]", as readlink(2) shows a PID namespace; "pid:[?]" for an inferred one.
[[nodiscard]] std::string ns_label(const NsId& id);
/// A name unique among the namespaces alive at one time: the label, and for an inferred one
/// (whose labels are all "pid:[?]") its init too: "pid:[?] init 4242".
[[nodiscard]] std::string ns_key(const NsId& id);

/// A failed system call: what() reads "open /proc/7/status: Permission denied".
class SysError : public std::system_error {
 public:
  SysError(int err, const std::string& what)
      : std::system_error(err, std::generic_category(), what) {}
  [[nodiscard]] int err() const noexcept { return code().value(); }
};

/// The process or file went away (ENOENT, ESRCH) or may not be looked at (EACCES, EPERM): what a
/// scan meets on a live system. Anything else (EMFILE, EIO, ...) is a real failure.
[[nodiscard]] bool gone_or_denied(const SysError& e) noexcept;

enum class Failure { kVanished, kDenied };
/// Sorts a failed per-process system call: a process that exits mid-scan is normal, one we may
/// not inspect is counted, and anything else (EMFILE, EIO, ...) is rethrown: it breaks the run.
[[nodiscard]] Failure classify_failure(const SysError& e);

/// Owns one file descriptor and closes it exactly once. Move-only.
class UniqueFd {
 public:
  UniqueFd() noexcept = default;
  explicit UniqueFd(int fd) noexcept : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  [[nodiscard]] int get() const noexcept { return fd_; }
  [[nodiscard]] explicit operator bool() const noexcept { return fd_ >= 0; }
  void reset(int fd = -1) noexcept;
  /// Gives up ownership without closing.
  [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

 private:
  int fd_ = -1;
};

/// "PID/suffix" ("4242/status") in a fixed buffer: no heap traffic per process. `suffix` is a
/// constant of a few dozen bytes at most.
class PidPath {
 public:
  PidPath(pid_t pid, std::string_view suffix) noexcept;
  [[nodiscard]] const char* c_str() const noexcept { return buf_; }
  operator const char*() const noexcept { return buf_; }  // NOLINT: a path, wherever one goes

 private:
  static constexpr std::size_t kPidDigits = 12;
  static constexpr std::size_t kSuffixMax = 36;
  char buf_[kPidDigits + kSuffixMax + 1];
};

/// openat(dir, path, O_RDONLY|O_CLOEXEC|extra); throws SysError naming `path`.
UniqueFd open_at(int dir, const char* path, int extra_flags = 0);

/// openat(dir, path, O_PATH|O_CLOEXEC), following symbolic and magic links: a handle on whatever
/// the path names that never blocks and never opens the file itself (a FIFO or a device).
/// Throws SysError naming `path`.
UniqueFd open_path(int dir, const char* path);

/// openat2(2) of `path` beneath `root` as if `root` were "/" (RESOLVE_IN_ROOT), without magic
/// links (RESOLVE_NO_MAGICLINKS): "..", absolute paths and absolute symbolic links all stay
/// inside `root`. O_PATH unless `flags` says otherwise (O_CLOEXEC always; O_NOCTTY but with
/// O_PATH). Throws
/// SysError naming `path`.
UniqueFd open_path_in_root(int root, const char* path, int flags = O_PATH);

/// openat2(2) of `path` relative to `dir` with `resolve` (RESOLVE_* of openat2(2)), O_PATH unless
/// `flags` says otherwise, as open_path_in_root() does it. Throws SysError naming `path`.
UniqueFd open_resolved(int dir, const char* path, int flags, std::uint64_t resolve);

/// Opens again, read-only with `extra_flags`, the very file an O_PATH descriptor holds, through
/// /proc/self/fd (or `self_fds`, a descriptor of that directory held open): after checking what
/// an O_PATH open found, this reaches that file and no other. Throws SysError.
UniqueFd reopen(int path_fd, int extra_flags = 0, int self_fds = -1);

/// A growable byte buffer that reads land in directly. Unlike std::string::resize() it never
/// zero-fills: that memset, once per status file, was most of pidns-tree's user time.
class ReadBuffer {
 public:
  [[nodiscard]] std::string_view view() const noexcept { return {data_.get(), size_}; }
  void clear() noexcept { size_ = 0; }
  /// Appends what one read(2) of at most `max` bytes returns; returns how many (0: end of
  /// file). Throws SysError naming `what`.
  std::size_t read_more(int fd, std::size_t max, std::string_view what);

 private:
  std::unique_ptr<char[]> data_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

/// How a procfs file hands out its text. kWhole files (status, cgroup: one seq_file record) come
/// whole from the first read(2) that has room for them, so a short read is the end; kRecords
/// files (mountinfo) come about a page per read(2), so only a read of 0 bytes is.
enum class ProcText { kWhole, kRecords };

/// Reads a procfs file whole into `buf` and returns it. Throws SysError naming `path`.
std::string_view read_proc_file(int dir, const char* path, ReadBuffer& buf, ProcText kind);

/// pidns-tree's own effective capabilities (/proc/self/status's CapEff); nullopt if the line is
/// missing or malformed. Throws SysError where the file cannot be read.
std::optional<std::uint64_t> own_effective_capabilities();

/// fstatat(dir, path) identity; throws SysError naming `path`.
NsId ns_id_at(int dir, const char* path);

/// fstat(fd) identity; throws SysError naming `what`.
NsId ns_id_of(int fd, std::string_view what);

}  // namespace pidns
