// app/: the program. The command line (cli) resolved once into a plan (plan), the two drivers
// that run one (snapshot, watch_driver), the environment read once (environment), and the exit
// statuses. May include every folder; nothing but main.cpp includes it.
//
// run: the whole program but for main()'s wiring: the command line's plan, run by its driver.
#pragma once

#include <iosfwd>

#include "app/cli.hpp"
#include "app/environment.hpp"
#include "app/snapshot.hpp"
#include "model/scan.hpp"

namespace pidns {

/// Plans and runs `options`; returns the exit status. Everything after the scan is pure: the
/// terminal and the user database come in as arguments.
[[nodiscard]] int execute(const Options& options, NsSource& source, std::ostream& out,
                          std::ostream& err, const TermEnv& env, const UserNames& user_names = {});

}  // namespace pidns
