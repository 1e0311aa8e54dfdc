// container: which container a namespace is, recognised from a cgroup path alone. Pure: no I/O,
// no engine is asked; every layout recognised here is listed in the man page (CONTAINERS).
#include "names/container_label.hpp"

#include <algorithm>
#include <vector>

#include "kernel/procfs.hpp"

namespace pidns {
namespace {

// docker ps, crictl ps and podman ps all print the first 12 of them.
constexpr std::size_t kShortIdLength = 12;
// Pod UIDs are UUIDs (36 characters); static pods use a 32-digit hash. Anything much longer is
// not a pod UID.
constexpr std::size_t kMaxPodUidLength = 64;

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

// The pod UID in a kubelet pod slice of the systemd driver, "kubepods-burstable-pod<uid with '_'
// for '-'>.slice" (the slice name uses '-' as its own hierarchy separator, so the kubelet escapes
// the UID's dashes); empty for anything else.
[[nodiscard]] std::string pod_uid_from_slice(std::string_view slice) {
  if (!strip_suffix(slice, ".slice")) return {};
  std::size_t dash = slice.rfind('-');
  if (dash == std::string_view::npos) return {};
  std::string_view prefix = slice.substr(0, dash);
  std::string_view last = slice.substr(dash + 1);
  // "kubepods-pod…" (guaranteed), "kubepods-besteffort-pod…"; kind nodes add "kubelet-".
  if (prefix.find("kubepods") == std::string_view::npos || !strip_prefix(last, "pod")) return {};
  std::string uid(last);
  for (char& c : uid) {
    if (c == '_') c = '-';
  }
  return is_pod_uid(uid) ? uid : std::string{};
}

// The pod UID when the parent of component i is a kubelet pod cgroup: a pod slice of the systemd
// driver, or the cgroupfs driver's "pod<uid>" below a "kubepods" directory.
[[nodiscard]] std::string pod_uid_of(const std::vector<std::string_view>& comps, std::size_t i) {
  if (i == 0) return {};
  std::string_view parent = comps[i - 1];
  if (parent.ends_with(".slice")) return pod_uid_from_slice(parent);
  if (!strip_prefix(parent, "pod")) return {};
  bool under_kubepods = false;
  for (std::size_t j = 0; j + 1 < i; ++j) under_kubepods |= comps[j].starts_with("kubepods");
  return under_kubepods && is_pod_uid(parent) ? std::string(parent) : std::string{};
}

// The id inside "<prefix><64 hex>.scope" (or, when `scope` is false, "<prefix><64 hex>").
[[nodiscard]] std::optional<std::string_view> prefixed_id(std::string_view c,
                                                          std::string_view prefix, bool scope) {
  if (!strip_prefix(c, prefix)) return std::nullopt;
  if (scope && !strip_suffix(c, ".scope")) return std::nullopt;
  if (!is_full_id(c)) return std::nullopt;
  return c;
}

// A systemd unit name: what a path component of a systemd-managed hierarchy usually is.
[[nodiscard]] bool has_unit_suffix(std::string_view s) {
  for (std::string_view suffix : {".slice", ".scope", ".service", ".socket", ".mount", ".swap",
                                  ".target", ".device", ".automount", ".path", ".timer"}) {
    if (s.ends_with(suffix)) return true;
  }
  return false;
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
  ContainerLabel label;
  label.engine = std::move(engine);
  label.id = id;
  label.pod_uid = std::move(pod_uid);
  return {Verdict::kContainer, std::move(label)};
}

// runc's systemd cgroupsPath is "slice:prefix:name". Where systemd does not own the hierarchy
// (cgroup v1 name=systemd below containerd.service, kubeadm, AKS and EKS up to about 1.24), it
// shows up verbatim as one component:
// "kubepods-burstable-pod<uid>.slice:cri-containerd:<id>".
[[nodiscard]] Finding runc_systemd_path(std::string_view c) {
  std::size_t colon1 = c.find(':');
  if (colon1 == std::string_view::npos) return {};
  std::size_t colon2 = c.find(':', colon1 + 1);
  if (colon2 == std::string_view::npos) return {};
  std::string_view slice = c.substr(0, colon1);
  std::string_view prefix = c.substr(colon1 + 1, colon2 - colon1 - 1);
  std::string_view id = c.substr(colon2 + 1);
  if (!slice.ends_with(".slice") || !is_full_id(id)) return {};
  // The prefixes the Kubernetes runtimes give runc, each naming its runtime.
  const char* engine = prefix == "cri-containerd" ? "containerd"
                       : prefix == "crio"         ? "cri-o"
                       : prefix == "docker"       ? "docker"
                                                  : nullptr;
  if (engine == nullptr) return {};
  return container(engine, id, pod_uid_from_slice(slice));
}

// The cgroups that runtimes name "<prefix><64 hex>" (with ".scope" under systemd's driver):
// Kubernetes runtimes and docker in their systemd-driver scopes; CRI-O's cgroupfs manager drops
// the ".scope" but keeps the prefix; podman: "libpod-<id>.scope" (systemd manager), "libpod-<id>"
// (cgroupfs manager, below libpod_parent or wherever --cgroup-parent says), "libpod-payload-<id>"
// (--cgroups=split: the container's own cgroup below the unit podman was started in, e.g. a ceph
// daemon's service).
struct RuntimePrefix {
  const char* prefix;
  const char* engine;
  bool scope_optional;  // also without ".scope"
  bool in_pods;         // may lie in a Kubernetes pod's cgroup
};
constexpr RuntimePrefix kRuntimePrefixes[] = {{"cri-containerd-", "containerd", false, true},
                                              {"crio-", "cri-o", true, true},
                                              {"docker-", "docker", false, true},
                                              {"nerdctl-", "nerdctl", false, false},
                                              {"libpod-", "podman", true, false},
                                              {"libpod-payload-", "podman", true, false}};

[[nodiscard]] Finding recognise_runtime_cgroup(const std::vector<std::string_view>& comps,
                                               std::size_t i) {
  for (const RuntimePrefix& r : kRuntimePrefixes) {
    std::optional<std::string_view> id = prefixed_id(comps[i], r.prefix, true);
    if (!id && r.scope_optional) id = prefixed_id(comps[i], r.prefix, false);
    if (id) return container(r.engine, *id, r.in_pods ? pod_uid_of(comps, i) : std::string{});
  }
  return {};
}

// systemd-machined's scope for a registered machine, "machine-<escaped name>.scope". libvirt
// registers its guests there too, as "qemu-<n>-<name>" or "lxc-<pid>-<name>". machinectl start
// runs systemd-nspawn@<name>.service with --keep-unit: no machine scope.
[[nodiscard]] Finding recognise_machine(std::string_view c, std::string_view parent) {
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
  if (std::string_view name = c;
      strip_prefix(name, "systemd-nspawn@") && strip_suffix(name, ".service") && !name.empty()) {
    return container("nspawn", unescape_unit(name));
  }
  return {};
}

// An ECS task id: 32 lowercase hex digits, or a UUID in the older ARNs.
[[nodiscard]] bool is_ecs_task_id(std::string_view s) {
  auto hex = [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); };
  if (s.size() == 32) return std::all_of(s.begin(), s.end(), hex);
  if (s.size() != 36) return false;
  for (std::size_t k = 0; k < s.size(); ++k) {
    bool dash = k == 8 || k == 13 || k == 18 || k == 23;
    if (dash ? s[k] != '-' : !hex(s[k])) return false;
  }
  return true;
}

// A cgroup named by a full id alone, in a layout that no engine's prefix names.
[[nodiscard]] Finding recognise_bare_id(const std::vector<std::string_view>& comps, std::size_t i) {
  std::string_view c = comps[i];
  std::string_view parent = i > 0 ? comps[i - 1] : std::string_view{};
  // Docker's cgroupfs driver: /docker/<id>.
  if (parent == "docker") return container("docker", c);
  // The kubelet's cgroupfs driver: kubepods/<qos>/pod<uid>/<id>. containerd and dockershim both
  // name the cgroup by the bare id, so which runtime made it cannot be told from the path.
  if (std::string uid = pod_uid_of(comps, i); !uid.empty()) {
    return container("kubernetes", c, std::move(uid));
  }
  // ECS on EC2: the agent puts a task's containers in /ecs/<task id>/<id> (Docker's
  // --cgroup-parent, or containerd's cgroupfs driver: the path does not tell which).
  if (i >= 2 && comps[i - 2] == "ecs" && is_ecs_task_id(parent)) return container("ecs", c);
  // Docker's cgroupfs driver below a --cgroup-parent of its user's choosing ("/ci/<id>"), "/"
  // included: then the id is at the top of its hierarchy. Below a systemd unit a bare id is
  // some runtime's own layout that cannot be told (a relative cgroupsPath below
  // containerd.service): no label, and no fallback to the unit either.
  if (!has_unit_suffix(parent)) return container("docker", c);
  return {};
}

// runc's own systemd cgroup driver, with no cgroupsPath given: "<slice>:runc:<id>", the unit
// runc-<id>.scope in system.slice, or in user.slice below user@UID.service (rootless). The id is
// the one given to runc run: any name.
[[nodiscard]] Finding recognise_runc_scope(std::string_view c, std::string_view parent) {
  if (!parent.ends_with(".slice") || !strip_prefix(c, "runc-") || !strip_suffix(c, ".scope") ||
      c.empty()) {
    return {};
  }
  return container("runc", unescape_unit(c));
}

// libvirt without systemd (its cgroupfs layout): /machine/<name>.libvirt-lxc, or
// .libvirt-qemu, in the /machine partition or one below it ("<x>.partition"). libvirt escapes a
// name that could be mistaken for a cgroup file with a leading '_' (virCgroupPartitionEscape).
[[nodiscard]] Finding recognise_libvirt_cgroupfs(std::string_view c) {
  if (!strip_suffix(c, ".libvirt-lxc") && !strip_suffix(c, ".libvirt-qemu")) return {};
  if (c.starts_with('_')) c.remove_prefix(1);
  if (c.empty()) return {};
  return container("libvirt", c);
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

  if (c.find(':') != std::string_view::npos) return runc_systemd_path(c);

  if (Finding f = recognise_runtime_cgroup(comps, i); f.verdict != Verdict::kUnknown) return f;

  // LXC before 4 names the container's cgroup /lxc/<name>, LXD 3 /lxc.payload/<name>. A name may
  // be any string, 64 hex digits included (Docker's old LXC driver used its container ids).
  if (parent == "lxc" || parent == "lxc.payload") return container("lxc", c);

  if (is_full_id(c)) return recognise_bare_id(comps, i);

  if (Finding f = recognise_machine(c, parent); f.verdict != Verdict::kUnknown) return f;
  if (Finding f = recognise_runc_scope(c, parent); f.verdict != Verdict::kUnknown) return f;
  if (Finding f = recognise_libvirt_cgroupfs(c); f.verdict != Verdict::kUnknown) return f;

  // LXC 4 and later (and LXD 4+, Incus): /lxc.payload.<name>.
  if (std::string_view name = c; strip_prefix(name, "lxc.payload.") && !name.empty()) {
    return container("lxc", name);
  }

  return {};
}

// containerd's identifier rule (containerd/identifiers): alphanumeric runs joined by single '.',
// '_' or '-', at most 76 characters. Namespaces and container ids both follow it.
[[nodiscard]] bool is_containerd_identifier(std::string_view s) {
  constexpr std::size_t kMaxLength = 76;
  if (s.empty() || s.size() > kMaxLength) return false;
  bool after_separator = true;  // a separator may neither begin, end nor repeat
  for (char c : s) {
    bool alnum = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    if (alnum) {
      after_separator = false;
    } else if ((c == '.' || c == '_' || c == '-') && !after_separator) {
      after_separator = true;
    } else {
      return false;
    }
  }
  return !after_separator;
}

// `ctr run` with the cgroupfs driver puts a container in "/<containerd namespace>/<id>", e.g.
// "/default/test_container". Two plain words are a weak sign, so all of these must hold: the path
// is exactly two components, on the v2 or name=systemd line (where systemd's own cgroups are
// units); both follow containerd's identifier rule; neither is a systemd unit; the first is not a
// directory that another manager is known to make at the root (Docker, LXC, podman, the kubelet,
// Mesos, Garden, Nomad, ECS, BuildKit, machined); and the id is not 64 hex digits, which Docker
// with --cgroup-parent makes as well.
[[nodiscard]] Finding recognise_ctr_path(const std::vector<std::string_view>& comps) {
  if (comps.size() != 2) return {};
  std::string_view ns = comps[0];
  std::string_view id = comps[1];
  for (std::string_view other :
       {"docker", "lxc", "lxc.payload", "libpod_parent", "kubepods", "kubelet", "mesos", "garden",
        "nomad", "ecs", "buildkit", "machine"}) {
    if (ns == other) return {};
  }
  if (!is_containerd_identifier(ns) || !is_containerd_identifier(id) || has_unit_suffix(ns) ||
      has_unit_suffix(id) || is_full_id(id)) {
    return {};
  }
  Finding f = container("containerd", id);
  f.label.containerd_namespace = ns;
  return f;
}

// The outermost "user@UID.service" among comps[0, end): systemd's per-user service manager, below
// which a user's rootless containers live. Below it the user names cgroups as they like, so a
// deeper one may be theirs; the outermost is the one systemd made. `controllers`: the hierarchy
// of the line, kept to ask the cgroup file system who owns that directory.
[[nodiscard]] std::optional<UserManager> user_of(const std::vector<std::string_view>& comps,
                                                 std::size_t end, std::string_view controllers) {
  for (std::size_t j = 0; j < end; ++j) {
    std::string_view c = comps[j];
    if (!strip_prefix(c, "user@") || !strip_suffix(c, ".service")) continue;
    uid_t uid = 0;
    if (!parse_decimal(c, uid)) continue;
    UserManager user{uid, std::string(controllers), {}};
    for (std::size_t k = 0; k <= j; ++k) (user.cgroup += '/') += comps[k];
    return user;
  }
  return std::nullopt;
}

// A run of 64 hex digits or more anywhere in the component: some container's id, perhaps of a
// layout not known here.
[[nodiscard]] bool holds_full_id(std::string_view c) {
  std::size_t run = 0;
  for (char ch : c) {
    run = (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f') ? run + 1 : 0;
    if (run >= kFullIdLength) return true;
  }
  return false;
}

struct CgroupLine {
  bool unified = false;  // "0::PATH", the cgroup v2 hierarchy
  bool systemd = false;  // v1 "N:name=systemd:PATH", the hierarchy systemd names its units in
  std::string_view controllers;
  std::string_view path;
};

// The container on one cgroup path: the deepest recognised component wins, so a process in a
// container's own sub-cgroup (podman's ".../container", a systemd inside it ".../init.scope")
// belongs to that container, and docker-in-docker to the inner one. `systemd_line`: the path is
// from the v2 or name=systemd line, where ctr's bare "/<namespace>/<id>" may be recognised.
[[nodiscard]] Finding recognise_container_path(const CgroupLine& line) {
  std::vector<std::string_view> comps = components(line.path);
  for (std::size_t i = comps.size(); i-- > 0;) {
    Finding f = recognise_component(comps, i);
    if (f.verdict == Verdict::kUnknown) continue;
    if (f.verdict == Verdict::kContainer) f.label.user = user_of(comps, i, line.controllers);
    return f;
  }
  if (line.unified || line.systemd) return recognise_ctr_path(comps);
  return {};
}

// The fallback when no container is seen: the deepest systemd unit on the path, if it is a
// service. Scopes (session-N.scope, init.scope, run-*.scope) and slices get no label, and
// neither does a service with a 64-hex id somewhere below it: that is a container of a layout
// not known here, run from the service, and naming the service would name the wrong thing.
[[nodiscard]] std::optional<ContainerLabel> recognise_unit_path(const CgroupLine& line) {
  std::vector<std::string_view> comps = components(line.path);
  for (std::size_t i = comps.size(); i-- > 0;) {
    std::string_view c = comps[i];
    if (holds_full_id(c)) return std::nullopt;
    if (c.ends_with(".service")) {
      if (c.size() == std::string_view(".service").size()) return std::nullopt;
      ContainerLabel label;
      label.engine = "systemd";
      label.id = c;
      label.user = user_of(comps, i, line.controllers);
      return label;
    }
    if (c.ends_with(".scope") || c.ends_with(".slice")) return std::nullopt;
  }
  return std::nullopt;
}

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
    l.controllers = controllers;
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

bool is_full_id(std::string_view s) {
  if (s.size() != kFullIdLength) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::string ContainerLabel::text() const {
  std::string out;
  auto word = [&out](std::string_view w) {
    if (w.empty()) return;
    if (!out.empty()) out += ' ';
    out += w;
  };
  if (!pod_uid.empty()) {
    // The pod as kubectl shows it when it is known, else its UID.
    if (names.pod_name.empty()) {
      word("k8s pod " + pod_uid);
    } else if (names.pod_namespace.empty()) {
      word("k8s " + names.pod_name);
    } else {
      word("k8s " + names.pod_namespace + '/' + names.pod_name);
    }
    word(names.name);
    // "kubernetes" only says the runtime could not be told; it would repeat "k8s".
    if (engine != "kubernetes") word(engine);
  } else {
    word(engine);
    word(names.name);
    if (!names.compose_project.empty()) {
      word("(compose " + names.compose_project +
           (names.compose_service.empty() ? "" : '/' + names.compose_service) + ')');
    }
  }
  std::string_view shown = id;
  if (is_full_id(shown)) shown = shown.substr(0, kShortIdLength);
  if (!shown.empty()) {
    word(containerd_namespace.empty() ? std::string(shown)
                                      : containerd_namespace + '/' + std::string(shown));
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
    Finding f = recognise_container_path(l);
    if (f.verdict == Verdict::kContainer) return std::move(f.label);
    if (f.verdict == Verdict::kMonitor) return std::nullopt;
  }
  // Unit names only mean something in the hierarchies systemd manages; a ".service" directory in
  // some v1 controller on a host without systemd would be a guess.
  for (const CgroupLine& l : ordered) {
    if (!l.unified && !l.systemd) break;
    if (std::optional<ContainerLabel> unit = recognise_unit_path(l)) return unit;
  }
  return std::nullopt;
}

}  // namespace pidns
