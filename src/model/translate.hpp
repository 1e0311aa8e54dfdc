// translate: a process's PID as another namespace numbers it (--translate PID --to NS). Pure.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "model/graph.hpp"

namespace pidns {

/// What --translate found.
struct Translation {
  std::optional<pid_t> pid;  ///< the PID in the target namespace, if the process is visible there
  std::string why_not;       ///< otherwise, why not: one line
};

/// The PID that `process` (or `thread`, one of its threads that is not its leader) has in
/// `target`: the field of target's level in its NStgid (a thread's own NSpid), if target is its
/// namespace or an ancestor of it. Throws std::runtime_error when `target` lies above what the
/// scanned procfs can number.
[[nodiscard]] Translation translate(const NamespaceGraph& graph, const Process& process,
                                    const Task* thread, const NsId& target);

}  // namespace pidns
