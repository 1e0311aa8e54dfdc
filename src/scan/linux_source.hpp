// scan/: the sources of a Scan. linux_source reads a procfs and drives its phases: the processes
// (procfs_processes: status and ns/pid on --jobs threads cut by parts.hpp; or bpf_processes: one
// pass of the BPF task iterator), both placed by process_placer and climbed by ns_climber
// (NS_GET_PARENT); then pin_finder (--all) and label_reader (cgroups and container names).
// Includes kernel/, names/ and model/; never output/ (the two meet only in app/).
//
// linux_source: the real kernel behind NsSource: the root of a procfs mount plus namespace
// ioctls, and where it can be used, the BPF task iterator.
#pragma once

#include <memory>
#include <string>

#include "model/scan.hpp"

namespace pidns {

/// How the processes are read (--source).
enum class SourceChoice {
  kAuto,    ///< the BPF task iterator where it can be used, procfs otherwise, silently
  kProcfs,  ///< procfs only
  kBpf,     ///< the BPF task iterator, or a failure that says why it cannot be used
};

class LinuxSource final : public NsSource {
 public:
  explicit LinuxSource(std::string proc_root = "/proc", SourceChoice choice = SourceChoice::kAuto);
  LinuxSource(const LinuxSource&) = delete;
  LinuxSource& operator=(const LinuxSource&) = delete;
  ~LinuxSource() override;

  /// Throws std::runtime_error ("--source bpf: WHY") where kBpf was chosen and the iterator
  /// cannot be used.
  [[nodiscard]] Scan scan(const ScanRequest& request) override;

  /// The BPF task iterator, loaded at the first scan that may use it, and the choice that says
  /// whether a scan does (linux_source.cpp).
  struct Iterator;

 private:
  std::string proc_root_;
  std::unique_ptr<Iterator> iterator_;
};

}  // namespace pidns
