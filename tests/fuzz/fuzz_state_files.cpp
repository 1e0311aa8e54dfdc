// fuzz_state_files: libFuzzer target for the parsers of engines' state files (names/state_files),
// with their bounds in place. None may crash, throw or overflow its stack, whatever the bytes (deep
// nesting, long keys and strings, TOML as JSON and JSON as TOML); a name kept is never longer
// than kMaxNameLength; Docker's config is only believed when it names the id it was asked for;
// containers.json gives only ids asked for; and a JSON text gives the same answer whole as in
// pieces of any size, as a file is read.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <unordered_set>

#include "names/state_files.hpp"

namespace {

constexpr std::string_view kId = "0863501e45d8a1c2b3d4e5f60718293a4b5c6d7e8f90123456789abcdef01234";

void check_names(const pidns::ContainerNames& n) {
  for (const std::string* s :
       {&n.name, &n.pod_name, &n.pod_namespace, &n.compose_project, &n.compose_service}) {
    if (s->size() > pidns::kMaxNameLength) std::abort();
  }
}

// `text` in pieces of `size` bytes.
pidns::TextPieces in_pieces(std::string_view text, std::size_t size) {
  return [text, size]() mutable {
    std::string_view piece = text.substr(0, size);
    text.remove_prefix(piece.size());
    return piece;
  };
}

void check_json(std::string_view text, std::size_t piece) {
  std::optional<pidns::ContainerNames> whole = pidns::parse_docker_config(text, kId);
  if (whole) {
    if (text.find(kId) == std::string_view::npos) std::abort();
    check_names(*whole);
  }
  if (pidns::parse_docker_config(in_pieces(text, piece), kId) != whole) std::abort();

  const std::unordered_set<std::string> wanted = {std::string(kId), "a", "b"};
  auto names = pidns::parse_containers_json(text, wanted);
  for (const auto& [id, name] : names) {
    if (!wanted.contains(id) || name.empty() || name.size() > pidns::kMaxNameLength) std::abort();
  }
  if (pidns::parse_containers_json(in_pieces(text, piece), wanted) != names) std::abort();
  (void)pidns::parse_daemon_json_data_root(text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // The first byte chooses the piece size of the JSON reads: 1 to 256 bytes.
  std::size_t piece = size > 0 ? std::size_t{data[0]} + 1 : 1;
  check_json(text, piece);
  (void)pidns::parse_dockerd_cmdline(text);
  (void)pidns::parse_storage_conf(text);
  (void)pidns::parse_pod_log_dir(text);
  if (std::optional<pidns::ContainerLogName> log = pidns::parse_container_log_name(text)) {
    if (log->id.size() != 64) std::abort();
  }
  if (std::optional<std::string> home = pidns::passwd_home(text, 1000)) {
    if (home->empty() || (*home)[0] != '/') std::abort();
  }
  return 0;
}
