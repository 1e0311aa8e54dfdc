// state_files: pure parsers of the files in which engines and the kubelet keep what their
// users call a container. JSON goes through nlohmann_json without exceptions (a SAX handler, or
// parse() with allow_exceptions false); TOML through tomlplusplus, whose parse_error is caught.
#include "names/state_files.hpp"

#include <toml++/toml.h>

#include <array>
#include <nlohmann/json.hpp>
#include <vector>

#include "kernel/procfs.hpp"

namespace pidns {
namespace {

using Json = nlohmann::json;

[[nodiscard]] bool usable_name(std::string_view s) {
  return !s.empty() && s.size() <= kMaxNameLength;
}

// Kubernetes object names as the kubelet writes them into paths: namespaces and container names
// are DNS labels, pod names DNS subdomains; lowercase letters, digits, '-' and '.'.
[[nodiscard]] bool is_k8s_name(std::string_view s) {
  if (!usable_name(s)) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || c == '-' || c == '.')) return false;
  }
  return true;
}

// Picks the few values wanted out of config.v2.json as the parser streams by, without building a
// document: on a host with a hundred containers that is a hundred files of a few KiB each. dockerd
// writes ID, then Config, then Name (the order of its Container struct); once all three are read
// the rest is not, which spares a quarter of each file (nlohmann's lexer takes ~10 ns a byte).
class DockerConfigHandler {
 public:
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  bool null() { return value(); }
  bool boolean(bool) { return value(); }
  bool number_integer(number_integer_t) { return value(); }
  bool number_unsigned(number_unsigned_t) { return value(); }
  bool number_float(number_float_t, const string_t&) { return value(); }
  bool binary(binary_t&) { return value(); }
  bool string(string_t& s) {
    if (stack_.size() == 1) {
      if (stack_[0] == "Name") {
        name_ = std::move(s);
        if (id_ && config_read_) {
          stopped_early_ = true;
          return false;
        }
      }
      if (stack_[0] == "ID") id_ = std::move(s);
    } else if (stack_.size() == 3 && stack_[0] == "Config" && stack_[1] == "Labels") {
      if (stack_[2] == "com.docker.compose.project") project_ = std::move(s);
      if (stack_[2] == "com.docker.compose.service") service_ = std::move(s);
    }
    return value();
  }
  bool start_object(std::size_t) {
    stack_.emplace_back();
    return true;
  }
  bool key(string_t& k) {
    stack_.back() = std::move(k);
    return true;
  }
  bool end_object() {
    stack_.pop_back();
    config_read_ = config_read_ || (stack_.size() == 1 && stack_[0] == "Config");
    return true;
  }
  bool start_array(std::size_t) {
    stack_.emplace_back();  // no key: an array's elements match none of those looked for
    return true;
  }
  bool end_array() {
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;  // stop: a malformed file names nothing
  }

  /// The parse ended on purpose, not on an error.
  [[nodiscard]] bool stopped_early() const { return stopped_early_; }

  [[nodiscard]] std::optional<ContainerNames> result(std::string_view id) const {
    if (!id_ || *id_ != id) return std::nullopt;  // an ID is only taken from the top object
    ContainerNames names;
    std::string_view name;
    if (name_) name = *name_;
    if (name.starts_with('/')) name.remove_prefix(1);  // docker's names are paths of one part
    if (usable_name(name)) names.name = name;
    if (project_ && usable_name(*project_)) names.compose_project = *project_;
    if (service_ && usable_name(*service_)) names.compose_service = *service_;
    return names;
  }

 private:
  bool value() { return true; }

  // Per open object or array, outermost first: the key whose value comes next ("" in an array).
  std::vector<std::string> stack_;
  bool config_read_ = false;
  bool stopped_early_ = false;
  // Duplicate keys: the last one counts, as in a parsed document.
  std::optional<std::string> name_, id_, project_, service_;
};

