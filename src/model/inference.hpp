// inference: placing processes whose ns/pid may not be read (no ptrace rights), and namespaces
// whose parent the kernel will not name (NS_GET_PARENT: EPERM), from what status files and cgroups
// tell everyone. Every rule rests on parent_link() (placement.hpp). Pure.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "model/placement.hpp"
#include "model/scan.hpp"

namespace pidns {

/// Moves out of `unplaced` (processes whose ns/pid could not be read) every one that a chain of
/// same-depth parent links joins to a process of `placed`, with that process's namespace: a
/// parent and a child at one depth share a namespace, whichever of the two could be read, and
/// whichever has the lower PID. Both lists are sorted by PID; the result is too.
[[nodiscard]] std::vector<Process> place_by_kin(const std::vector<Process>& placed,
                                                std::vector<Process>& unplaced);

/// A namespace that the rules below infer from status files alone.
struct InferredNs {
  NsId id;                     ///< NsId::inferred(init)
  std::optional<NsId> parent;  ///< the namespace of its init's parent process, if placed
  pid_t init = 0;
};

/// What infer_namespaces() made of the processes no relative placed.
struct Inference {
  std::vector<Process> placed;  ///< taken out of `unplaced`, each with its namespace, by PID
  std::vector<InferredNs> namespaces;
};

/// Places processes whose ns/pid could not be read and that place_by_kin() left, from their
/// status alone, component by component (processes joined by same-depth parent links):
/// - first, on the kernel's word: a component with a member whose child process was read one
///   level down (parent_link()), in a namespace the kernel named, lives in that namespace's
///   kernel-named parent (unless that parent's init was read and the component has another);
/// - then the shallowest first. At the scanned procfs's own depth (one NStgid field) every
///   component is in `procfs_ns` if it is known, else in the namespace of the PID 1 there;
/// - a component that holds a PID 1 (its innermost NStgid field) is that namespace's members:
///   one namespace has one PID 1. It is the child of its init's parent process's namespace. It
///   is a namespace the kernel named whose init was not read (a candidate: one whose placed
///   members were read, or placed on the kernel's word; one without members, known only as a
///   parent or held only by a pin, may be empty) on evidence alone: it is the only
///   such component under that parent at that depth and there is only one candidate, or its
///   init's cgroup (`cgroups`, by PID) is that of a candidate's members and of no other
///   candidate's, and no other component's init shares it. Otherwise it is an inferred
///   namespace, NsId::inferred(init), apart: a guess would put one container's init under
///   another's inode;
/// - any other component (docker exec, nsenter: a process one level below its parent whose own
///   PID is not 1) goes to the one child namespace of its parent process's namespace at its
///   depth, if there is only one; else to the one whose init's cgroup is its top process's; else
///   nowhere: it stays in `unplaced`.
/// `parents` maps every namespace the kernel named to its parent (NS_GET_PARENT; empty at the
/// top of what may be seen).
[[nodiscard]] Inference infer_namespaces(
    const std::vector<Process>& placed, std::vector<Process>& unplaced,
    const std::unordered_map<NsId, std::optional<NsId>, NsIdHash>& parents,
    const std::unordered_map<pid_t, std::string>& cgroups, const std::optional<NsId>& procfs_ns);

/// For a namespace the kernel named but whose parent it would not name (inside a container over
/// the host's procfs): the namespace of a member's parent process that lives exactly one level up
/// (ParentLink::kChildNamespace), found through `process_of`; nullopt if no member tells.
[[nodiscard]] std::optional<NsId> parent_told_by_members(
    std::span<const Process> members, const std::function<const Process*(pid_t)>& process_of);

}  // namespace pidns
