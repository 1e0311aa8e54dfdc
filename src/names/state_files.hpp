// state_files: pure parsers of the files in which engines and the kubelet keep what their
// users call a container. Text in, fields out: no I/O, and they never throw (but bad_alloc).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "names/container_label.hpp"

namespace pidns {

/// The longest name kept. Docker, Podman and Kubernetes names are far shorter (a DNS subdomain is
/// at most 253); a longer value is not a name anyone types, and is dropped rather than cut.
inline constexpr std::size_t kMaxNameLength = 253;

/// The largest file of each kind read: what real ones hold, with room to spare. A larger file is
/// no file (HostRoot::open_file), so a user's file can cost a root run no more than this.
/// containers.json grows with its store's containers (a few hundred bytes each): its bound is
/// kMaxStateFileSize (kernel/host_files.hpp), and it is parsed a piece at a time.
inline constexpr std::size_t kMaxStorageConfSize = 64 * 1024;     ///< storage.conf: a few KiB
inline constexpr std::size_t kMaxDaemonJsonSize = 64 * 1024;      ///< daemon.json: a few hundred B
inline constexpr std::size_t kMaxDockerConfigSize = 1024 * 1024;  ///< config.v2.json: a few KiB

/// Bounds on what reaches the JSON parser, checked on the text before the parser sees it: arrays
/// and objects nested deeper, or a string or number longer, end the text there, and a text so
/// ended names nothing. Real state files nest about 6 deep and hold no string near 256 KiB; the
/// parser keeps one token and the handlers one key per level, so a parse costs at most about
/// that much memory, whatever the file.
inline constexpr std::size_t kMaxJsonDepth = 32;
inline constexpr std::size_t kMaxJsonToken = 256 * 1024;

/// Bounds on what reaches the TOML parser (tomlplusplus, which recurses once per level of a
/// dotted key and overflows the stack on a key of 200,000 parts): a dotted key or table header
/// of more parts, or brackets and braces nested deeper, mean no configuration. Real storage.conf
/// keys have at most 3 parts ("storage.options.overlay") and nest 2 deep.
inline constexpr std::size_t kMaxTomlKeyParts = 8;
inline constexpr std::size_t kMaxTomlDepth = 8;

/// Text handed to a parser a piece at a time, so that a large file is never whole in memory: each
/// call gives the next piece, valid until the next call; an empty piece ends the text.
using TextPieces = std::function<std::string_view()>;

/// Docker's `<data-root>/containers/<id>/config.v2.json`: `Name` without its leading '/', and the
/// `com.docker.compose.project` and `.service` entries of `Config.Labels`. nullopt if the text is
/// not one valid JSON object within the JSON bounds or its `ID` is not `id`: a file found by an
/// id must say that id. Once `ID`, `Config` and `Name` are read, in the order dockerd writes
/// them, the rest of the text is not looked at; what came before must be valid JSON.
[[nodiscard]] std::optional<ContainerNames> parse_docker_config(const TextPieces& json,
                                                                std::string_view id);
[[nodiscard]] std::optional<ContainerNames> parse_docker_config(std::string_view json,
                                                                std::string_view id);

/// Reads a /proc/PID/cmdline text of dockerd: arguments separated (and usually ended) by NUL
/// bytes. Stops at "--", as dockerd's flag parser does.
[[nodiscard]] EngineDaemon parse_dockerd_cmdline(std::string_view cmdline);

/// `"data-root"` of dockerd's daemon.json; "" when it is absent, not a string or the text is not
/// a JSON object within the JSON bounds.
[[nodiscard]] std::string parse_daemon_json_data_root(std::string_view json);

/// The `[storage]` table of containers-storage.conf(5).
struct StorageConf {
  std::string driver;     ///< "" when unset
  std::string graphroot;  ///< "" when unset
  friend bool operator==(const StorageConf&, const StorageConf&) = default;
};

/// Parses storage.conf (TOML, with tomlplusplus); nullopt if the text is larger than
/// kMaxStorageConfSize, beyond the TOML bounds, or not TOML.
[[nodiscard]] std::optional<StorageConf> parse_storage_conf(std::string_view toml);

/// containers/storage's `<graphroot>/<driver>-containers/containers.json` (Podman, CRI-O,
/// Buildah): the first name of each container whose id is in `wanted`; the others, however many,
/// are not kept. Empty if the text is not a JSON array of objects within the JSON bounds; entries
/// without an id or a usable name are skipped, and of two entries with one id the first counts.
[[nodiscard]] std::unordered_map<std::string, std::string> parse_containers_json(
    const TextPieces& json, const std::unordered_set<std::string>& wanted);
[[nodiscard]] std::unordered_map<std::string, std::string> parse_containers_json(
    std::string_view json, const std::unordered_set<std::string>& wanted);

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

/// The user names of `uids` in a passwd(5) text (the first line with each UID), for --owner and
/// JSON's owner.user: read from the host's own /etc/passwd (--host-root), never through NSS,
/// which may ask nscd or sssd over a socket. UIDs without a line are left out.
[[nodiscard]] std::unordered_map<uid_t, std::string> passwd_names(
    std::string_view passwd, const std::unordered_set<uid_t>& uids);

}  // namespace pidns
