// fuzz_json_string: libFuzzer target for JsonWriter::string(), the one path by which untrusted
// bytes (process names, mount points) reach the JSON output. Whatever the bytes, the result must
// parse back as one JSON string, equal to the input wherever the input was valid UTF-8.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "output/json_writer.hpp"
#include "output/utf8.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string out;
  pidns::JsonWriter(out).string(in);
  nlohmann::json parsed = nlohmann::json::parse(out, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_string()) std::abort();

  bool valid = true;
  for (std::size_t i = 0; i < in.size() && valid;) {
    pidns::Utf8Step step = pidns::next_utf8(in, i);
    valid = step.valid;
    i += step.length;
  }
  if (valid && parsed.get<std::string>() != in) std::abort();  // valid text comes back unchanged
  return 0;
}
