// render: what the text, JSON, DOT and OpenMetrics renderers say alike.
#include "output/render.hpp"

#include <fmt/format.h>

namespace pidns {

void render(Format format, const NamespaceGraph& graph, const View& view,
            const RenderOptions& options, std::string& out) {
  switch (format) {
    case Format::Json:
      render_json(graph, view, options, out);
      break;
    case Format::Dot:
      render_dot(graph, view, options, out);
      break;
    case Format::Text:
      render_text(graph, view, options, out);
      break;
    case Format::OpenMetrics:
      render_openmetrics(graph, view, options, out);
      break;
  }
}

std::string pin_text(const Pin& pin) {
  switch (pin.kind) {
    case Pin::Kind::Fd:
      return fmt::format("fd {} of PID {}", pin.fd, pin.pid);
    case Pin::Kind::Mount:
      return fmt::format("mount at {} (PID {})", pin.mountpoint, pin.pid);
    case Pin::Kind::Children:
      return fmt::format("pid_for_children of PID {}", pin.pid);
  }
  return {};
}

std::string held_by_text(const NsNode& ns) {
  std::string held;
  for (const Pin& pin : ns.pins) {
    if (pin.kind == Pin::Kind::Children && !ns.hidden()) continue;
    if (!held.empty()) held += " and ";
    held += pin_text(pin);
  }
  return held;
}

std::string owner_text(const NsNode& ns, const std::unordered_map<uid_t, std::string>& user_names) {
  if (!ns.owner) return "owner not visible";
  std::string text = fmt::format("owner uid {}", ns.owner->uid);
  auto name = user_names.find(ns.owner->uid);
  if (name != user_names.end()) text += fmt::format(" ({})", name->second);
  return text + fmt::format(" of user:[{}]", ns.owner->userns.ino);
}

}  // namespace pidns
