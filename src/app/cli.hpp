// cli: the command line, parsed and checked into Options: what the user said, typed. What each
// driver needs of it is resolved once, by plan.hpp.
#pragma once

#include <sys/types.h>

#include <iosfwd>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "app/environment.hpp"
#include "app/exit_status.hpp"
#include "model/resolve.hpp"
#include "output/render.hpp"
#include "scan/linux_source.hpp"

namespace pidns {

/// The command line, parsed and checked.
struct Options {
  std::string proc_root = "/proc";
  SourceChoice source = SourceChoice::kAuto;  ///< --source: how processes are read
  std::optional<std::string> host_root;       ///< --host-root: where the host's state files are
  Format format = Format::Text;
  ColorMode color = ColorMode::Auto;
  bool ascii = false;
  bool processes = true;           ///< --no-pids turns it off
  std::vector<pid_t> pids;         ///< --pid: show the branches to these processes
  std::vector<NsName> namespaces;  ///< --ns: inode, pid:[inode] or an nsfs path
  std::optional<int> max_depth;    ///< --max-depth
  bool owner = false;              ///< --owner
  bool unique_id = false;          ///< --ns-id
  bool labels = true;              ///< --no-labels turns container labels off
  bool ptree = false;              ///< --ptree
  bool kernel_threads = false;     ///< --kernel-threads: list them, not one summary row
  unsigned jobs = 0;               ///< --jobs: threads that read processes; 0: min(CPUs, 8)
  bool all = false;                ///< --all: also namespaces held open by fds or mounts
  std::optional<pid_t> translate;  ///< --translate PID
  std::optional<NsOrPid> to;       ///< --to NS|PID
  bool watch = false;              ///< --watch: namespace events until interrupted
  double interval = 1.0;           ///< --interval: seconds between rescans for --watch
  /// --output: write the snapshot to this file (through a temporary and a rename), not stdout
  std::optional<std::string> output;
};

/// Parses argv. Returns Options, or the exit status when the run ends here (--help and
/// --version print to `out` and give kOk; a usage error prints one line to `err`, kUsage).
[[nodiscard]] std::variant<Options, int> parse_args(int argc, const char* const* argv,
                                                    std::ostream& out, std::ostream& err);

}  // namespace pidns
