// json_writer: JSON written straight into a string, pretty-printed, without a document tree.
#pragma once

#include <fmt/format.h>

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pidns {

/// How a document is laid out.
enum class JsonLayout {
  kPretty,  ///< indented by two spaces as nlohmann::json's dump(2), arrays of numbers on one line
  kLine,    ///< one line without spaces, as dump(-1): a line of JSON Lines
};

/// Streams one JSON document into `out`: every JSON output of pidns-tree (the snapshot document,
/// --translate's answer, --watch's event lines) is written through it. Building the document as
/// a tree of nlohmann::json values first cost most of the JSON run's time and memory; streaming
/// costs neither (tests/bench measures it).
/// The caller keeps the nesting right; keys are trusted ASCII.
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out, JsonLayout layout = JsonLayout::kPretty)
      : out_(out), pretty_(layout == JsonLayout::kPretty) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }

  /// The next member's key; its value follows.
  void key(std::string_view name) {
    separate();
    out_ += '"';
    out_ += name;
    out_ += pretty_ ? "\": " : "\":";
    after_key_ = true;
  }

  void null() { scalar("null"); }
  void boolean(bool b) { scalar(b ? "true" : "false"); }
  template <std::integral Int>
  void number(Int n) {
    separate();
    fmt::format_to(std::back_inserter(out_), "{}", n);
  }
  /// A string of untrusted bytes: bytes that are not UTF-8 become U+FFFD, never an error.
  void string(std::string_view text);
  /// [1, 2, 3] on one line.
  template <std::ranges::input_range Ints>
  requires std::integral<std::ranges::range_value_t<Ints>>
  void numbers(const Ints& values) {
    separate();
    fmt::format_to(std::back_inserter(out_), "[{}]", fmt::join(values, pretty_ ? ", " : ","));
  }

  // A member in one call: "key": value.
  template <std::integral Int>
  requires(!std::same_as<Int, bool>) void field(std::string_view name, Int n) {
    key(name);
    number(n);
  }
  void field(std::string_view name, bool b) {
    key(name);
    boolean(b);
  }
  void field(std::string_view name, std::string_view text) {
    key(name);
    string(text);
  }
  // Without it, a string literal would take the bool overload: a standard conversion wins.
  void field(std::string_view name, const char* text) { field(name, std::string_view(text)); }
  /// "key": value, or "key": null when there is none.
  template <std::integral Int>
  void field(std::string_view name, const std::optional<Int>& n) {
    key(name);
    if (n) {
      number(*n);
    } else {
      null();
    }
  }
  /// "key": value only when there is one.
  template <std::integral Int>
  void field_if(std::string_view name, const std::optional<Int>& n) {
    if (n) field(name, *n);
  }

 private:
  void scalar(std::string_view literal) {
    separate();
    out_ += literal;
  }
  void open(char bracket) {
    separate();
    out_ += bracket;
    empty_.push_back(true);
  }
  void close(char bracket) {
    bool empty = empty_.back();
    empty_.pop_back();
    if (!empty) newline();
    out_ += bracket;
  }
  // Before a value or key: nothing after a key; else a comma if needed, a newline and indent.
  void separate() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (empty_.empty()) return;  // the document's top value
    if (!empty_.back()) out_ += ',';
    empty_.back() = false;
    newline();
  }
  void newline() {
    if (!pretty_) return;
    out_ += '\n';
    out_.append(2 * empty_.size(), ' ');
  }

  std::string& out_;
  bool pretty_;
  std::vector<bool> empty_;  // per open object or array: nothing written in it yet
  bool after_key_ = false;
};

}  // namespace pidns
