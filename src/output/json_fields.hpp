// json_fields: the JSON objects that more than one output writes (the snapshot document,
// --translate's answer, --watch's event lines), each written by one function.
#pragma once

#include <optional>

#include "kernel/sys.hpp"
#include "names/container_label.hpp"
#include "output/json_writer.hpp"

namespace pidns {

/// "dev" and "ino" of a namespace, as stat of its nsfs file gives them; both null for a
/// namespace inferred from status files (no ptrace rights), which has no identity the kernel gave.
void dev_ino_fields(JsonWriter& w, const NsId& id);

/// A namespace id where it stands alone (a --watch event's ns and parent, --translate's answer,
/// children_ns, owners): "dev" and "ino"; an inferred namespace, known by its init rather than
/// an inode, adds "init": PID, so that two of them are still told apart.
void ns_id_fields(JsonWriter& w, const NsId& id);
/// ns_id_fields() as an object of its own.
void ns_id_object(JsonWriter& w, const NsId& id);

/// The `container` value: null, or every key of ContainerLabel::json_fields(), each a string.
void container_value(JsonWriter& w, const std::optional<ContainerLabel>& container);

}  // namespace pidns
