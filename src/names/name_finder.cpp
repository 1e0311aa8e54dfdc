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

// Docker keeps the state of ECS's containers on EC2: same files, same names.
[[nodiscard]] bool named_by_docker(const ContainerLabel& label) {
  return label.engine == "docker" || label.engine == "ecs";
}

// The pieces of a file, for a parser.
[[nodiscard]] TextPieces pieces_of(HostFile& file) {
  return [&file] { return file.next(); };
}

}  // namespace

bool is_engine_daemon(std::string_view process_name) { return process_name == "dockerd"; }

bool may_have_names(const ContainerLabel& label) {
  return !label.pod_uid.empty() || named_by_docker(label) || label.engine == "podman";
}

bool named_from_a_store(const ContainerLabel& label) {
  return label.pod_uid.empty() && label.engine == "podman";
}

NameFinder::NameFinder(const HostRoot& host, const std::vector<EngineDaemon>& daemons,
                       const CgroupFs* cgroups)
    : host_(host), daemons_(daemons), cgroups_(cgroups) {}

// Whose files may name the container: the system's, or those of the user whose service manager
// systemd made above it. A user@UID.service that UID does not own (someone else named a cgroup
// so, or the cgroup file system cannot say) trusts nobody's files: false. An out-parameter, as
// parse_decimal() has, where an optional of an optional would do.
bool NameFinder::trusted_owner(const ContainerLabel& label, Owner& owner) const {
  owner.reset();
  if (!label.user) return true;
  const UserManager& user = *label.user;
  if (cgroups_ == nullptr || cgroups_->owner(user.controllers, user.cgroup) != user.uid) {
    return false;
  }
  owner = user.uid;
  return true;
}

void NameFinder::name_all(const std::vector<ContainerLabel*>& labels) {
  // Podman's labels wait for one pass over each store, with every id wanted from it.
  std::map<Owner, std::unordered_set<std::string>> podman_ids;
  std::vector<std::pair<ContainerLabel*, Owner>> podman_labels;
  for (ContainerLabel* label : labels) {
    label->names = {};
    if (!may_have_names(*label)) continue;
    Owner owner;
    if (!trusted_owner(*label, owner)) continue;
    if (!label->pod_uid.empty()) {
      // The kubelet's logs are root's; a pod below a user's service manager is not this kubelet's.
      if (!owner) label->names = kubernetes(*label);
    } else if (!named_from_a_store(*label)) {
      label->names = docker(*label, owner);
    } else {
      podman_ids[owner].insert(label->id);
      podman_labels.emplace_back(label, owner);
    }
  }
  std::map<Owner, std::unordered_map<std::string, std::string>> found;
  for (const auto& [owner, ids] : podman_ids) found.emplace(owner, podman_store(owner, ids));
  for (auto& [label, owner] : podman_labels) {
    const std::unordered_map<std::string, std::string>& names = found.at(owner);
    if (auto it = names.find(label->id); it != names.end()) label->names.name = it->second;
  }
}

ContainerNames NameFinder::find(const ContainerLabel& label) {
  ContainerLabel copy = label;
  name_all({&copy});
  return copy.names;
}

std::optional<std::string> NameFinder::home_of(uid_t uid) {
  if (!passwd_) passwd_ = host_.read_file("/etc/passwd").value_or("");
  return passwd_home(*passwd_, uid);
}

