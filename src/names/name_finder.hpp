// name_finder: which state file names which container, and whose files are trusted for it. Reads
// only through a HostRoot (and asks a CgroupFs who owns a user's service manager), asks no
// engine, and remembers what it read for the rest of the run.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "kernel/cgroup_fs.hpp"
#include "kernel/host_files.hpp"
#include "names/container_label.hpp"
#include "names/state_files.hpp"

namespace pidns {

/// Whether a process of this name (status `Name:`, or comm) is a daemon whose command line the
/// finder may need: "dockerd", for its --data-root.
[[nodiscard]] bool is_engine_daemon(std::string_view process_name);

/// The most of a trusted daemon's command line read: real ones are a few hundred bytes. A longer
/// one says nothing about where the daemon keeps its state (its data root is then the default).
inline constexpr std::size_t kMaxDaemonCmdline = 16 * 1024;

/// Whether NameFinder may name this label at all: a host without such labels need not read a
/// single file.
[[nodiscard]] bool may_have_names(const ContainerLabel& label);

/// Whether NameFinder names this label from a store that names many containers in one file
/// (Podman's containers.json), read once for all the labels handed to one name_all(): such
/// labels are best named together rather than spread over --jobs parts that would each read it.
[[nodiscard]] bool named_from_a_store(const ContainerLabel& label);

/// Finds what a host's own files call its containers:
/// - Docker (and ECS, whose tasks' containers Docker runs on EC2):
///   `<data-root>/containers/<id>/config.v2.json`. The data roots are those of the trusted
///   dockerds (`daemons`: --data-root, else "data-root" of their --config-file or daemon.json,
///   else /var/lib/docker); with none, daemon.json's "data-root", else /var/lib/docker.
/// - Podman (containers/storage): `<graphroot>/<driver>-containers/containers.json`, graphroot and
///   driver from the first of /etc/containers/storage.conf and /usr/share/containers/storage.conf
///   (defaults /var/lib/containers/storage; without a driver, overlay, vfs, btrfs and zfs are
///   tried in that order).
/// - Kubernetes (any runtime): the names of /var/log/pods/<namespace>_<pod>_<uid> and
///   /var/log/containers/<pod>_<namespace>_<container>-<id>.log.
/// A container below user@UID.service (ContainerLabel::user) is that user's own: it is named only
/// if the cgroup file system shows that UID owns that user@UID.service, and then only from files
/// of that user (FileOwner: owned by UID, no symbolic link below the home), found from the home
/// directory /etc/passwd gives (~/.config/docker/daemon.json, ~/.local/share/docker;
/// ~/.config/containers/storage.conf, else ~/.local/share/containers/storage). Nobody else's
/// container is named from a user's files. At most one file is read per container (Docker), or
/// one per store (Podman) and call of name_all(), or two directory listings per run (Kubernetes).
/// Anything missing, unreadable, malformed or over its bound is no name.
class NameFinder {
 public:
  /// `daemons`: the trusted dockerds, in PID order, kept by reference (they outlive the finder).
  /// `cgroups`: where to ask who owns a user's service manager; without it no user's container
  /// is named.
  NameFinder(const HostRoot& host, const std::vector<EngineDaemon>& daemons,
             const CgroupFs* cgroups);
  NameFinder(const HostRoot&, std::vector<EngineDaemon>&&, const CgroupFs*) = delete;

  /// Sets the names field of every label in `labels` (empty where none are found, and always
  /// for labels that are not containers of the engines above). Each Podman store is read once
  /// for all of them, keeping only the ids asked for.
  void name_all(const std::vector<ContainerLabel*>& labels);

  /// The names of the container `label` (its names field is ignored).
  [[nodiscard]] ContainerNames find(const ContainerLabel& label);

 private:
  using Owner = std::optional<uid_t>;  // nullopt: the system's own state, root's

  [[nodiscard]] bool trusted_owner(const ContainerLabel& label, Owner& owner) const;
  std::optional<FileOwner> file_owner(const Owner& owner);
  ContainerNames docker(const ContainerLabel& label, const Owner& owner);
  std::unordered_map<std::string, std::string> podman_store(
      const Owner& owner, const std::unordered_set<std::string>& ids);
  std::optional<StorageConf> storage_conf(const Owner& owner);
  ContainerNames kubernetes(const ContainerLabel& label);

  const std::vector<std::string>& docker_roots(const Owner& owner);
  std::optional<std::string> home_of(uid_t uid);
  void read_kubelet_logs();

  const HostRoot& host_;
  const std::vector<EngineDaemon>& daemons_;
  const CgroupFs* cgroups_;
  std::map<Owner, std::vector<std::string>> docker_roots_;
  std::unordered_map<std::string, ContainerNames> docker_names_;  // by owner and id
  std::optional<std::string> passwd_;
  bool kubelet_logs_read_ = false;
  std::unordered_map<std::string, PodLogDir> pods_;               // by pod UID
  std::unordered_map<std::string, ContainerLogName> containers_;  // by container id
};

}  // namespace pidns
