// container: which container a namespace is, recognised from a cgroup path alone. Pure: no I/O,
// no engine is asked; every layout recognised here is listed in the man page (CONTAINERS).
#include "container.hpp"

#include <vector>

#include "procfs.hpp"

namespace pidns {
namespace {

// Docker, containerd, CRI-O and podman ids are 32 random bytes printed as 64 lowercase hex digits.
constexpr std::size_t kFullIdLength = 64;
// docker ps, crictl ps and podman ps all print the first 12 of them.
constexpr std::size_t kShortIdLength = 12;
// Pod UIDs are UUIDs (36 characters); static pods use a 32-digit hash. Anything much longer is
// not a pod UID.
constexpr std::size_t kMaxPodUidLength = 64;

[[nodiscard]] bool is_full_id(std::string_view s) {
  if (s.size() != kFullIdLength) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

[[nodiscard]] bool strip_prefix(std::string_view& s, std::string_view prefix) {
  if (!s.starts_with(prefix)) return false;
  s.remove_prefix(prefix.size());
  return true;
}

[[nodiscard]] bool strip_suffix(std::string_view& s, std::string_view suffix) {
  if (!s.ends_with(suffix)) return false;
  s.remove_suffix(suffix.size());
  return true;
}

[[nodiscard]] int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Undoes systemd's unit-name escaping (systemd-escape(1)): "\x2d" is '-'. Escapes that would
// decode to a control byte are kept as written rather than handed on as raw control bytes.
[[nodiscard]] std::string unescape_unit(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x') {
      int hi = hex_value(s[i + 2]);
      int lo = hex_value(s[i + 3]);
      int byte = hi * 16 + lo;
      if (hi >= 0 && lo >= 0 && byte >= 0x20 && byte != 0x7f) {
        out += static_cast<char>(byte);
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

// "a/b//c/" -> {"a", "b", "c"}. A path relative to the reader's cgroup namespace may begin with
// "/.."; those components simply match nothing.
[[nodiscard]] std::vector<std::string_view> components(std::string_view path) {
  std::vector<std::string_view> out;
  while (!path.empty()) {
    std::size_t slash = path.find('/');
    std::string_view part = path.substr(0, slash);
    if (!part.empty()) out.push_back(part);
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

[[nodiscard]] bool is_pod_uid(std::string_view s) {
  if (s.empty() || s.size() > kMaxPodUidLength) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '_')) return false;
  }
  return true;
}

// The pod UID when `parent` is a kubelet pod cgroup and `ancestors` lie under kubepods:
// systemd driver "kubepods-burstable-pod<uid with '_' for '-'>.slice" (the slice name uses '-'
// as its own hierarchy separator, so the kubelet escapes the UID's dashes), cgroupfs driver
// "pod<uid>" below a "kubepods" directory.
[[nodiscard]] std::string pod_uid_of(const std::vector<std::string_view>& comps, std::size_t i) {
  if (i == 0) return {};
  std::string_view parent = comps[i - 1];
  std::string uid;
  if (strip_suffix(parent, ".slice")) {
    std::size_t dash = parent.rfind('-');
    if (dash == std::string_view::npos) return {};
    std::string_view prefix = parent.substr(0, dash);
    std::string_view last = parent.substr(dash + 1);
    // "kubepods-pod…" (guaranteed), "kubepods-besteffort-pod…"; kind nodes add "kubelet-".
    if (prefix.find("kubepods") == std::string_view::npos || !strip_prefix(last, "pod")) return {};
    uid = last;
    for (char& c : uid) {
      if (c == '_') c = '-';
    }
  } else {
    if (!strip_prefix(parent, "pod")) return {};
    bool under_kubepods = false;
    for (std::size_t j = 0; j + 1 < i; ++j) under_kubepods |= comps[j].starts_with("kubepods");
    if (!under_kubepods) return {};
    uid = parent;
  }
  return is_pod_uid(uid) ? uid : std::string{};
}

// The id inside "<prefix><64 hex>.scope" (or, when `scope` is false, "<prefix><64 hex>").
[[nodiscard]] std::optional<std::string_view> prefixed_id(std::string_view c,
                                                          std::string_view prefix, bool scope) {
  if (!strip_prefix(c, prefix)) return std::nullopt;
  if (scope && !strip_suffix(c, ".scope")) return std::nullopt;
  if (!is_full_id(c)) return std::nullopt;
  return c;
}

enum class Verdict {
  kUnknown,    // nothing recognised on this component
  kContainer,  // label holds the container
  kMonitor,    // a container's monitor (conmon, lxc monitor): known, and deliberately no label
};

struct Finding {
  Verdict verdict = Verdict::kUnknown;
  ContainerLabel label;
};

Finding container(std::string engine, std::string_view id, std::string pod_uid = {}) {
  return {Verdict::kContainer,
          ContainerLabel{std::move(engine), std::string(id), std::move(pod_uid)}};
}

// Looks at component i alone (with its ancestors as context).
[[nodiscard]] Finding recognise_component(const std::vector<std::string_view>& comps,
                                          std::size_t i) {
  std::string_view c = comps[i];
  std::string_view parent = i > 0 ? comps[i - 1] : std::string_view{};

  // Monitors sit beside (CRI-O, podman's systemd driver, LXC) or inside (podman's old cgroupfs
  // layout, libpod_parent/libpod-<id>/conmon) the container's cgroup. They are not the container:
  // conmon never makes a PID namespace, so a namespace whose init is there is something else.
  if (c.starts_with("crio-conmon-") || c.starts_with("libpod-conmon-") ||
      c.starts_with("lxc.monitor.") || (c == "conmon" && prefixed_id(parent, "libpod-", false))) {
    return {Verdict::kMonitor, {}};
  }

  // Kubernetes runtimes and docker in their systemd-driver scopes; CRI-O's cgroupfs manager drops
  // the ".scope" but keeps the prefix.
  if (std::optional<std::string_view> id = prefixed_id(c, "cri-containerd-", true)) {
    return container("containerd", *id, pod_uid_of(comps, i));
  }
  if (std::optional<std::string_view> id = prefixed_id(c, "crio-", true)) {
    return container("cri-o", *id, pod_uid_of(comps, i));
  }
  if (std::optional<std::string_view> id = prefixed_id(c, "crio-", false)) {
    return container("cri-o", *id, pod_uid_of(comps, i));
  }
  if (std::optional<std::string_view> id = prefixed_id(c, "docker-", true)) {
    return container("docker", *id, pod_uid_of(comps, i));
  }
  if (std::optional<std::string_view> id = prefixed_id(c, "nerdctl-", true)) {
    return container("nerdctl", *id);
  }
  if (std::optional<std::string_view> id = prefixed_id(c, "libpod-", true)) {
    return container("podman", *id);
  }
  if (std::optional<std::string_view> id = prefixed_id(c, "libpod-", false)) {
    // podman's cgroupfs manager: libpod_parent/libpod-<id>, or libpod_parent/<pod id>/libpod-<id>.
    for (std::size_t j = 0; j < i; ++j) {
      if (comps[j] == "libpod_parent") return container("podman", *id);
    }
    return {};
  }

  if (is_full_id(c)) {
    // Docker's cgroupfs driver: /docker/<id>.
    if (parent == "docker") return container("docker", c);
    // The kubelet's cgroupfs driver: kubepods/<qos>/pod<uid>/<id>. containerd and dockershim both
    // name the cgroup by the bare id, so which runtime made it cannot be told from the path.
    if (std::string uid = pod_uid_of(comps, i); !uid.empty()) {
      return container("kubernetes", c, std::move(uid));
    }
    return {};
  }

  // systemd-machined's scope for a registered machine, "machine-<escaped name>.scope". libvirt
  // registers its guests there too, as "qemu-<n>-<name>" or "lxc-<pid>-<name>".
  if (std::string_view name = c; parent == "machine.slice" && strip_prefix(name, "machine-") &&
                                 strip_suffix(name, ".scope") && !name.empty()) {
    std::string machine = unescape_unit(name);
    std::string_view rest = machine;
    if (strip_prefix(rest, "qemu-") || strip_prefix(rest, "lxc-")) {
      std::size_t digits = 0;
      while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
      if (digits > 0 && digits < rest.size() && rest[digits] == '-') {
        return container("libvirt", machine);
      }
    }
    return container("nspawn", machine);
  }
  // machinectl start runs systemd-nspawn@<name>.service with --keep-unit: no machine scope.
  if (std::string_view name = c;
      strip_prefix(name, "systemd-nspawn@") && strip_suffix(name, ".service") && !name.empty()) {
    return container("nspawn", unescape_unit(name));
  }

  // LXC 4 and later (and LXD, Incus): /lxc.payload.<name>; LXC before 4: /lxc/<name>.
  if (std::string_view name = c; strip_prefix(name, "lxc.payload.") && !name.empty()) {
    return container("lxc", name);
  }
  if (parent == "lxc") return container("lxc", c);

  return {};
}

// The container on one cgroup path: the deepest recognised component wins, so a process in a
// container's own sub-cgroup (podman's ".../container", a systemd inside it ".../init.scope")
// belongs to that container, and docker-in-docker to the inner one.
[[nodiscard]] Finding recognise_container_path(std::string_view path) {
  std::vector<std::string_view> comps = components(path);
  for (std::size_t i = comps.size(); i-- > 0;) {
    Finding f = recognise_component(comps, i);
    if (f.verdict != Verdict::kUnknown) return f;
  }
  return {};
}

// The fallback when no container is seen: the deepest systemd unit on the path, if it is a
// service. Scopes (session-N.scope, init.scope, run-*.scope) and slices get no label.
[[nodiscard]] std::optional<ContainerLabel> recognise_unit_path(std::string_view path) {
  std::vector<std::string_view> comps = components(path);
  for (std::size_t i = comps.size(); i-- > 0;) {
    std::string_view c = comps[i];
    if (c.ends_with(".service")) {
      if (c.size() == std::string_view(".service").size()) return std::nullopt;
      return ContainerLabel{"systemd", std::string(c), {}};
    }
    if (c.ends_with(".scope") || c.ends_with(".slice")) return std::nullopt;
  }
  return std::nullopt;
}

struct CgroupLine {
  bool unified = false;  // "0::PATH", the cgroup v2 hierarchy
  bool systemd = false;  // v1 "N:name=systemd:PATH", the hierarchy systemd names its units in
  std::string_view path;
};

// Splits "/proc/PID/cgroup" (cgroups(7)): "hierarchy-ID:controller-list:cgroup-path", one per
// line; the path is everything after the second colon. Malformed lines are skipped.
[[nodiscard]] std::vector<CgroupLine> parse_lines(std::string_view text) {
  std::vector<CgroupLine> lines;
  while (!text.empty()) {
    std::string_view line = take_line(text);

    std::size_t c1 = line.find(':');
    if (c1 == std::string_view::npos || c1 == 0) continue;
    std::size_t c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    std::string_view id = line.substr(0, c1);
    if (id.find_first_not_of("0123456789") != std::string_view::npos) continue;
    std::string_view controllers = line.substr(c1 + 1, c2 - c1 - 1);
    CgroupLine l;
    l.path = line.substr(c2 + 1);
    if (l.path.empty()) continue;
    l.unified = id == "0" && controllers.empty();
    for (std::string_view rest = controllers; !rest.empty();) {
      std::size_t comma = rest.find(',');
      l.systemd |= rest.substr(0, comma) == "name=systemd";
      rest.remove_prefix(comma == std::string_view::npos ? rest.size() : comma + 1);
    }
    lines.push_back(l);
  }
  return lines;
}

}  // namespace

std::string ContainerLabel::text() const {
  std::string out;
  if (!pod_uid.empty()) {
    out = "k8s pod " + pod_uid;
    // "kubernetes" only says the runtime could not be told; it would repeat "k8s".
    if (engine != "kubernetes" && !engine.empty()) out += " " + engine;
  } else {
    out = engine;
  }
  std::string_view shown = id;
  if (is_full_id(shown)) shown = shown.substr(0, kShortIdLength);
  if (!shown.empty()) {
    if (!out.empty()) out += ' ';
    out += shown;
  }
  return out;
}

std::optional<ContainerLabel> recognise_cgroup(std::string_view cgroup_file) {
  // Order of trust: the v2 line, then v1 name=systemd, then any other v1 hierarchy in file order
  // (docker's cgroupfs driver on a v1 host shows /docker/<id> in every hierarchy, but a hybrid
  // host may show it only in v1 ones).
  std::vector<CgroupLine> lines = parse_lines(cgroup_file);
  std::vector<CgroupLine> ordered;
  ordered.reserve(lines.size());
  for (const CgroupLine& l : lines) {
    if (l.unified) ordered.push_back(l);
  }
  for (const CgroupLine& l : lines) {
    if (!l.unified && l.systemd) ordered.push_back(l);
  }
  for (const CgroupLine& l : lines) {
    if (!l.unified && !l.systemd) ordered.push_back(l);
  }

  for (const CgroupLine& l : ordered) {
    Finding f = recognise_container_path(l.path);
    if (f.verdict == Verdict::kContainer) return std::move(f.label);
    if (f.verdict == Verdict::kMonitor) return std::nullopt;
  }
  // Unit names only mean something in the hierarchies systemd manages; a ".service" directory in
  // some v1 controller on a host without systemd would be a guess.
  for (const CgroupLine& l : ordered) {
    if (!l.unified && !l.systemd) break;
    if (std::optional<ContainerLabel> unit = recognise_unit_path(l.path)) return unit;
  }
  return std::nullopt;
}

}  // namespace pidns
