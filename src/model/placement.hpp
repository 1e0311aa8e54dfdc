// placement: what the NStgid depths of a process and of its parent process say about their PID
// namespaces. Pure. The scanner uses it to skip system calls whose answer it already knows; the
// graph uses it to place what the kernel would not name.
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "kernel/procfs.hpp"
#include "model/scan.hpp"

namespace pidns {

/// How a process's PID namespace relates to its parent process's.
enum class ParentLink {
  kSameNamespace,   ///< at its parent's depth: the two share a namespace
  kChildNamespace,  ///< one level deeper: it lives in a child namespace of its parent's
  kUnknown,         ///< no parent in view, or deeper by more than one level: nothing follows
};

/// The link between a process and its parent (nullptr: not in view), from their NStgid lengths
/// in one procfs. It rests on three kernel facts:
/// - fork() and clone() put the child in the parent's pid_ns_for_children, which is the parent's
///   own namespace or, after unshare(CLONE_NEWPID) or setns(2), a descendant of it; setns only
///   ever moves down (pid_namespaces(7)). A child one level deeper is therefore in a child of its
///   parent's namespace, one at the same depth in the parent's namespace itself.
/// - CLONE_PARENT makes the caller's parent the child's parent, but the child still starts in the
///   caller's namespace or below it, and the caller lives in its own parent's namespace or below:
///   the same reasoning holds through two generations.
/// - An orphan is reparented to a subreaper or to the child reaper of the dead parent's own
///   namespace, never to one of another (find_new_reaper() in kernel/exit.c), so the new parent
///   stands where the old one stood, level for level.
[[nodiscard]] ParentLink parent_link(const ProcStatus& child, const ProcStatus* parent) noexcept;

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
/// status alone, component by component (processes joined by same-depth parent links), the
/// shallowest first:
/// - at the scanned procfs's own depth (one NStgid field): in `procfs_ns`, if known (else as
///   below: PID 1 there is that namespace's init);
/// - a component that holds a PID 1 (its innermost NStgid field) is that namespace's members:
///   one namespace has one PID 1. It is the child of its init's parent process's namespace
///   (parent_link()). It is a namespace the kernel named (whose real inode then replaces the
///   inference) when that one was found without members as the parent of a named namespace whose
///   member's parent process is in the component, or when it is the only named namespace under
///   that parent at that depth whose members were read but whose init was not; otherwise an
///   inferred namespace, NsId::inferred(init);
/// - any other component (docker exec, nsenter: a process one level below its parent whose own
///   PID is not 1) goes to the one child namespace of its parent process's namespace at its
///   depth, if there is only one; else to the one whose init's cgroup (`cgroups`, by PID) is its
///   top process's; else nowhere: it stays in `unplaced`.
/// `parents` maps every namespace the kernel named to its parent (NS_GET_PARENT; empty at the
/// top of what may be seen).
[[nodiscard]] Inference infer_namespaces(
    const std::vector<Process>& placed, std::vector<Process>& unplaced,
    const std::unordered_map<NsId, std::optional<NsId>, NsIdHash>& parents,
    const std::unordered_map<pid_t, std::string>& cgroups, const std::optional<NsId>& procfs_ns);

}  // namespace pidns
