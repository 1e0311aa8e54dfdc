// translate: a PID as another namespace numbers it.
#include "model/translate.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace pidns {

Translation translate(const NamespaceGraph& graph, const Process& process, const Task* thread,
                      const NsId& target) {
  const LevelPids& ids = thread ? thread->nspid : process.status.nstgid;
  // NStgid runs outermost first, own level last: each step up the namespace tree is one field
  // further from the end.
  std::size_t steps = 0;
  for (std::optional<NsId> ns = process.ns; ns; ns = graph.at(*ns).parent, ++steps) {
    if (*ns != target) continue;
    if (steps >= ids.size()) {
      throw std::runtime_error(ns_label(target) + " lies above the namespace of " +
                               graph.proc_root() + ": its PIDs cannot be read there");
    }
    return {ids[ids.size() - 1 - steps], {}};
  }
  pid_t pid = thread ? thread->tid : process.pid;
  return {std::nullopt,
          fmt::format("PID {} is not visible in {}: it lives in {}, which is not {} or below it",
                      pid, ns_label(target), ns_label(process.ns), ns_label(target))};
}

}  // namespace pidns
