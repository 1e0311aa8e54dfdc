// process_facts: what --watch reads about one process when an event names it, from procfs and
// ioctl_ns(2); and the test for the capability the proc connector needs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "sys.hpp"
#include "watch.hpp"

namespace pidns {

/// Reads a procfs: one status file, one ns/pid (with NS_GET_ID and NS_GET_PARENT) or one cgroup
/// file per question. A process that is gone, or that we may not inspect, has no answer; other
/// failures (EMFILE, EIO, ...) throw SysError.
class LinuxProcessFacts final : public ProcessFacts {
 public:
  /// Opens `proc_root`; throws SysError if it cannot.
  explicit LinuxProcessFacts(const std::string& proc_root);

  [[nodiscard]] std::optional<ProcStatus> status(pid_t pid) override;
  [[nodiscard]] std::optional<NsFacts> namespace_of(pid_t pid) override;
  [[nodiscard]] std::string cgroup(pid_t pid) override;

 private:
  // The file's text, or nullopt when the process is gone or not ours to read.
  std::optional<std::string_view> read(pid_t pid, std::string_view file);

  UniqueFd root_;
  ReadBuffer buf_;
};

/// The effective capability set (`CapEff:`, hexadecimal) of a /proc/PID/status text; nullopt if
/// it is missing or malformed.
[[nodiscard]] std::optional<std::uint64_t> parse_cap_eff(std::string_view status);

/// CAP_NET_ADMIN (include/uapi/linux/capability.h).
inline constexpr int kCapNetAdmin = 12;

}  // namespace pidns
