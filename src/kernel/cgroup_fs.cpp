// cgroup_fs: who owns a cgroup, asked of the cgroup hierarchies mounted where pidns-tree runs.
#include "kernel/cgroup_fs.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>

namespace pidns {

CgroupFs::CgroupFs(const std::vector<CgroupMount>& mounts) {
  for (const CgroupMount& m : mounts) {
    try {
      tops_.emplace_back(m.controllers, open_at(AT_FDCWD, m.mountpoint.c_str(),
                                                O_PATH | O_DIRECTORY | O_NOFOLLOW));
    } catch (const SysError&) {
      // Covered, or gone: that hierarchy cannot be asked.
    }
  }
}

CgroupFs CgroupFs::of_self() {
  ReadBuffer buf;
  try {
    return CgroupFs(parse_cgroup_mounts(
        read_proc_file(AT_FDCWD, "/proc/self/mountinfo", buf, ProcText::kRecords)));
  } catch (const SysError&) {
    return CgroupFs({});
  }
}

std::optional<uid_t> CgroupFs::owner(std::string_view controllers, std::string_view path) const {
  while (path.starts_with('/')) path.remove_prefix(1);
  for (const auto& [names, top] : tops_) {
    if (names != controllers) continue;
    try {
      // "" is the top itself.
      UniqueFd dir = open_resolved(top.get(), path.empty() ? "." : std::string(path).c_str(),
                                   O_PATH | O_DIRECTORY,
                                   RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV);
      struct stat st {};
      if (::fstat(dir.get(), &st) != 0) return std::nullopt;
      return st.st_uid;
    } catch (const SysError&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace pidns
