// main: wires the real kernel, stdout and the environment to the CLI.
#include <fmt/format.h>

#include <exception>
#include <iostream>

#include "cli.hpp"

int main(int argc, char** argv) try {
  std::ios::sync_with_stdio(false);
  auto parsed = pidns::parse_args(argc, argv, std::cout, std::cerr);
  if (const int* status = std::get_if<int>(&parsed)) return *status;
  const auto& options = std::get<pidns::Options>(parsed);
  pidns::LinuxSource source(options.proc_root);
  return pidns::execute(options, source, std::cout, std::cerr, pidns::TermEnv::current());
} catch (const std::exception& e) {
  fmt::print(stderr, "pidns-tree: {}\n", e.what());
  return pidns::kFailure;
}
