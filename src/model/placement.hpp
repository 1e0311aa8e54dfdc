// placement: what the NStgid depths of a process and of its parent process say about their PID
// namespaces: the one rule under the scanner's shortcuts (system calls whose answer it already
// knows) and under the inference of what the kernel would not name (inference.hpp). Pure.
#pragma once

#include "kernel/procfs.hpp"

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

}  // namespace pidns
