// process_facts: what --watch reads about one process when an event names it, from procfs and
// ioctl_ns(2).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "kernel/cgroup_fs.hpp"
#include "kernel/host_files.hpp"
#include "kernel/nsfs.hpp"
#include "kernel/sys.hpp"
#include "names/name_finder.hpp"
#include "watch/watch.hpp"

namespace pidns {

/// Reads a procfs: one status file, one ns/pid (with NS_GET_ID and NS_GET_PARENT) or one cgroup
/// file per question, or the task directory of one process and its threads' status files. A process
/// that is gone, or that we may not inspect, has no answer; other failures (EMFILE, EIO, ...) throw
/// SysError.
class LinuxProcessFacts final : public ProcessFacts {
 public:
  /// Opens `proc_root`; throws SysError if it cannot.
  explicit LinuxProcessFacts(const std::string& proc_root);

  [[nodiscard]] std::optional<ProcStatus> status(pid_t pid) override;
  [[nodiscard]] std::optional<NsFacts> namespace_of(pid_t pid) override;
  [[nodiscard]] std::optional<ContainerLabel> container(pid_t pid) override;
  [[nodiscard]] bool thread_lives(pid_t tgid) override;

  /// Names containers from the state files below `host_root`, with the trusted engine daemons
  /// that the first scan found (a daemon started later is not asked for its data root).
  void enable_names(const std::string& host_root, std::vector<EngineDaemon> daemons);

 private:
  // The file's text, or nullopt when the process is gone or not ours to read.
  std::optional<std::string_view> read(pid_t pid, std::string_view file);

  UniqueFd root_;
  NsOpener opener_;
  ReadBuffer buf_;
  std::unique_ptr<HostRoot> host_;  // with enable_names()
  std::vector<EngineDaemon> daemons_;
  std::optional<CgroupFs> cgroups_;  // with enable_names(), once a user's container needs it
};

}  // namespace pidns