// How a user's files are read: as theirs (kernel/host_files.hpp); nullopt for a user without a
// home, whose files cannot be found.
std::optional<FileOwner> NameFinder::file_owner(const Owner& owner) {
  if (!owner) return std::nullopt;
  std::optional<std::string> home = home_of(*owner);
  if (!home) return std::nullopt;
  return FileOwner{*owner, std::move(*home)};
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
  std::optional<FileOwner> user = file_owner(owner);
  if (owner) {
    if (!user) return roots;
    config = user->home + "/.config/docker/daemon.json";
    fallback = user->home + "/.local/share/docker";
  }
  auto configured_root = [&](const std::string& config_file) {
    std::string root = parse_daemon_json_data_root(
        host_.read_file(config_file, kMaxDaemonJsonSize, user ? &*user : nullptr).value_or(""));
    return root.empty() ? fallback : root;
  };

  // A user's dockerd runs in namespaces of its own (rootlesskit): its command line's paths are
  // not the host's, and only root's daemons are trusted at all (scan/label_reader).
  if (!owner) {
    for (const EngineDaemon& d : daemons_) {
      if (!d.data_root.empty()) {
        add_unique(roots, d.data_root);
      } else {
        add_unique(roots, configured_root(d.config_file.empty() ? config : d.config_file));
      }
    }
  }
  // With no trusted dockerd (stopped with live-restore, not seen, or a user's), the configured
  // root.
  if (owner || daemons_.empty()) add_unique(roots, configured_root(config));
  return roots;
}

ContainerNames NameFinder::docker(const ContainerLabel& label, const Owner& owner) {
  std::string key = (owner ? std::to_string(*owner) : "") + ':' + label.id;
  auto cached = docker_names_.find(key);
  if (cached != docker_names_.end()) return cached->second;
  ContainerNames names;
  std::optional<FileOwner> user = file_owner(owner);
  for (const std::string& root : docker_roots(owner)) {
    std::optional<HostFile> file =
        host_.open_file(root + "/containers/" + label.id + "/config.v2.json", kMaxDockerConfigSize,
                        user ? &*user : nullptr);
    if (!file) continue;
    std::optional<ContainerNames> found = parse_docker_config(pieces_of(*file), label.id);
    if (found && file->ok()) {
      names = std::move(*found);
      break;
    }
  }
  docker_names_.emplace(std::move(key), names);
  return names;
}

// containers-storage.conf(5): the system's is the first of /etc/containers/storage.conf and
// /usr/share/containers/storage.conf that exists; a user's own replaces it (its driver is the
// system's otherwise). $XDG_CONFIG_HOME of another user cannot be known: ~/.config is read.
std::optional<StorageConf> NameFinder::storage_conf(const Owner& owner) {
  StorageConf conf;
  for (const char* path : {"/etc/containers/storage.conf", "/usr/share/containers/storage.conf"}) {
    if (std::optional<std::string> text = host_.read_file(path, kMaxStorageConfSize)) {
      conf = parse_storage_conf(*text).value_or(StorageConf{});
      break;
    }
  }
  if (conf.graphroot.empty()) conf.graphroot = "/var/lib/containers/storage";
  if (!owner) return conf;
  std::optional<FileOwner> user = file_owner(owner);
  if (!user) return std::nullopt;
  std::string graphroot = user->home + "/.local/share/containers/storage";
  std::optional<std::string> text =
      host_.read_file(user->home + "/.config/containers/storage.conf", kMaxStorageConfSize, &*user);
  if (std::optional<StorageConf> own = text ? parse_storage_conf(*text) : std::nullopt) {
    conf = *own;
    if (!own->graphroot.empty()) graphroot = own->graphroot;
  }
  conf.graphroot = graphroot;
  return conf;
}

std::unordered_map<std::string, std::string> NameFinder::podman_store(
    const Owner& owner, const std::unordered_set<std::string>& ids) {
  std::optional<StorageConf> conf = storage_conf(owner);
  if (!conf) return {};
  std::optional<FileOwner> user = file_owner(owner);
  std::vector<std::string> drivers;
  if (conf->driver.empty()) {
    drivers = {"overlay", "vfs", "btrfs", "zfs"};  // the store's own order of preference
  } else {
    drivers = {conf->driver};
  }
  for (const std::string& driver : drivers) {
    std::optional<HostFile> file =
        host_.open_file(conf->graphroot + '/' + driver + "-containers/containers.json",
                        kMaxStateFileSize, user ? &*user : nullptr);
    if (!file) continue;
    std::unordered_map<std::string, std::string> names =
        parse_containers_json(pieces_of(*file), ids);
    return file->ok() ? names : std::unordered_map<std::string, std::string>{};
  }
  return {};
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
