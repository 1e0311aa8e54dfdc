// exit_status: pidns-tree's exit statuses, documented in --help and in the man page.
#pragma once

namespace pidns {

inline constexpr int kOk = 0;       ///< success, even if some processes could not be read
inline constexpr int kFailure = 1;  ///< the run failed (e.g. the procfs root is unusable)
inline constexpr int kUsage = 2;    ///< bad command line

}  // namespace pidns
