// state_files: pure parsers of the files in which engines and the kubelet keep what their
// users call a container. JSON goes through nlohmann_json's SAX parser, a piece at a time and
// within bounds checked before the parser sees the text, into handlers that keep only what is
// wanted; TOML through tomlplusplus, within its own bounds, and its parse_error is caught.
#include "names/state_files.hpp"

#include <toml++/toml.h>

#include <array>
#include <istream>
#include <nlohmann/json.hpp>
#include <streambuf>
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

// Hands the JSON parser a text a piece at a time, and ends the text (as if the file ended) where
// it first goes beyond a bound: nesting deeper than kMaxJsonDepth, or a string or other token
// longer than kMaxJsonToken. A lexical scan that follows strings and escapes is enough to tell,
// and it runs before the parser sees the bytes, so the parser's token and the handlers' stacks
// never grow past the bounds. cut() says whether the parser reached such an end.
class BoundedJson : public std::streambuf {
 public:
  explicit BoundedJson(const TextPieces& next) : next_(next) {}
  [[nodiscard]] bool cut() const noexcept { return cut_; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    if (ended_) {
      cut_ = cut_ || cut_ahead_;
      return traits_type::eof();
    }
    std::string_view piece = next_();
    std::size_t within = scan(piece);
    ended_ = piece.empty() || within < piece.size();
    cut_ahead_ = within < piece.size();
    if (within == 0) {
      cut_ = cut_ || cut_ahead_;
      return traits_type::eof();
    }
    // The parser only reads: the piece is not written through the get area.
    char* p = const_cast<char*>(piece.data());
    setg(p, p, p + within);
    return traits_type::to_int_type(*p);
  }

 private:
  // How much of `piece`, carrying on from the pieces before, stays within the bounds.
  std::size_t scan(std::string_view piece) {
    for (std::size_t i = 0; i < piece.size(); ++i) {
      char c = piece[i];
      if (in_string_) {
        if (escaped_) {
          escaped_ = false;
        } else if (c == '\\') {
          escaped_ = true;
        } else if (c == '"') {
          in_string_ = false;
          token_ = 0;
          continue;
        }
        if (++token_ > kMaxJsonToken) return i;
        continue;
      }
      switch (c) {
        case '[':
        case '{':
          if (++depth_ > kMaxJsonDepth) return i;
          token_ = 0;
          break;
        case ']':
        case '}':
          if (depth_ > 0) --depth_;
          token_ = 0;
          break;
        case '"':
          in_string_ = true;
          token_ = 0;
          break;
        case ',':
        case ':':
        case ' ':
        case '\t':
        case '\n':
        case '\r':
          token_ = 0;
          break;
        default:  // a number or literal, or garbage the parser will refuse
          if (++token_ > kMaxJsonToken) return i;
      }
    }
    return piece.size();
  }

  const TextPieces& next_;
  std::size_t depth_ = 0;
  std::size_t token_ = 0;
  bool in_string_ = false;
  bool escaped_ = false;
  bool ended_ = false;      // no more pieces are asked for
  bool cut_ahead_ = false;  // the last piece ends at a bound
  bool cut_ = false;        // the parser reached that end
};

// Runs a SAX handler over bounded JSON pieces: true if the text parsed whole within the bounds,
// or the handler stopped on purpose (stopped_early()).
template <typename Handler>
[[nodiscard]] bool parse_bounded(const TextPieces& pieces, Handler& handler) {
  BoundedJson buf(pieces);
  std::istream in(&buf);
  bool parsed = Json::sax_parse(in, &handler);
  return (parsed || handler.stopped_early()) && !buf.cut();
}

// The whole text as one piece.
[[nodiscard]] TextPieces whole(std::string_view text) {
  return [text, given = false]() mutable -> std::string_view {
    if (given) return {};
    given = true;
    return text;
  };
}

