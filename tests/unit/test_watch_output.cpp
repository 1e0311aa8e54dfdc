// Tests for the --watch line formats: text and JSON Lines, exactly as documented.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "watch/event_lines.hpp"

namespace pidns {
namespace {

constexpr std::int64_t kWhen = 1'764'441'000'123;  // 2025-11-29T18:30:00.123Z

WatchEvent created() {
  WatchEvent e;
  e.kind = WatchEvent::Kind::Created;
  e.ns = WatchedNs{NsId{4, 4026532200},
                   7123,
                   NsId{4, 4026531836},
                   1,
                   4242,
                   "nginx",
                   ContainerLabel{.engine = "docker", .id = std::string(64, 'f')}};
  return e;
}

WatchEvent gone(bool from_exists) {
  WatchEvent e = created();
  e.kind = WatchEvent::Kind::Gone;
  e.lived_ns = 1'250'999'999;
  e.lived_from_exists = from_exists;
  return e;
}

TEST(Rfc3339, IsUtcWithMilliseconds) {
  EXPECT_EQ(rfc3339_utc_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(rfc3339_utc_ms(kWhen), "2025-11-29T18:30:00.123Z");
  EXPECT_EQ(rfc3339_utc_ms(951'782'400'007), "2000-02-29T00:00:00.007Z");  // a leap day
}

TEST(WatchText, CreatedHoldsTimeLabelLevelParentInitAndContainer) {
  EXPECT_EQ(format_watch_event(created(), kWhen, {}),
            "2025-11-29T18:30:00.123Z created pid:[4026532200] level 1, parent pid:[4026531836], "
            "init 4242 nginx [docker ffffffffffff]\n");
}

TEST(WatchText, GoneSaysHowLongItLived) {
  EXPECT_EQ(format_watch_event(gone(false), kWhen, {}),
            "2025-11-29T18:30:00.123Z gone    pid:[4026532200] level 1, parent pid:[4026531836], "
            "init 4242 nginx [docker ffffffffffff], lived 1.250 s\n");
  EXPECT_EQ(format_watch_event(gone(true), kWhen, {.labels = false}),
            "2025-11-29T18:30:00.123Z gone    pid:[4026532200] level 1, parent pid:[4026531836], "
            "init 4242 nginx, lived at least 1.250 s\n");
}

TEST(WatchText, ExistsWithoutParentOrInitAndResync) {
  WatchEvent e;
  e.kind = WatchEvent::Kind::Exists;
  e.ns.id = NsId{4, 4026531836};
  EXPECT_EQ(format_watch_event(e, kWhen, {}),
            "2025-11-29T18:30:00.123Z exists  pid:[4026531836] level 0, parent none, init none\n");
  WatchEvent r;
  r.kind = WatchEvent::Kind::Resync;
  EXPECT_EQ(format_watch_event(r, kWhen, {}),
            "2025-11-29T18:30:00.123Z resync  events were lost (the receive buffer overran); "
            "rescanning\n");
}

TEST(WatchText, IdsColorsAndHostileNames) {
  WatchEvent e = created();
  e.ns.init_name = "evil\x1b[2J\nname";
  e.ns.container.reset();
  EXPECT_EQ(format_watch_event(e, kWhen, {.unique_id = true}),
            "2025-11-29T18:30:00.123Z created pid:[4026532200] level 1, parent pid:[4026531836], "
            "init 4242 evil\\x1B[2J\\x0Aname, id 7123\n");
  std::string colored = format_watch_event(created(), kWhen, {.color = true});
  EXPECT_NE(colored.find("\x1b[1;34mpid:[4026532200]\x1b[0m"), std::string::npos) << colored;
  EXPECT_NE(colored.find("[\x1b[36mdocker ffffffffffff\x1b[0m]"), std::string::npos) << colored;
}

TEST(WatchJson, CreatedIsOneObjectOnOneLineWithKeysInOrder) {
  EXPECT_EQ(format_watch_event(created(), kWhen, {.json = true}),
            R"({"event":"created","time":"2025-11-29T18:30:00.123Z",)"
            R"("ns":{"dev":4,"ino":4026532200},"unique_id":7123,"label":"pid:[4026532200]",)"
            R"("key":"pid:[4026532200]","level":1,"parent":{"dev":4,"ino":4026531836},)"
            R"("parent_key":"pid:[4026531836]","init":4242,"init_name":"nginx",)"
            R"("container":{"engine":"docker","id":")" +
                std::string(64, 'f') +
                R"(","pod_uid":"","containerd_namespace":"","name":"","pod_name":"",)"
                R"("pod_namespace":"","compose_project":"","compose_service":""}})" +
                "\n");
}

TEST(WatchJson, GoneAddsLivedAndNullsAreExplicit) {
  WatchEvent e = gone(true);
  e.ns.unique_id.reset();
  e.ns.parent.reset();
  e.ns.init.reset();
  e.ns.init_name.reset();
  e.ns.container.reset();
  EXPECT_EQ(format_watch_event(e, kWhen, {.json = true}),
            R"({"event":"gone","time":"2025-11-29T18:30:00.123Z",)"
            R"("ns":{"dev":4,"ino":4026532200},"label":"pid:[4026532200]",)"
            R"("key":"pid:[4026532200]","level":1,"parent":null,"parent_key":null,"init":null,)"
            R"("init_name":null,"container":null,)"
            R"("lived_ms":1250,"lived_from":"exists"})"
            "\n");
  EXPECT_NE(
      format_watch_event(gone(false), kWhen, {.json = true}).find(R"("lived_from":"created")"),
      std::string::npos);
}

TEST(WatchJson, InferredNamespacesHaveKeysOfTheirOwn) {
  WatchEvent e = created();
  e.ns.id = NsId::inferred(4242);
  e.ns.parent = NsId::inferred(4000);
  e.ns.unique_id.reset();
  e.ns.container.reset();
  EXPECT_EQ(format_watch_event(e, kWhen, {.json = true}),
            R"({"event":"created","time":"2025-11-29T18:30:00.123Z",)"
            R"("ns":{"dev":null,"ino":null,"init":4242},"label":"pid:[?]",)"
            R"("key":"pid:[?] init 4242","level":1,"parent":{"dev":null,"ino":null,"init":4000},)"
            R"("parent_key":"pid:[?] init 4000","init":4242,"init_name":"nginx",)"
            R"("container":null})"
            "\n");
}

TEST(WatchJson, ResyncAndNamesThatAreNotUtf8) {
  WatchEvent r;
  r.kind = WatchEvent::Kind::Resync;
  EXPECT_EQ(format_watch_event(r, kWhen, {.json = true}),
            R"({"event":"resync","time":"2025-11-29T18:30:00.123Z","reason":"overrun"})"
            "\n");
  WatchEvent e = created();
  e.ns.init_name = std::string("a\xff\"b");
  std::string line = format_watch_event(e, kWhen, {.json = true});
  nlohmann::json j = nlohmann::json::parse(line);
  EXPECT_EQ(j["init_name"], "a\xEF\xBF\xBD\"b");  // U+FFFD, and the quote escaped
  EXPECT_EQ(line.find('\n'), line.size() - 1);
}

}  // namespace
}  // namespace pidns
