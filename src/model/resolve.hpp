// resolve: what the command line names (PIDs, namespace inodes, pid:[INODE], nsfs paths, --to)
// turned into what the graph holds, or into the one-line error that says why nothing matches.
// Pure: the paths were opened by the scan (ScanRequest::ns_paths), the threads read by it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/graph.hpp"

namespace pidns {

/// The inode that "4026531836" or "pid:[4026531836]" names; nullopt for anything else, which
/// the command line then takes for the path of an nsfs file.
[[nodiscard]] std::optional<std::uint64_t> parse_ns_inode(std::string_view text);

/// pid_max cannot exceed 2^22 (PID_MAX_LIMIT), and namespace inodes are far larger, so a plain
/// number names a PID when it is small enough and a namespace otherwise.
inline constexpr long long kPidMaxLimit = 4 * 1024 * 1024;

/// The PID that --to's value names, if it is a number no larger than kPidMaxLimit.
[[nodiscard]] std::optional<pid_t> parse_to_pid(std::string_view text);

/// A namespace as the command line names it (--ns, --to): an inode or the path of an nsfs file,
/// told apart once, where the name is read.
struct NsName {
  NsName(std::string given)  // NOLINT: a name is its text, wherever one is taken
      : text(std::move(given)), inode(parse_ns_inode(text)) {}
  NsName(const char* given) : NsName(std::string(given)) {}  // NOLINT: likewise
  std::string text;                                          ///< as given
  std::optional<std::uint64_t> inode;  ///< the inode it names; nullopt: `text` is a path
  [[nodiscard]] bool is_path() const noexcept { return !inode; }
};

/// --to's value: a PID (a number no larger than kPidMaxLimit), or a namespace.
struct NsOrPid {
  NsOrPid(std::string given)  // NOLINT: as NsName
      : pid(parse_to_pid(given)), ns(std::move(given)) {}
  NsOrPid(const char* given) : NsOrPid(std::string(given)) {}  // NOLINT: likewise
  std::optional<pid_t> pid;
  NsName ns;
};

class Resolver {
 public:
  /// `paths` and `opened`: ScanRequest::ns_paths and Scan::named, in the same order; `tasks`:
  /// Scan::tasks, the threads among the PIDs the command line named.
  Resolver(const NamespaceGraph& graph, std::vector<std::string> paths, std::vector<NsId> opened,
           std::vector<Task> tasks)
      : graph_(graph),
        paths_(std::move(paths)),
        opened_(std::move(opened)),
        tasks_(std::move(tasks)) {}

  /// The process that `pid` names: that process, or the process a non-leader thread belongs to
  /// (noted: see notes()). Throws std::runtime_error saying why there is none.
  [[nodiscard]] const Process& process(pid_t pid);
  /// The thread that `pid` names, when it is not its process's leader; else nullptr.
  [[nodiscard]] const Task* task(pid_t pid) const;
  /// --ns: an inode, pid:[INODE], or a path the scan opened. Throws std::runtime_error.
  [[nodiscard]] NsId ns(const NsName& name) const;
  /// --to: a PID's namespace, or as ns(). Throws std::runtime_error.
  [[nodiscard]] NsId ns_or_pid(const NsOrPid& name);
  /// What resolving found worth saying on stderr, one line each.
  [[nodiscard]] const std::vector<std::string>& notes() const noexcept { return notes_; }

 private:
  [[nodiscard]] std::string missing_pid_reason(pid_t pid) const;
  [[nodiscard]] NsId find_by_inode(std::uint64_t ino) const;

  const NamespaceGraph& graph_;
  std::vector<std::string> paths_;
  std::vector<NsId> opened_;
  std::vector<Task> tasks_;
  std::vector<std::string> notes_;
};

}  // namespace pidns
