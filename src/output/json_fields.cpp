// json_fields: JSON objects shared by the outputs.
#include "output/json_fields.hpp"

namespace pidns {

void dev_ino_fields(JsonWriter& w, const NsId& id) {
  std::optional<std::uint64_t> dev, ino;
  if (!id.is_inferred()) dev = id.dev, ino = id.ino;
  w.field("dev", dev);
  w.field("ino", ino);
}

void ns_id_fields(JsonWriter& w, const NsId& id) {
  dev_ino_fields(w, id);
  if (id.is_inferred()) w.field("init", id.ino);  // NsId::inferred(init) keeps the PID there
}

void ns_id_object(JsonWriter& w, const NsId& id) {
  w.begin_object();
  ns_id_fields(w, id);
  w.end_object();
}

void container_value(JsonWriter& w, const std::optional<ContainerLabel>& container) {
  if (!container) {
    w.null();
    return;
  }
  w.begin_object();
  for (const auto& [key, value] : container->json_fields()) w.field(key, value);
  w.end_object();
}

}  // namespace pidns
