// run: the plan, run by its driver.
#include "app/run.hpp"

#include "app/plan.hpp"
#include "app/watch_driver.hpp"

namespace pidns {

int execute(const Options& options, NsSource& source, std::ostream& out, std::ostream& err,
            const TermEnv& env, const UserNames& user_names) {
  Plan plan = plan_for(options, env);
  if (const auto* watch = std::get_if<WatchPlan>(&plan)) return run_watch(*watch, source, out, err);
  return run_snapshot(std::get<SnapshotPlan>(plan), source, out, err, user_names);
}

}  // namespace pidns
