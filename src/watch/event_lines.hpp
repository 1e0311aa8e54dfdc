// event_lines: --watch events as text lines or JSON Lines. Pure: no I/O.
#pragma once

#include <cstdint>
#include <string>

#include "watch/watch.hpp"

namespace pidns {

/// How events are printed.
struct WatchFormat {
  bool json = false;       ///< JSON Lines: one object per line
  bool color = false;      ///< text: color on labels, as in the tree
  bool labels = true;      ///< text: container labels (--no-labels turns them off)
  bool unique_id = false;  ///< text: the 64-bit namespace id (--ns-id); JSON always has it
};

/// "2026-11-29T18:30:00.123Z": RFC 3339, UTC, milliseconds; `unix_ms` counts from the epoch.
[[nodiscard]] std::string rfc3339_utc_ms(std::int64_t unix_ms);

/// One event as one line, '\n' included; `unix_ms` is when it happened (WatchEvent::time_ns on
/// the wall clock). The forms are documented in the man page (WATCH) and README.md.
///   text: 2026-11-29T18:30:00.123Z created pid:[4026532200] level 1, parent pid:[4026531836],
///         init 4242 sleep [docker 3f2a1b2c3d4e], lived 1.250 s   (one line; lived: Gone only)
///   JSON: {"event":"created","time":"...","ns":{"dev":4,"ino":4026532200},"unique_id":...,
///          "label":"pid:[4026532200]","key":"pid:[4026532200]","level":1,"parent":{...},
///          "parent_key":"pid:[4026531836]","init":4242,"init_name":"sleep","container":null}
///          (Gone adds "lived_ms" and "lived_from")
[[nodiscard]] std::string format_watch_event(const WatchEvent& event, std::int64_t unix_ms,
                                             const WatchFormat& format);

}  // namespace pidns
