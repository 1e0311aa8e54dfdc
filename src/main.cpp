// main: wires the real kernel, stdout and the environment to the app.
#include <csignal>
#include <exception>
#include <iostream>

#include "app/run.hpp"
#include "output/report.hpp"
#include "scan/linux_source.hpp"

int main(int argc, char** argv) try {
  // A closed pipe (pidns-tree | head) should end the run quietly, as it ends cat: even when the
  // parent left SIGPIPE ignored, take the default back rather than report EPIPE as an error.
  std::signal(SIGPIPE, SIG_DFL);
  std::ios::sync_with_stdio(false);
  auto parsed = pidns::parse_args(argc, argv, std::cout, std::cerr);
  if (const int* status = std::get_if<int>(&parsed)) return *status;
  const auto& options = std::get<pidns::Options>(parsed);
  pidns::LinuxSource source(options.proc_root, options.source);
  return pidns::execute(options, source, std::cout, std::cerr, pidns::TermEnv::current(),
                        pidns::user_names_below(options.host_root.value_or("/")));
} catch (const std::exception& e) {
  pidns::say(std::cerr, e.what());
  return pidns::kFailure;
}
