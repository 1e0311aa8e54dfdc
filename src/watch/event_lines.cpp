// event_lines: --watch events as text lines or JSON Lines.
#include "watch/event_lines.hpp"

#include <fmt/format.h>

#include <chrono>
#include <iterator>

#include "output/json_fields.hpp"
#include "output/json_writer.hpp"
#include "output/term.hpp"

namespace pidns {
namespace {

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

// Names are untrusted bytes: JsonWriter makes what is not UTF-8 U+FFFD, as in the snapshot.
std::string json_line(const WatchEvent& e, std::int64_t unix_ms) {
  std::string line;
  JsonWriter w(line, JsonLayout::kLine);
  w.begin_object();
  w.field("event", event_name(e.kind));
  w.field("time", rfc3339_utc_ms(unix_ms));
  if (e.kind == WatchEvent::Kind::Resync) {
    w.field("reason", "overrun");
  } else {
    const WatchedNs& ns = e.ns;
    w.key("ns");
    ns_id_object(w, ns.id);
    w.field_if("unique_id", ns.unique_id);
    w.field("label", ns_label(ns.id));
    w.field("key", ns_key(ns.id));
    w.field("level", ns.level);
    w.key("parent");
    if (ns.parent) {
      ns_id_object(w, *ns.parent);
    } else {
      w.null();
    }
    w.key("parent_key");
    if (ns.parent) {
      w.string(ns_key(*ns.parent));
    } else {
      w.null();
    }
    w.field("init", ns.init);
    w.key("init_name");
    if (ns.init_name) {
      w.string(*ns.init_name);
    } else {
      w.null();
    }
    w.key("container");
    container_value(w, ns.container);
    if (e.kind == WatchEvent::Kind::Gone) {
      w.field("lived_ms", e.lived_ns / 1'000'000);
      w.field("lived_from", e.lived_from_exists ? "exists" : "created");
    }
  }
  w.end_object();
  line += '\n';
  return line;
}

std::string text_line(const WatchEvent& e, std::int64_t unix_ms, const WatchFormat& f) {
  std::string line;
  auto it = std::back_inserter(line);
  auto paint = [&](std::string_view text, const char* sgr) {
    pidns::paint(line, text, sgr, f.color);
  };
  fmt::format_to(it, "{} {:<7} ", rfc3339_utc_ms(unix_ms), event_name(e.kind));
  if (e.kind == WatchEvent::Kind::Resync) {
    line += "events were lost (the receive buffer overran); rescanning\n";
    return line;
  }
  const WatchedNs& ns = e.ns;
  paint(ns_label(ns.id), sgr::kNamespace);
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
    paint(escape_for_terminal(ns.container->text()), sgr::kContainer);
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
