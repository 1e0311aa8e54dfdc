// ns_climber: the NS_GET_PARENT climb.
#include "scan/ns_climber.hpp"

#include <stdexcept>

#include "kernel/nsfs.hpp"

namespace pidns {

std::optional<int> levels_below_self(const Scan& scan, NsId ns) {
  for (int levels = 0; scan.self && levels <= kMaxPidNsLevel; ++levels) {
    if (ns == *scan.self) return levels;
    auto it = scan.namespaces.find(ns);
    if (it == scan.namespaces.end() || !it->second.parent) break;
    ns = *it->second.parent;
  }
  return std::nullopt;
}

void NsClimber::climb(NsId ns, UniqueFd fd) {
  for (int depth = 0;; ++depth) {
    NsInfo& info = namespaces_[ns];
    describe(fd.get(), info);
    UniqueFd parent = open_parent_ns(fd.get(), ns);
    if (!parent) return;  // the top of what we may see: info.parent stays empty
    NsId up = ns_id_of(parent.get(), "parent of " + ns_label(ns));
    info.parent = up;
    if (known(up)) return;
    if (depth >= kMaxPidNsLevel) {
      throw std::runtime_error("PID namespaces nested deeper than the kernel's 32 levels");
    }
    ns = up;
    fd = std::move(parent);
  }
}

void NsClimber::add_child(const NsId& ns, const NsId& parent) { namespaces_[ns].parent = parent; }

bool NsClimber::same_as_recorded(const NsId& ns, int fd) const {
  auto it = namespaces_.find(ns);
  if (it == namespaces_.end() || !it->second.unique_id) return true;
  std::optional<std::uint64_t> id = ns_unique_id(fd);
  return !id || *id == *it->second.unique_id;
}

bool NsClimber::has_unique_id(const NsId& ns) const {
  auto it = namespaces_.find(ns);
  return it != namespaces_.end() && it->second.unique_id.has_value();
}

// What else the kernel tells about a namespace, on the fd we hold anyway. The id is always asked:
// it is what tells a recycled inode apart (same_as_recorded). Older kernels do not answer; then
// the field stays empty, never zero.
void NsClimber::describe(int fd, NsInfo& info) const {
  info.unique_id = ns_unique_id(fd);
  if (!request_.statuses) info.init = ns_init_pid(fd);
  if (request_.owners) info.owner = ns_owner(fd);
}

}  // namespace pidns
