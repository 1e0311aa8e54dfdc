// parts: a list cut into contiguous parts, each worked on by a thread of its own (--jobs).
#pragma once

#include <algorithm>
#include <cstddef>
#include <exception>
#include <thread>
#include <vector>

namespace pidns {

/// How many parts `items` make for `jobs` threads: at most `jobs`, and none smaller than
/// `min_part` items, since a thread costs more than a little work.
[[nodiscard]] inline std::size_t part_count(std::size_t items, unsigned jobs,
                                            std::size_t min_part) {
  return std::min<std::size_t>(jobs, std::max<std::size_t>(1, items / min_part));
}

/// Where part k of `parts` over `items` begins; it ends where part k + 1 begins.
[[nodiscard]] inline std::size_t part_begin(std::size_t k, std::size_t parts, std::size_t items) {
  return k * items / parts;
}

/// Calls work(k) for every part k: on this thread for one part, else on a std::jthread each.
/// Once all have ended, rethrows the first part's exception (in part order), if any.
template <class Work>
void run_parts(std::size_t parts, Work work) {
  std::vector<std::exception_ptr> failures(parts);
  auto run = [&](std::size_t k) {
    try {
      work(k);
    } catch (...) {
      failures[k] = std::current_exception();
    }
  };
  if (parts == 1) {
    run(0);
  } else {
    std::vector<std::jthread> workers;
    for (std::size_t k = 0; k < parts; ++k) workers.emplace_back(run, k);
  }  // joined
  for (const std::exception_ptr& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
}

}  // namespace pidns
