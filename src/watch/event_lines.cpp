// watch_output: --watch events as text lines or JSON Lines.
#include "watch/event_lines.hpp"

#include <fmt/format.h>

#include <chrono>
#include <iterator>
#include <nlohmann/json.hpp>

#include "output/term.hpp"

namespace pidns {
namespace {

// The tree's colors (render_text.cpp): namespace labels and container labels.
constexpr const char* kNsColor = "\x1b[1;34m";
constexpr const char* kLabelColor = "\x1b[36m";
constexpr const char* kReset = "\x1b[0m";

const char* event_name(WatchEvent::Kind kind) {
  switch (kind) {
    case WatchEvent::Kind::Exists:
      return "exists";
    case WatchEvent::Kind::Created:
      return "created";
    case WatchEvent::Kind::Gone:
      return "gone";
    case WatchEvent::Kind::Resync:
      break;
  }
  return "resync";
}

// An inferred namespace (no ptrace rights, placement.hpp) has no inode: it is known by its init.
nlohmann::ordered_json id_json(const NsId& id) {
  if (id.is_inferred()) return {{"dev", nullptr}, {"ino", nullptr}, {"init", id.ino}};
  return nlohmann::ordered_json{{"dev", id.dev}, {"ino", id.ino}};
}

std::string json_line(const WatchEvent& e, std::int64_t unix_ms) {
  nlohmann::ordered_json j;
  j["event"] = event_name(e.kind);
  j["time"] = rfc3339_utc_ms(unix_ms);
  if (e.kind == WatchEvent::Kind::Resync) {
    j["reason"] = "overrun";
  } else {
    const WatchedNs& ns = e.ns;
    j["ns"] = id_json(ns.id);
    if (ns.unique_id) j["unique_id"] = *ns.unique_id;
    j["label"] = ns_label(ns.id);
    j["level"] = ns.level;
    j["parent"] = ns.parent ? id_json(*ns.parent) : nlohmann::ordered_json(nullptr);
    j["init"] = ns.init ? nlohmann::ordered_json(*ns.init) : nlohmann::ordered_json(nullptr);
    j["init_name"] =
        ns.init_name ? nlohmann::ordered_json(*ns.init_name) : nlohmann::ordered_json(nullptr);
    if (ns.container) {
      nlohmann::ordered_json container = nlohmann::ordered_json::object();
      for (const auto& [key, value] : ns.container->json_fields()) {
        container[std::string(key)] = std::string(value);
      }
      j["container"] = std::move(container);
    } else {
      j["container"] = nullptr;
    }
    if (e.kind == WatchEvent::Kind::Gone) {
      j["lived_ms"] = e.lived_ns / 1'000'000;
      j["lived_from"] = e.lived_from_exists ? "exists" : "created";
    }
  }
  // Names are untrusted bytes: what is not UTF-8 becomes U+FFFD, as in the snapshot document.
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + '\n';
}

std::string text_line(const WatchEvent& e, std::int64_t unix_ms, const WatchFormat& f) {
  std::string line;
  auto it = std::back_inserter(line);
  auto paint = [&](const std::string& text, const char* sgr) {
    if (f.color) {
      fmt::format_to(it, "{}{}{}", sgr, text, kReset);
    } else {
      line += text;
    }
  };
  fmt::format_to(it, "{} {:<7} ", rfc3339_utc_ms(unix_ms), event_name(e.kind));
  if (e.kind == WatchEvent::Kind::Resync) {
    line += "events were lost (the receive buffer overran); rescanning\n";
    return line;
  }
  const WatchedNs& ns = e.ns;
  paint(ns_label(ns.id), kNsColor);
  fmt::format_to(it, " level {}, parent {}, init ", ns.level,
                 ns.parent ? ns_label(*ns.parent) : "none");
  if (ns.init) {
    fmt::format_to(it, "{}", *ns.init);
    if (ns.init_name) fmt::format_to(it, " {}", escape_for_terminal(*ns.init_name));
  } else {
    line += "none";
  }
  if (f.labels && ns.container) {
    line += " [";
    paint(escape_for_terminal(ns.container->text()), kLabelColor);
    line += ']';
  }
  if (f.unique_id && ns.unique_id) fmt::format_to(it, ", id {}", *ns.unique_id);
  if (e.kind == WatchEvent::Kind::Gone) {
    std::int64_t ms = e.lived_ns / 1'000'000;
    fmt::format_to(it, ", lived {}{}.{:03} s", e.lived_from_exists ? "at least " : "", ms / 1000,
                   ms % 1000);
  }
  line += '\n';
  return line;
}

}  // namespace

std::string rfc3339_utc_ms(std::int64_t unix_ms) {
  namespace chrono = std::chrono;
  chrono::sys_time<chrono::milliseconds> t{chrono::milliseconds{unix_ms}};
  chrono::sys_days day = chrono::floor<chrono::days>(t);
  chrono::year_month_day ymd{day};
  chrono::hh_mm_ss<chrono::milliseconds> time{t - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                     time.hours().count(), time.minutes().count(), time.seconds().count(),
                     time.subseconds().count());
}

std::string format_watch_event(const WatchEvent& event, std::int64_t unix_ms,
                               const WatchFormat& format) {
  return format.json ? json_line(event, unix_ms) : text_line(event, unix_ms, format);
}

}  // namespace pidns
