// name_finder: which state file names which container, and whose files are trusted for it.
#include "names/name_finder.hpp"

#include <algorithm>
#include <utility>

namespace pidns {
namespace {

void add_unique(std::vector<std::string>& list, std::string path) {
  // A relative path would be relative to the daemon's working directory, which is not known.
  if (!path.starts_with('/')) return;
  if (std::find(list.begin(), list.end(), path) == list.end()) list.push_back(std::move(path));
}

}  // namespace

bool is_engine_daemon(std::string_view process_name) { return process_name == "dockerd"; }

NameFinder::NameFinder(const HostRoot& host, std::vector<EngineDaemon> daemons)
    : host_(host), daemons_(std::move(daemons)) {}

bool may_have_names(const ContainerLabel& label) {
  return !label.pod_uid.empty() || label.engine == "docker" || label.engine == "podman";
}

ContainerNames NameFinder::find(const ContainerLabel& label) {
  if (!may_have_names(label)) return {};
  if (!label.pod_uid.empty()) return kubernetes(label);
  if (label.engine == "docker") return docker(label);
  if (label.engine == "podman") return podman(label);
  return {};
}

std::optional<std::string> NameFinder::home_of(uid_t uid) {
  if (!passwd_) passwd_ = host_.read_file("/etc/passwd").value_or("");
  return passwd_home(*passwd_, uid);
}

const std::vector<std::string>& NameFinder::docker_roots(const Owner& owner) {
  auto [it, inserted] = docker_roots_.try_emplace(owner);
  std::vector<std::string>& roots = it->second;
  if (!inserted) return roots;

  // Where an owner's dockerd keeps its state unless its command line says: root's in
  // /etc/docker/daemon.json or /var/lib/docker, a rootless user's in ~/.config/docker/daemon.json
  // or ~/.local/share/docker (dockerd-rootless.sh without XDG_* set).
  std::string config = "/etc/docker/daemon.json";
  std::string fallback = "/var/lib/docker";
  if (owner) {
    std::optional<std::string> home = home_of(*owner);
    if (!home) return roots;
    config = *home + "/.config/docker/daemon.json";
    fallback = *home + "/.local/share/docker";
  }
  auto configured_root = [&](const std::string& config_file) {
    std::string root = parse_daemon_json_data_root(host_.read_file(config_file).value_or(""));
    return root.empty() ? fallback : root;
  };

  bool running = false;
  for (const EngineDaemon& d : daemons_) {
    if (d.uid != owner.value_or(0)) continue;
    running = true;
    DockerdArgs args = parse_dockerd_cmdline(d.cmdline);
    if (!args.data_root.empty()) {
      add_unique(roots, args.data_root);
    } else {
      add_unique(roots, configured_root(args.config_file.empty() ? config : args.config_file));
    }
  }
  // With no dockerd running (stopped with live-restore, or not seen), the configured root.
  if (!running) add_unique(roots, configured_root(config));
  return roots;
}

ContainerNames NameFinder::docker(const ContainerLabel& label) {
  std::string key = (label.user ? std::to_string(*label.user) : "") + ':' + label.id;
  auto cached = docker_names_.find(key);
  if (cached != docker_names_.end()) return cached->second;
  ContainerNames names;
  for (const std::string& root : docker_roots(label.user)) {
    std::optional<std::string> text =
        host_.read_file(root + "/containers/" + label.id + "/config.v2.json");
    if (!text) continue;
    if (std::optional<ContainerNames> found = parse_docker_config(*text, label.id)) {
      names = std::move(*found);
      break;
    }
  }
  docker_names_.emplace(std::move(key), names);
  return names;
}

const std::unordered_map<std::string, std::string>& NameFinder::podman_names(const Owner& owner) {
  auto [it, inserted] = podman_names_.try_emplace(owner);
  if (!inserted) return it->second;

  // containers-storage.conf(5): the first of these files that exists is the configuration.
  std::optional<StorageConf> system_conf;
  for (const char* path : {"/etc/containers/storage.conf", "/usr/share/containers/storage.conf"}) {
    if (std::optional<std::string> text = host_.read_file(path)) {
      system_conf = parse_storage_conf(*text);
      break;
    }
  }
  StorageConf conf = system_conf.value_or(StorageConf{});
  std::string graphroot = conf.graphroot.empty() ? "/var/lib/containers/storage" : conf.graphroot;
  if (owner) {
    // A user's own storage.conf replaces the system's; its driver is the system's otherwise.
    // $XDG_CONFIG_HOME of another user cannot be known: the default ~/.config is read.
    std::optional<std::string> home = home_of(*owner);
    if (!home) return it->second;
    std::optional<std::string> text = host_.read_file(*home + "/.config/containers/storage.conf");
    if (std::optional<StorageConf> user_conf = text ? parse_storage_conf(*text) : std::nullopt) {
      conf = *user_conf;
    }
    graphroot =
        conf.graphroot.empty() ? *home + "/.local/share/containers/storage" : conf.graphroot;
  }

  std::vector<std::string> drivers;
  if (conf.driver.empty()) {
    drivers = {"overlay", "vfs", "btrfs", "zfs"};  // the store's own order of preference
  } else {
    drivers = {conf.driver};
  }
  for (const std::string& driver : drivers) {
    std::optional<std::string> text =
        host_.read_file(graphroot + '/' + driver + "-containers/containers.json");
    if (!text) continue;
    it->second = parse_containers_json(*text);
    break;
  }
  return it->second;
}

ContainerNames NameFinder::podman(const ContainerLabel& label) {
  const std::unordered_map<std::string, std::string>& names = podman_names(label.user);
  ContainerNames out;
  if (auto it = names.find(label.id); it != names.end()) out.name = it->second;
  return out;
}

void NameFinder::read_kubelet_logs() {
  kubelet_logs_read_ = true;
  for (const std::string& entry : host_.list_dir("/var/log/pods")) {
    if (std::optional<PodLogDir> pod = parse_pod_log_dir(entry)) {
      pods_.try_emplace(pod->pod_uid, std::move(*pod));
    }
  }
  std::vector<std::string> logs = host_.list_dir("/var/log/containers");
  std::sort(logs.begin(), logs.end());  // the same answer whatever order readdir gives
  for (const std::string& entry : logs) {
    if (std::optional<ContainerLogName> log = parse_container_log_name(entry)) {
      containers_.try_emplace(log->id, std::move(*log));
    }
  }
}

ContainerNames NameFinder::kubernetes(const ContainerLabel& label) {
  // The kubelet's logs are root's; a pod below a user's service manager is not this kubelet's.
  if (label.user) return {};
  if (!kubelet_logs_read_) read_kubelet_logs();
  ContainerNames names;
  auto pod = pods_.find(label.pod_uid);
  auto log = containers_.find(label.id);
  if (pod != pods_.end()) {
    names.pod_namespace = pod->second.pod_namespace;
    names.pod_name = pod->second.pod_name;
    // A container log names its pod by name only: trust its container name only if that is
    // the pod the cgroup says.
    if (log != containers_.end() && log->second.pod_name == names.pod_name &&
        log->second.pod_namespace == names.pod_namespace) {
      names.name = log->second.container;
    }
  } else if (log != containers_.end()) {
    names.pod_namespace = log->second.pod_namespace;
    names.pod_name = log->second.pod_name;
    names.name = log->second.container;
  }
  return names;
}

}  // namespace pidns
