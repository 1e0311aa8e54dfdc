// plan: the command line resolved once into what each driver needs.
#include "app/plan.hpp"

#include <algorithm>

#include "version.hpp"

namespace pidns {
namespace {

// Where names are read: --host-root, else our own "/". That holds the files of our own procfs's
// host only: under --proc of another namespace's procfs it is a guess the scan will not make.
void set_host_root(const Options& options, ScanRequest& request) {
  request.host_root = options.host_root.value_or("/");
  request.host_root_default = !options.host_root && options.proc_root != "/proc";
}

// Namespaces named by path are opened and climbed by the scan; inodes are looked up after it.
void add_paths(const std::vector<NsName>& names, ScanRequest& request) {
  for (const NsName& name : names) {
    if (name.is_path()) request.ns_paths.push_back(name.text);
  }
}

// What the scan must collect for a snapshot, and nothing more: each item costs system calls.
ScanRequest snapshot_request(const Options& options, const TermEnv& env) {
  ScanRequest request;
  // Status files only where the output shows processes or their PIDs at every level.
  // Metrics list no process but name each init and count kernel threads: both are in status.
  bool metrics = options.format == Format::OpenMetrics;
  request.statuses = options.processes || options.translate.has_value() || metrics;
  constexpr unsigned kMaxDefaultJobs = 8;  // beyond this, /proc's own locks serialise the reads
  request.jobs = options.jobs > 0 ? options.jobs : std::min(env.cpus, kMaxDefaultJobs);
  bool json = options.format == Format::Json;
  request.owners = json || metrics || options.owner;  // metrics: whose namespace it is
  request.ids = json || options.unique_id;
  request.cgroups = json || options.labels;
  request.all = options.all;
  if (request.cgroups) set_host_root(options, request);  // names only where a label shows them
  add_paths(options.namespaces, request);
  if (options.to) add_paths({options.to->ns}, request);
  // PIDs that /proc does not list may be threads: the scan looks them up.
  request.tids = options.pids;
  if (options.translate) {
    request.tids.push_back(*options.translate);
    if (options.to && options.to->pid) request.tids.push_back(*options.to->pid);
  }
  return request;
}

SnapshotPlan snapshot_plan(const Options& options, const TermEnv& env) {
  SnapshotPlan plan;
  plan.request = snapshot_request(options, env);
  plan.format = options.format;
  plan.render =
      RenderOptions{.walk = {.processes = options.processes,
                             .ptree = options.ptree,
                             .kernel_threads = options.kernel_threads},
                    .unicode = env.utf8 && !options.ascii,
                    .color = options.format == Format::Text && use_color(options.color, env),
                    .owner = options.owner,
                    .unique_id = options.unique_id,
                    .labels = options.labels,
                    .version = kVersion};
  plan.pids = options.pids;
  plan.namespaces = options.namespaces;
  plan.max_depth = options.max_depth;
  plan.translate = options.translate;
  plan.to = options.to;
  plan.proc_given = options.proc_root != "/proc";
  plan.output = options.output;
  plan.root = env.root;
  return plan;
}

WatchPlan watch_plan(const Options& options, const TermEnv& env) {
  WatchPlan plan;
  plan.request.ids = true;  // identity: inodes are reused, NS_GET_ID's ids are not
  bool json = options.format == Format::Json;
  plan.request.cgroups = json || options.labels;
  if (plan.request.cgroups) set_host_root(options, plan.request);
  plan.first = plan.request;
  add_paths(options.namespaces, plan.first);
  plan.proc_root = options.proc_root;
  plan.format =
      WatchFormat{json, !json && use_color(options.color, env), options.labels, options.unique_id};
  plan.scope = options.namespaces;
  plan.interval = options.interval;
  plan.root = env.root;
  return plan;
}

}  // namespace

Plan plan_for(const Options& options, const TermEnv& env) {
  if (options.watch) return watch_plan(options, env);
  return snapshot_plan(options, env);
}

}  // namespace pidns
