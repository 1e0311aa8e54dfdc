// scan/: the sources of a Scan. linux_source reads a procfs and drives its phases: process_reader
// (status and ns/pid, on --jobs threads cut by parts.hpp), ns_climber (NS_GET_PARENT), pin_finder
// (--all), label_reader (cgroups and container names). Includes kernel/, names/ and model/;
// never output/ (the two meet only in app/).
//
// linux_source: the real kernel behind NsSource: the root of a procfs mount plus namespace
// ioctls.
#pragma once

#include <string>
#include <utility>

#include "model/scan.hpp"

namespace pidns {

class LinuxSource final : public NsSource {
 public:
  explicit LinuxSource(std::string proc_root = "/proc") : proc_root_(std::move(proc_root)) {}
  [[nodiscard]] Scan scan(const ScanRequest& request) override;

 private:
  std::string proc_root_;
};

}  // namespace pidns
