// json_writer: JSON written straight into a string.
#include "output/json_writer.hpp"

#include <nlohmann/json.hpp>

namespace pidns {

void JsonWriter::string(std::string_view text) {
  separate();
  // Most names are plain printable ASCII: copy them. Anything else goes through nlohmann::json's
  // serializer, whose error_handler_t::replace turns bytes that are not UTF-8 into U+FFFD.
  bool plain = true;
  for (char c : text) {
    auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b >= 0x7F || c == '"' || c == '\\') {
      plain = false;
      break;
    }
  }
  if (plain) {
    out_ += '"';
    out_ += text;
    out_ += '"';
    return;
  }
  out_ += nlohmann::json(std::string(text))
              .dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::json::error_handler_t::replace);
}

}  // namespace pidns
