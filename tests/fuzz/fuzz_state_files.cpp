// fuzz_state_files: libFuzzer target for the parsers of engines' state files (container_names).
// None may crash or throw, whatever the bytes; a name kept is never longer than kMaxNameLength,
// and Docker's config is only believed when it names the id it was asked for.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "names/state_files.hpp"

namespace {

void check_names(const pidns::ContainerNames& n) {
  for (const std::string* s :
       {&n.name, &n.pod_name, &n.pod_namespace, &n.compose_project, &n.compose_service}) {
    if (s->size() > pidns::kMaxNameLength) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view kId =
      "0863501e45d8a1c2b3d4e5f60718293a4b5c6d7e8f90123456789abcdef01234";
  if (std::optional<pidns::ContainerNames> n = pidns::parse_docker_config(text, kId)) {
    if (text.find(kId) == std::string_view::npos) std::abort();
    check_names(*n);
  }
  (void)pidns::parse_dockerd_cmdline(text);
  (void)pidns::parse_daemon_json_data_root(text);
  (void)pidns::parse_storage_conf(text);
  for (const auto& [id, name] : pidns::parse_containers_json(text)) {
    if (name.empty() || name.size() > pidns::kMaxNameLength) std::abort();
  }
  (void)pidns::parse_pod_log_dir(text);
  if (std::optional<pidns::ContainerLogName> log = pidns::parse_container_log_name(text)) {
    if (log->id.size() != 64) std::abort();
  }
  if (std::optional<std::string> home = pidns::passwd_home(text, 1000)) {
    if (home->empty() || (*home)[0] != '/') std::abort();
  }
  return 0;
}