// What every handler does with the events it does not look at: accept them. A key longer than
// any looked for is kept as "", which matches none; a string value is kept cut to two bytes past
// the longest name, which is then still too long to be used, a Docker name's leading '/' taken
// off or not (and matches no id).
class SaxBase {
 public:
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  virtual ~SaxBase() = default;
  bool null() { return scalar(); }
  bool boolean(bool) { return scalar(); }
  bool number_integer(number_integer_t) { return scalar(); }
  bool number_unsigned(number_unsigned_t) { return scalar(); }
  bool number_float(number_float_t, const string_t&) { return scalar(); }
  bool binary(binary_t&) { return scalar(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) {
    return false;  // stop: a malformed file names nothing
  }
  [[nodiscard]] bool stopped_early() const { return stopped_early_; }

 protected:
  static constexpr std::size_t kMaxKeyKept = 64;

  virtual bool scalar() { return true; }  // null, a boolean or a number: not a string
  [[nodiscard]] static std::string kept_key(string_t& k) {
    return k.size() <= kMaxKeyKept ? std::move(k) : std::string();
  }
  [[nodiscard]] static std::string kept_value(string_t& s) {
    if (s.size() > kMaxNameLength + 2) s.resize(kMaxNameLength + 2);
    return std::move(s);
  }
  bool stop() {
    stopped_early_ = true;
    return false;
  }

 private:
  bool stopped_early_ = false;
};

// Picks the few values wanted out of config.v2.json as the parser streams by, without building a
// document: on a host with a hundred containers that is a hundred files of a few KiB each. dockerd
// writes ID, then Config, then Name (the order of its Container struct); once all three are read
// the rest is not, which spares a quarter of each file (nlohmann's lexer takes ~10 ns a byte).
class DockerConfigHandler : public SaxBase {
 public:
  bool string(string_t& s) {
    if (stack_.size() == 1) {
      if (stack_[0] == "Name") {
        name_ = kept_value(s);
        if (id_ && config_read_) return stop();
      } else if (stack_[0] == "ID") {
        id_ = kept_value(s);
      }
    } else if (stack_.size() == 3 && stack_[0] == "Config" && stack_[1] == "Labels") {
      if (stack_[2] == "com.docker.compose.project") project_ = kept_value(s);
      if (stack_[2] == "com.docker.compose.service") service_ = kept_value(s);
    }
    return true;
  }
  bool start_object(std::size_t) {
    stack_.emplace_back();
    return true;
  }
  bool key(string_t& k) {
    stack_.back() = kept_key(k);
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
  // Per open object or array, outermost first: the key whose value comes next ("" in an array).
  std::vector<std::string> stack_;
  bool config_read_ = false;
  // Duplicate keys: the last one counts, as in a parsed document.
  std::optional<std::string> name_, id_, project_, service_;
};

// daemon.json's "data-root": a string member of the top object; the last one counts.
class DaemonJsonHandler : public SaxBase {
 public:
  bool string(string_t& s) {
    if (depth_ == 1 && key_ == "data-root") data_root_ = std::move(s);
    return true;
  }
  bool start_object(std::size_t) { return open('{'); }
  bool start_array(std::size_t) { return open('['); }
  bool key(string_t& k) {
    if (depth_ == 1) key_ = kept_key(k);
    return true;
  }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  [[nodiscard]] std::string result() const { return top_is_object_ ? data_root_ : std::string(); }

 private:
  bool scalar() override {
    if (depth_ == 1 && key_ == "data-root") data_root_.clear();
    return true;
  }
  bool open(char kind) {
    if (depth_ == 0) top_is_object_ = kind == '{';
    if (depth_ == 1 && key_ == "data-root") data_root_.clear();
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }

  std::size_t depth_ = 0;
  std::string key_;
  std::string data_root_;
  bool top_is_object_ = false;
};

// containers.json: an array of objects, each with "id" (a string) and "names" (an array whose
// first element is a string). Only the entries whose id is wanted are kept, so that a store of
// any size costs the names asked for. Duplicate keys in an entry: the last counts.
class ContainersHandler : public SaxBase {
 public:
  explicit ContainersHandler(const std::unordered_set<std::string>& wanted) : wanted_(wanted) {}