// Splits "a_b_c" into exactly three parts; nullopt for more or fewer.
[[nodiscard]] std::optional<std::array<std::string_view, 3>> split3(std::string_view s) {
  std::size_t u1 = s.find('_');
  if (u1 == std::string_view::npos) return std::nullopt;
  std::size_t u2 = s.find('_', u1 + 1);
  if (u2 == std::string_view::npos || s.find('_', u2 + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return std::array<std::string_view, 3>{s.substr(0, u1), s.substr(u1 + 1, u2 - u1 - 1),
                                         s.substr(u2 + 1)};
}

}  // namespace

std::optional<ContainerNames> parse_docker_config(std::string_view json, std::string_view id) {
  DockerConfigHandler handler;
  if (!Json::sax_parse(json.begin(), json.end(), &handler) && !handler.stopped_early()) {
    return std::nullopt;
  }
  return handler.result(id);
}

DockerdArgs parse_dockerd_cmdline(std::string_view cmdline) {
  std::vector<std::string_view> args;
  while (!cmdline.empty()) {
    std::size_t nul = cmdline.find('\0');
    args.push_back(cmdline.substr(0, nul));
    cmdline.remove_prefix(nul == std::string_view::npos ? cmdline.size() : nul + 1);
  }
  DockerdArgs out;
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (a == "--") break;
    for (auto [flag, field] : {std::pair{std::string_view("--data-root"), &out.data_root},
                               std::pair{std::string_view("--config-file"), &out.config_file}}) {
      if (a == flag && i + 1 < args.size()) {
        *field = args[++i];
      } else if (a.starts_with(flag) && a.size() > flag.size() && a[flag.size()] == '=') {
        *field = a.substr(flag.size() + 1);
      }
    }
  }
  return out;
}

std::string parse_daemon_json_data_root(std::string_view json) {
  Json doc = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return {};
  auto it = doc.find("data-root");
  if (it == doc.end() || !it->is_string()) return {};
  return it->get_ref<const std::string&>();
}

std::optional<StorageConf> parse_storage_conf(std::string_view text) {
  toml::table conf;
  try {
    conf = toml::parse(text);
  } catch (const toml::parse_error&) {
    return std::nullopt;
  }
  StorageConf out;
  out.driver = conf["storage"]["driver"].value_or(std::string{});
  out.graphroot = conf["storage"]["graphroot"].value_or(std::string{});
  return out;
}

std::unordered_map<std::string, std::string> parse_containers_json(std::string_view json) {
  std::unordered_map<std::string, std::string> names;
  Json doc = Json::parse(json.begin(), json.end(), nullptr, /*allow_exceptions=*/false);
  if (!doc.is_array()) return names;
  for (const Json& c : doc) {
    if (!c.is_object()) continue;
    auto id = c.find("id");
    auto list = c.find("names");
    if (id == c.end() || !id->is_string() || list == c.end() || !list->is_array() ||
        list->empty() || !(*list)[0].is_string()) {
      continue;
    }
    const std::string& name = (*list)[0].get_ref<const std::string&>();
    if (usable_name(name)) names.try_emplace(id->get_ref<const std::string&>(), name);
  }
  return names;
}

std::optional<PodLogDir> parse_pod_log_dir(std::string_view name) {
  std::optional<std::array<std::string_view, 3>> parts = split3(name);
  if (!parts) return std::nullopt;
  auto [ns, pod, uid] = *parts;
  if (!is_k8s_name(ns) || !is_k8s_name(pod) || !is_k8s_name(uid)) return std::nullopt;
  return PodLogDir{std::string(ns), std::string(pod), std::string(uid)};
}

std::optional<ContainerLogName> parse_container_log_name(std::string_view name) {
  if (!name.ends_with(".log")) return std::nullopt;
  name.remove_suffix(4);
  if (name.size() < kFullIdLength + 1 || name[name.size() - kFullIdLength - 1] != '-')
    return std::nullopt;
  std::string_view id = name.substr(name.size() - kFullIdLength);
  if (!is_full_id(id)) return std::nullopt;
  name.remove_suffix(kFullIdLength + 1);
  std::optional<std::array<std::string_view, 3>> parts = split3(name);
  if (!parts) return std::nullopt;
  auto [pod, ns, container] = *parts;
  if (!is_k8s_name(pod) || !is_k8s_name(ns) || !is_k8s_name(container)) return std::nullopt;
  return ContainerLogName{std::string(pod), std::string(ns), std::string(container),
                          std::string(id)};
}

std::optional<std::string> passwd_home(std::string_view passwd, uid_t uid) {
  while (!passwd.empty()) {
    std::string_view line = take_line(passwd);
    // name:password:UID:GID:GECOS:home:shell
    std::vector<std::string_view> f;
    for (std::string_view rest = line;;) {
      std::size_t colon = rest.find(':');
      f.push_back(rest.substr(0, colon));
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
    if (f.size() < 6) continue;
    if (uid_t number = 0; !parse_decimal(f[2], number) || number != uid) continue;
    if (!f[5].starts_with('/')) return std::nullopt;
    return std::string(f[5]);
  }
  return std::nullopt;
}

}  // namespace pidns
