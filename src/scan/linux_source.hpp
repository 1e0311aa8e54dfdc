// linux_source: the real kernel behind NsSource: the root of a procfs mount plus namespace
// ioctls. linux_source.cpp drives the parts of a scan: process_reader, ns_climber, pin_finder and
// label_reader.
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