  bool string(string_t& s) {
    if (kinds_ == "[{") {
      if (key_ == "id") id_ = kept_value(s);
      if (key_ == "names") name_.reset();  // a string, not a list of names
    } else if (in_names() && names_seen_++ == 0) {
      name_ = kept_value(s);
    }
    return true;
  }
  bool start_object(std::size_t) {
    not_a_string(false);
    if (kinds_ == "[") {  // an entry begins
      id_.reset();
      name_.reset();
      key_.clear();
      names_open_ = false;
    }
    kinds_ += '{';
    return true;
  }
  bool start_array(std::size_t) {
    bool names = kinds_ == "[{" && key_ == "names";
    not_a_string(names);
    kinds_ += '[';
    if (names) {
      names_open_ = true;
      names_seen_ = 0;
      name_.reset();
    }
    return true;
  }
  bool key(string_t& k) {
    if (kinds_ == "[{") key_ = kept_key(k);
    return true;
  }
  bool end_object() {
    if (kinds_ == "[{" && id_ && name_ && usable_name(*name_) && wanted_.contains(*id_)) {
      found_.try_emplace(*id_, *name_);
    }
    kinds_.pop_back();
    return true;
  }
  bool end_array() {
    if (in_names()) names_open_ = false;
    kinds_.pop_back();
    return true;
  }
  [[nodiscard]] std::unordered_map<std::string, std::string> take() { return std::move(found_); }

 private:
  bool scalar() override {
    not_a_string(false);
    return true;
  }
  // A value that is not a string begins: an id or a names list of the wrong type, or a first
  // name that is none. `names_list`: it is the entry's names array itself.
  void not_a_string(bool names_list) {
    if (in_names() && names_seen_++ == 0) name_.reset();
    if (kinds_ != "[{") return;
    if (key_ == "id") id_.reset();
    if (key_ == "names" && !names_list) name_.reset();
  }
  [[nodiscard]] bool in_names() const { return names_open_ && kinds_ == "[{["; }

