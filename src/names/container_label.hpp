// names/: which container a namespace is and what its users call it: container_label (recognised
// from a cgroup path alone, pure), state_files (pure parsers of engines' and the kubelet's files),
// name_finder (which file names which container, and whose files are trusted; reads only through
// kernel/host_files). Includes kernel/ only.
//
// container_label: which container a namespace is, recognised from a cgroup path alone. Pure.
#pragma once

#include <sys/types.h>

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace pidns {

/// Docker, containerd, CRI-O and podman ids are 32 random bytes printed as 64 lowercase hex digits.
inline constexpr std::size_t kFullIdLength = 64;
/// A full container id: exactly kFullIdLength lowercase hex digits.
[[nodiscard]] bool is_full_id(std::string_view s);

/// What a container's users call it, from the state files its engine or the kubelet keeps on
/// disk (name_finder.hpp). Untrusted text: escape it for a terminal. "" where unknown.
struct ContainerNames {
  std::string name;             ///< Docker or Podman name (no leading '/'); a pod's container
  std::string pod_name;         ///< Kubernetes pod name
  std::string pod_namespace;    ///< Kubernetes namespace of the pod
  std::string compose_project;  ///< Docker label com.docker.compose.project
  std::string compose_service;  ///< Docker label com.docker.compose.service
  friend bool operator==(const ContainerNames&, const ContainerNames&) = default;
};

/// A user's service manager, `user@UID.service`, above a container on its cgroup path: the
/// container is that user's own (rootless). systemd makes it for UID and chowns its directory to
/// UID (Delegate=yes); below it, that user may name cgroups as they like.
struct UserManager {
  uid_t uid = 0;
  /// The /proc/PID/cgroup line it was read from: its hierarchy ("" for cgroup v2, else the v1
  /// controllers, e.g. "name=systemd") and the cgroup path of the user@UID.service directory.
  std::string controllers{};
  std::string cgroup{};
  friend bool operator==(const UserManager&, const UserManager&) = default;
};

/// A container (or systemd unit) recognised from the cgroup of a namespace's init.
struct ContainerLabel {
  /// "docker", "containerd", "cri-o", "kubernetes" (a pod container whose runtime the path does
  /// not name), "ecs" (an ECS task's container, likewise), "nerdctl", "podman", "runc", "nspawn",
  /// "libvirt", "lxc", "systemd"
  std::string engine{};
  std::string id{};       ///< container id (full), machine/container name, or unit name
  std::string pod_uid{};  ///< Kubernetes pod UID, empty when not under kubepods
  /// The containerd namespace of a container that `ctr run` made with the cgroupfs driver
  /// ("/<namespace>/<id>"); empty elsewhere.
  std::string containerd_namespace{};
  /// The outermost `user@UID.service` above the container on its cgroup path, the one systemd
  /// made: the container is that user's own (rootless), and only that user's state files may
  /// name it, once the cgroup file system confirms that UID owns that directory. Not shown.
  std::optional<UserManager> user{};
  ContainerNames names{};  ///< from state files, found by the scan; empty from the cgroup alone
  friend bool operator==(const ContainerLabel&, const ContainerLabel&) = default;

  /// For the text output: "docker 3f2a1b2c3d4e", "k8s pod 0b1c… containerd 4e5f6a7b8c9d",
  /// "systemd nginx.service"; long hexadecimal ids are cut to 12 characters, as docker ps does.
  /// A container of `ctr run` is "containerd default/test_container". Names come before the id:
  /// "docker shop-web (compose shop/web) 0863501e45d8", "podman web 3f2a1b2c3d4e", and a pod's
  /// namespace/name replace "pod UID": "k8s checkout/cart-5d8f9c7b6-x2x9q cart containerd
  /// f1cde6a8dc2e". Not escaped: names are untrusted, escape the whole for a terminal.
  [[nodiscard]] std::string text() const;

  /// The keys and values of the JSON `container` object, in order, the same in the snapshot
  /// document and in --watch events: every value a string, "" when unknown.
  [[nodiscard]] std::array<std::pair<std::string_view, std::string_view>, 9> json_fields() const {
    return {{{"engine", engine},
             {"id", id},
             {"pod_uid", pod_uid},
             {"containerd_namespace", containerd_namespace},
             {"name", names.name},
             {"pod_name", names.pod_name},
             {"pod_namespace", names.pod_namespace},
             {"compose_project", names.compose_project},
             {"compose_service", names.compose_service}}};
  }
};

/// A running dockerd that may say where the host's Docker keeps its state (scan/label_reader:
/// one that runs as root in the host's PID and mount namespaces), and what its command line says.
struct EngineDaemon {
  std::string data_root;    ///< `--data-root DIR` or `--data-root=DIR` (the last counts); or ""
  std::string config_file;  ///< `--config-file`, likewise
  friend bool operator==(const EngineDaemon&, const EngineDaemon&) = default;
};

/// Recognises the container from the text of /proc/PID/cgroup (cgroup v1 or v2 lines
/// "ID:CONTROLLERS:PATH"). nullopt for layouts it does not know: it never guesses. The v2 line is
/// tried first, then v1 name=systemd, then the other v1 lines; the deepest recognised path
/// component wins, and the outermost user@UID.service above it is its user. A container's monitor
/// (conmon, LXC's monitor) gets no label. `ctr run`'s
/// "/<containerd namespace>/<id>" is recognised only as a whole path of exactly those two
/// components on the v2 or name=systemd line (see recognise_ctr_path() for its rules). Without a
/// container, a systemd service seen on the v2 or name=systemd line is the fallback, unless a
/// component below it holds a 64-hex id that no rule understood.
/// Never throws except std::bad_alloc.
[[nodiscard]] std::optional<ContainerLabel> recognise_cgroup(std::string_view cgroup_file);

}  // namespace pidns
