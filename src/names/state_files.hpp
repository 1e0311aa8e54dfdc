// state_files: pure parsers of the files in which engines and the kubelet keep what their
// users call a container. Text in, fields out: no I/O, and they never throw (but bad_alloc).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "names/container_label.hpp"

namespace pidns {

/// The longest name kept. Docker, Podman and Kubernetes names are far shorter (a DNS subdomain is
/// at most 253); a longer value is not a name anyone types, and is dropped rather than cut.
inline constexpr std::size_t kMaxNameLength = 253;

/// Docker's `<data-root>/containers/<id>/config.v2.json`: `Name` without its leading '/', and the
/// `com.docker.compose.project` and `.service` entries of `Config.Labels`. nullopt if the text is
/// not one valid JSON object or its `ID` is not `id`: a file found by an id must say that id.
/// Once `ID`, `Config` and `Name` are read, in the order dockerd writes them, the rest of the text
/// is not looked at; what came before must be valid JSON.
[[nodiscard]] std::optional<ContainerNames> parse_docker_config(std::string_view json,
                                                                std::string_view id);

/// What a dockerd command line says about where its state is.
struct DockerdArgs {
  std::string data_root;    ///< `--data-root DIR` or `--data-root=DIR` (the last one counts)
  std::string config_file;  ///< `--config-file`, likewise
  friend bool operator==(const DockerdArgs&, const DockerdArgs&) = default;
};

/// Reads a /proc/PID/cmdline text: arguments separated (and usually ended) by NUL bytes. Stops at
/// "--", as dockerd's flag parser does.
[[nodiscard]] DockerdArgs parse_dockerd_cmdline(std::string_view cmdline);

/// `"data-root"` of dockerd's daemon.json; "" when it is absent, not a string or the text is not
/// a JSON object.
[[nodiscard]] std::string parse_daemon_json_data_root(std::string_view json);

/// The `[storage]` table of containers-storage.conf(5).
struct StorageConf {
  std::string driver;     ///< "" when unset
  std::string graphroot;  ///< "" when unset
  friend bool operator==(const StorageConf&, const StorageConf&) = default;
};

/// Parses storage.conf (TOML, with tomlplusplus); nullopt if the text is not TOML.
[[nodiscard]] std::optional<StorageConf> parse_storage_conf(std::string_view toml);

/// containers/storage's `<graphroot>/<driver>-containers/containers.json` (Podman, CRI-O,
/// Buildah): each container's id mapped to its first name. Empty if the text is not a JSON array
/// of such objects; entries without an id or a usable name are skipped.
[[nodiscard]] std::unordered_map<std::string, std::string> parse_containers_json(
    std::string_view json);

/// A pod's log directory, `/var/log/pods/<namespace>_<pod>_<pod-uid>`, as the kubelet names it.
struct PodLogDir {
  std::string pod_namespace;
  std::string pod_name;
  std::string pod_uid;
  friend bool operator==(const PodLogDir&, const PodLogDir&) = default;
};

/// Parses a directory name of /var/log/pods; nullopt if it is not one. Namespaces and pod names
/// are DNS names, so they hold no '_'.
[[nodiscard]] std::optional<PodLogDir> parse_pod_log_dir(std::string_view name);

/// A container's log link, `/var/log/containers/<pod>_<namespace>_<container>-<id>.log`.
struct ContainerLogName {
  std::string pod_name;
  std::string pod_namespace;
  std::string container;
  std::string id;  ///< the runtime's container id: 64 hexadecimal digits
  friend bool operator==(const ContainerLogName&, const ContainerLogName&) = default;
};

/// Parses a file name of /var/log/containers; nullopt if it is not one.
[[nodiscard]] std::optional<ContainerLogName> parse_container_log_name(std::string_view name);

/// The home directory of `uid` in a passwd(5) text: the first line with that UID; nullopt if
/// there is none, or its home is not an absolute path.
[[nodiscard]] std::optional<std::string> passwd_home(std::string_view passwd, uid_t uid);

}  // namespace pidns