  const std::unordered_set<std::string>& wanted_;
  std::string kinds_;  // per open array or object, '[' or '{', outermost first
  std::string key_;    // the entry's key whose value comes next
  std::optional<std::string> id_, name_;
  bool names_open_ = false;  // the entry's names array is open
  std::size_t names_seen_ = 0;
  std::unordered_map<std::string, std::string> found_;
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

[[nodiscard]] bool is_bare_key_char(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         c == '-';
}

// Whether a TOML text stays within kMaxTomlKeyParts and kMaxTomlDepth, told without parsing it:
// strings and comments are skipped as TOML defines them, and outside them each '.' adds a part
// to the current run of key characters, quoted parts and blanks, which anything else ends.
// Conservative: a float or a date counts as a dotted run too, and a text the scan cannot follow
// (a line break in a one-line string) is out of bounds, as tomlplusplus would refuse it anyway.
[[nodiscard]] bool toml_within_bounds(std::string_view t) {
  enum class In { kCode, kComment, kBasic, kLiteral, kMultiBasic, kMultiLiteral };
  In in = In::kCode;
  std::size_t depth = 0;
  std::size_t parts = 1;
  for (std::size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    bool triple = t.size() - i >= 3 && t[i + 1] == c && t[i + 2] == c;
    switch (in) {
      case In::kComment:
        if (c == '\n') in = In::kCode;
        break;
      case In::kBasic:
      case In::kLiteral:
        if (c == '\n') return false;
        if (in == In::kBasic && c == '\\') {
          ++i;
        } else if (c == (in == In::kBasic ? '"' : '\'')) {
          in = In::kCode;
        }
        break;
      case In::kMultiBasic:
      case In::kMultiLiteral:
        if (in == In::kMultiBasic && c == '\\') {
          ++i;
        } else if (c == (in == In::kMultiBasic ? '"' : '\'') && triple) {
          in = In::kCode;
          i += 2;
        }
        break;
      case In::kCode:
        if (c == '"' || c == '\'') {  // a quoted key part carries on the run
          in = c == '"' ? (triple ? In::kMultiBasic : In::kBasic)
                        : (triple ? In::kMultiLiteral : In::kLiteral);
          if (triple) i += 2;
        } else if (c == '.') {
          if (++parts > kMaxTomlKeyParts) return false;
        } else if (c == '[' || c == '{') {
          if (++depth > kMaxTomlDepth) return false;
          parts = 1;
        } else if (c == ']' || c == '}') {
          depth -= depth > 0 ? 1 : 0;
          parts = 1;
        } else if (!is_bare_key_char(c) && c != ' ' && c != '\t') {
          parts = 1;
          if (c == '#') in = In::kComment;
        }
        break;
    }
  }
  return true;
}

}  // namespace

std::optional<ContainerNames> parse_docker_config(const TextPieces& json, std::string_view id) {
  DockerConfigHandler handler;
  if (!parse_bounded(json, handler)) return std::nullopt;
  return handler.result(id);
}

std::optional<ContainerNames> parse_docker_config(std::string_view json, std::string_view id) {
  return parse_docker_config(whole(json), id);
}

EngineDaemon parse_dockerd_cmdline(std::string_view cmdline) {
  auto next_arg = [&cmdline]() -> std::optional<std::string_view> {
    if (cmdline.empty()) return std::nullopt;
    std::size_t nul = cmdline.find('\0');
    std::string_view arg = cmdline.substr(0, nul);
    cmdline.remove_prefix(nul == std::string_view::npos ? cmdline.size() : nul + 1);
    return arg;
  };
  EngineDaemon out;
  (void)next_arg();  // the program
  while (std::optional<std::string_view> a = next_arg()) {
    if (*a == "--") break;
    for (auto [flag, field] : {std::pair{std::string_view("--data-root"), &out.data_root},
                               std::pair{std::string_view("--config-file"), &out.config_file}}) {
      if (*a == flag) {
        if (std::optional<std::string_view> value = next_arg()) *field = *value;
      } else if (a->starts_with(flag) && a->size() > flag.size() && (*a)[flag.size()] == '=') {
        *field = a->substr(flag.size() + 1);
      }
    }
  }
  return out;
}

std::string parse_daemon_json_data_root(std::string_view json) {
  DaemonJsonHandler handler;
  if (!parse_bounded(whole(json), handler)) return {};
  return handler.result();
}

std::optional<StorageConf> parse_storage_conf(std::string_view text) {
  if (text.size() > kMaxStorageConfSize || !toml_within_bounds(text)) return std::nullopt;
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

std::unordered_map<std::string, std::string> parse_containers_json(
    const TextPieces& json, const std::unordered_set<std::string>& wanted) {
  ContainersHandler handler(wanted);
  if (!parse_bounded(json, handler)) return {};
  return handler.take();
}

std::unordered_map<std::string, std::string> parse_containers_json(
    std::string_view json, const std::unordered_set<std::string>& wanted) {
  return parse_containers_json(whole(json), wanted);
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

namespace {

// One line of passwd(5), "name:password:UID:GID:GECOS:home:shell"; nullopt if malformed.
struct PasswdLine {
  std::string_view name;
  uid_t uid = 0;
  std::string_view home;
};
std::optional<PasswdLine> parse_passwd_line(std::string_view line) {
  std::array<std::string_view, 6> f{};
  std::size_t n = 0;
  for (std::string_view rest = line; n < f.size();) {
    std::size_t colon = rest.find(':');
    f[n++] = rest.substr(0, colon);
    if (colon == std::string_view::npos) break;
    rest.remove_prefix(colon + 1);
  }
  PasswdLine out;
  if (n < f.size() || !parse_decimal(f[2], out.uid)) return std::nullopt;
  out.name = f[0];
  out.home = f[5];
  return out;
}

}  // namespace

std::optional<std::string> passwd_home(std::string_view passwd, uid_t uid) {
  while (!passwd.empty()) {
    std::optional<PasswdLine> entry = parse_passwd_line(take_line(passwd));
    if (!entry || entry->uid != uid) continue;
    if (!entry->home.starts_with('/')) return std::nullopt;
    return std::string(entry->home);
  }
  return std::nullopt;
}

std::unordered_map<uid_t, std::string> passwd_names(std::string_view passwd,
                                                    const std::unordered_set<uid_t>& uids) {
  std::unordered_map<uid_t, std::string> names;
  while (!passwd.empty() && names.size() < uids.size()) {
    std::optional<PasswdLine> entry = parse_passwd_line(take_line(passwd));
    if (entry && !entry->name.empty() && uids.contains(entry->uid)) {
      names.try_emplace(entry->uid, entry->name);
    }
  }
  return names;
}

}  // namespace pidns
