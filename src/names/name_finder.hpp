// name_finder: which state file names which container, and whose files are trusted for it. Reads
// only through a HostRoot, asks no engine, and remembers what it read for the rest of the run.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kernel/host_files.hpp"
#include "names/container_label.hpp"
#include "names/state_files.hpp"

namespace pidns {

/// Whether a process of this name (status `Name:`) is a daemon whose command line the finder
/// needs: "dockerd", for its --data-root.
[[nodiscard]] bool is_engine_daemon(std::string_view process_name);

/// Whether NameFinder::find() may name this label at all: a host without such labels need not
/// read a single file.
[[nodiscard]] bool may_have_names(const ContainerLabel& label);

/// Finds what a host's own files call its containers:
/// - Docker: `<data-root>/containers/<id>/config.v2.json`. The data roots are those of the
///   running dockerds (--data-root, else "data-root" of their --config-file or daemon.json, else
///   /var/lib/docker); with none running, daemon.json's "data-root", else /var/lib/docker.
/// - Podman (containers/storage): `<graphroot>/<driver>-containers/containers.json`, graphroot and
///   driver from the first of /etc/containers/storage.conf and /usr/share/containers/storage.conf
///   (defaults /var/lib/containers/storage; without a driver, overlay, vfs, btrfs and zfs are
///   tried in that order).
/// - Kubernetes (any runtime): the names of /var/log/pods/<namespace>_<pod>_<uid> and
///   /var/log/containers/<pod>_<namespace>_<container>-<id>.log.
/// A container below user@UID.service (ContainerLabel::user) is that user's own: it is named only
/// from that user's files, found from the home directory /etc/passwd gives (dockerds of that UID,
/// ~/.config/docker/daemon.json, ~/.local/share/docker; ~/.config/containers/storage.conf, else
/// ~/.local/share/containers/storage), and nobody else's container is named from a user's files.
/// At most one file is read per container (Docker), or one per store and run (Podman), or two
/// directory listings per run (Kubernetes). Anything missing, unreadable or malformed is no name.
class NameFinder {
 public:
  /// `daemons`: the engine daemons running on the host, in PID order.
  NameFinder(const HostRoot& host, std::vector<EngineDaemon> daemons);

  /// The names of the container `label` (its names field is ignored); empty if none are found,
  /// and always for labels that are not containers of the engines above.
  [[nodiscard]] ContainerNames find(const ContainerLabel& label);

 private:
  using Owner = std::optional<uid_t>;  // nullopt: the system's own state, root's

  ContainerNames docker(const ContainerLabel& label);
  ContainerNames podman(const ContainerLabel& label);
  ContainerNames kubernetes(const ContainerLabel& label);

  const std::vector<std::string>& docker_roots(const Owner& owner);
  const std::unordered_map<std::string, std::string>& podman_names(const Owner& owner);
  std::optional<std::string> home_of(uid_t uid);
  void read_kubelet_logs();

  const HostRoot& host_;
  std::vector<EngineDaemon> daemons_;
  std::map<Owner, std::vector<std::string>> docker_roots_;
  std::map<Owner, std::unordered_map<std::string, std::string>> podman_names_;
  std::unordered_map<std::string, ContainerNames> docker_names_;  // by owner and id
  std::optional<std::string> passwd_;
  bool kubelet_logs_read_ = false;
  std::unordered_map<std::string, PodLogDir> pods_;               // by pod UID
  std::unordered_map<std::string, ContainerLogName> containers_;  // by container id
};

}  // namespace pidns
