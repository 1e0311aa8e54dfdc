// label_reader: what labels namespaces with their containers: the cgroups of their inits (and of
// processes the graph's inference may compare), and the names the engines' state files give.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kernel/sys.hpp"
#include "model/scan.hpp"
#include "names/container_label.hpp"

namespace pidns {

/// Reads, for LinuxSource, into the Scan it is given, through the scanned procfs's root.
class LabelReader {
 public:
  LabelReader(int proc_root, const ScanRequest& request, Scan& scan)
      : root_(proc_root), request_(request), scan_(scan) {}

  /// One /proc/PID/cgroup per namespace, from its init if visible, else its first member, and
  /// the container it shows (NsInfo::container).
  void read_cgroups();
  /// The cgroups the inference compares (Scan::inference_cgroups), and the containers of the
  /// unplaced processes that begin a namespace (Scan::unplaced_labels); nothing where every
  /// process was placed.
  void read_inference_cgroups();
  /// Names from the host's state files (ScanRequest::host_root), after read_cgroups().
  void read_names();

 private:
  /// A namespace to label, the process whose cgroup tells, and its Process::cgroup_key.
  struct Wanted {
    NsInfo* info;
    pid_t pid;
    std::uint64_t key;
  };
  std::vector<Wanted> representatives();
  void name_containers(const std::vector<ContainerLabel*>& wanted);
  void read_member_cgroups(ReadBuffer& buf);
  std::optional<std::string_view> read_cgroup(pid_t pid, ReadBuffer& buf);
  std::vector<EngineDaemon> engine_daemons();
  std::optional<EngineDaemon> trusted_daemon(pid_t pid, const NsId& host_mounts, ReadBuffer& buf);
  std::optional<NsId> host_mount_namespace();
  std::string comm_of(pid_t pid, ReadBuffer& buf);

  int root_;
  const ScanRequest& request_;
  Scan& scan_;
};

}  // namespace pidns
