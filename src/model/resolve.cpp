// resolve: command-line names turned into graph nodes.
#include "model/resolve.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "kernel/procfs.hpp"

namespace pidns {

std::optional<std::uint64_t> parse_ns_inode(std::string_view text) {
  if (text.starts_with("pid:[") && text.ends_with("]")) text = text.substr(5, text.size() - 6);
  std::uint64_t ino = 0;
  if (!parse_decimal(text, ino)) return std::nullopt;
  return ino;
}

std::optional<pid_t> parse_to_pid(std::string_view text) {
  std::optional<std::uint64_t> n = parse_ns_inode(text);
  if (!n || text.starts_with("pid:[") || *n == 0 || *n > static_cast<std::uint64_t>(kPidMaxLimit)) {
    return std::nullopt;
  }
  return static_cast<pid_t>(*n);
}

const Process& Resolver::process(pid_t pid) {
  if (const Process* p = graph_.process(pid)) return *p;
  if (const Task* t = task(pid)) {
    if (const Process* p = graph_.process(t->tgid)) {
      notes_.push_back(
          fmt::format("PID {} is a thread of process {}: showing that process", pid, t->tgid));
      return *p;
    }
    throw std::runtime_error(fmt::format("PID {} is a thread of process {}, but {}", pid, t->tgid,
                                         missing_pid_reason(t->tgid)));
  }
  throw std::runtime_error(missing_pid_reason(pid));
}

const Task* Resolver::task(pid_t pid) const {
  auto it =
      std::find_if(tasks_.begin(), tasks_.end(), [pid](const Task& t) { return t.tid == pid; });
  return it == tasks_.end() ? nullptr : &*it;
}

NsId Resolver::ns(const NsName& name) const {
  if (name.inode) return find_by_inode(*name.inode);
  for (std::size_t i = 0; i < paths_.size() && i < opened_.size(); ++i) {
    if (paths_[i] == name.text) return opened_[i];
  }
  throw std::runtime_error(name.text + " was not opened as a namespace file");
}

NsId Resolver::ns_or_pid(const NsOrPid& name) {
  if (name.pid) return process(*name.pid).ns;
  return ns(name.ns);
}

std::string Resolver::missing_pid_reason(pid_t pid) const {
  auto has = [pid](const std::vector<pid_t>& pids) {
    return std::binary_search(pids.begin(), pids.end(), pid);
  };
  if (has(graph_.inaccessible())) return "permission denied for PID " + std::to_string(pid);
  if (has(graph_.malformed())) return "unparsable status for PID " + std::to_string(pid);
  return "no process with PID " + std::to_string(pid) + " in " + graph_.proc_root();
}

NsId Resolver::find_by_inode(std::uint64_t ino) const {
  std::optional<NsId> found;
  for (const auto& [id, node] : graph_.nodes()) {
    if (id.ino != ino || id.is_inferred()) continue;  // an inferred namespace has no inode
    if (found) {
      throw std::runtime_error(
          fmt::format("pid:[{}] names namespaces on two nsfs devices: give its path", ino));
    }
    found = id;
  }
  if (!found) {
    throw std::runtime_error(fmt::format(
        "no PID namespace pid:[{}] in the tree of {} (--all also finds namespaces held open)", ino,
        graph_.proc_root()));
  }
  return *found;
}

}  // namespace pidns
