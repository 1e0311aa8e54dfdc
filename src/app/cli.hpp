// cli: command-line options in, exit status out. The whole program but for main()'s wiring.
#pragma once

#include <functional>
#include <iosfwd>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include "model/scan.hpp"
#include "output/term.hpp"

namespace pidns {

/// Exit statuses, documented in --help and in the man page.
inline constexpr int kOk = 0;       ///< success, even if some processes could not be read
inline constexpr int kFailure = 1;  ///< the run failed (e.g. the procfs root is unusable)
inline constexpr int kUsage = 2;    ///< bad command line

enum class Format { Text, Json, Dot };

/// The command line, parsed and checked.
struct Options {
  std::string proc_root = "/proc";
  std::optional<std::string> host_root;  ///< --host-root: where the host's state files are
  Format format = Format::Text;
  ColorMode color = ColorMode::Auto;
  bool ascii = false;
  bool processes = true;                ///< --no-pids turns it off
  std::vector<pid_t> pids;              ///< --pid: show the branches to these processes
  std::vector<std::string> namespaces;  ///< --ns: inode, pid:[inode] or an nsfs path
  std::optional<int> max_depth;         ///< --max-depth
  bool owner = false;                   ///< --owner
  bool unique_id = false;               ///< --ns-id
  bool labels = true;                   ///< --no-labels turns container labels off
  bool ptree = false;                   ///< --ptree
  bool kernel_threads = false;          ///< --kernel-threads: list them, not one summary row
  unsigned jobs = 0;                    ///< --jobs: threads that read processes; 0: min(CPUs, 8)
  bool all = false;                     ///< --all: also namespaces held open by fds or mounts
  std::optional<pid_t> translate;       ///< --translate PID
  std::string to;                       ///< --to NS|PID
  bool watch = false;                   ///< --watch: namespace events until interrupted
  double interval = 1.0;                ///< --interval: seconds between rescans for --watch
};

/// Parses argv. Returns Options, or the exit status when the run ends here (--help and
/// --version print to `out` and give kOk; a usage error prints one line to `err`, kUsage).
[[nodiscard]] std::variant<Options, int> parse_args(int argc, const char* const* argv,
                                                    std::ostream& out, std::ostream& err);

/// Names for user IDs (for --owner and JSON's owner.user); main() passes user_names_from_passwd.
using UserNames =
    std::function<std::unordered_map<uid_t, std::string>(const std::unordered_set<uid_t>&)>;

/// Scans, builds and prints; returns the exit status. Output is written whole or not at all.
/// Everything after the scan is pure: the terminal and the user database come in as arguments.
[[nodiscard]] int execute(const Options& options, NsSource& source, std::ostream& out,
                          std::ostream& err, const TermEnv& env, const UserNames& user_names = {});

}  // namespace pidns
