// cgroup_fs: who owns a cgroup, asked of the cgroup hierarchies mounted where pidns-tree runs.
// Read-only: directories are opened O_PATH and looked at with fstat(2), nothing else.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kernel/procfs.hpp"
#include "kernel/sys.hpp"

namespace pidns {

/// The cgroup hierarchies mounted in pidns-tree's own mount namespace. systemd gives a user's
/// service manager, user@UID.service, to that user (its directory is chowned to UID): the owner
/// of that directory tells whether systemd made it for UID, or someone else named a cgroup so.
class CgroupFs {
 public:
  /// The hierarchies `mounts` lists (parse_cgroup_mounts() of /proc/self/mountinfo) that can be
  /// opened; the others are left out.
  explicit CgroupFs(const std::vector<CgroupMount>& mounts);
  /// Those of /proc/self/mountinfo; none where it cannot be read.
  [[nodiscard]] static CgroupFs of_self();

  /// The owner (st_uid) of cgroup `path` in the hierarchy named `controllers` (as the second
  /// field of a /proc/PID/cgroup line: "" for cgroup v2); nullopt where that hierarchy is not
  /// mounted here or the path does not lead to a directory below its top without "..", symbolic
  /// links or another mount (a path relative to another cgroup namespace cannot be checked).
  [[nodiscard]] std::optional<uid_t> owner(std::string_view controllers,
                                           std::string_view path) const;

 private:
  std::vector<std::pair<std::string, UniqueFd>> tops_;  // controllers, the mount's top O_PATH
};

}  // namespace pidns
