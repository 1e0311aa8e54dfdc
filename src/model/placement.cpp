// placement: what NStgid depths say about PID namespaces.
#include "model/placement.hpp"

namespace pidns {

ParentLink parent_link(const ProcStatus& child, const ProcStatus* parent) noexcept {
  if (parent == nullptr || parent->exiting || child.exiting) return ParentLink::kUnknown;
  std::size_t depth = child.nstgid.size();
  std::size_t parent_depth = parent->nstgid.size();
  if (depth == parent_depth) return ParentLink::kSameNamespace;
  if (depth == parent_depth + 1) return ParentLink::kChildNamespace;
  return ParentLink::kUnknown;
}

}  // namespace pidns
