// nexusctl's federation output: the status table, the witnessed heads and the auditor's verdict,
// in human and JSON form. What a node or a peer wrote can neither drive the terminal nor forge a
// line, and the JSON stays valid whatever it holds.
#include "client/cli/federation_text.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/untrusted_text.h"

namespace nexus {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

int64_t SecondsAgo(int64_t seconds) { return absl::ToUnixMicros(kNow - absl::Seconds(seconds)); }

// A coordinator pulled from, caught up; a member pushed to, down and behind; a member that calls
// in, whose audit log forked.
v1::FederationStatusResponse SampleStatus() {
  v1::FederationStatusResponse status;
  status.set_agency_id("agency-a");
  v1::PeerStatus* coord = status.add_peers();
  coord->set_agency_id("wa-coord");
  coord->set_address("127.0.0.1:7503");
  coord->set_direction("pull");
  coord->set_connected(true);
  coord->set_since_unix_micros(SecondsAgo(252));
  coord->mutable_received()->set_cursor(42);
  coord->mutable_received()->set_received(10);
  coord->mutable_received()->set_unchanged(2);
  coord->set_caught_up(true);
  coord->set_relayed(5);
  coord->mutable_witness()->set_tree_size(120);
  coord->mutable_witness()->set_root_hash(std::string(32, '\xab'));
  coord->mutable_witness()->set_checked_unix_micros(SecondsAgo(3));

  v1::PeerStatus* fiu = status.add_peers();
  fiu->set_agency_id("sn-fiu");
  fiu->set_address("127.0.0.1:7502");
  fiu->set_direction("push");
  fiu->set_connected(false);
  fiu->set_since_unix_micros(SecondsAgo(12));
  fiu->set_last_error("connection refused");
  fiu->set_last_error_unix_micros(SecondsAgo(12));
  fiu->set_seconds_behind(12.5);
  fiu->mutable_received()->set_refused(3);
  fiu->set_versions_behind(7);
  fiu->set_backlog_known(true);
  fiu->set_versions_waiting(4);

  v1::PeerStatus* police = status.add_peers();
  police->set_agency_id("fr-police");
  police->set_direction("inbound");
  police->mutable_received()->set_equivocations(2);
  police->mutable_witness()->set_tree_size(80);
  police->mutable_witness()->set_checked_unix_micros(SecondsAgo(1));
  police->mutable_witness()->set_alarm("fork: two roots for tree size 80");
  return status;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  return lines;
}

// Nothing a terminal acts on: no control byte but the line feeds, no DEL, no C1 control, no
// bidirectional control; and valid UTF-8.
void ExpectSafeForTerminal(const std::string& text) {
  for (unsigned char c : text) {
    EXPECT_FALSE((c < 0x20 && c != '\n') || c == 0x7f) << "byte " << int(c) << " in:\n" << text;
  }
  EXPECT_TRUE(IsValidUtf8(text)) << text;
  for (const char* raw : {"\xc2\x85", "\xc2\x9b", "\xe2\x80\xae", "\xe2\x81\xa6"}) {
    EXPECT_FALSE(absl::StrContains(text, raw)) << text;
  }
}

Struct ParseJson(const std::string& json) {
  Struct object;
  auto status = google::protobuf::util::JsonStringToMessage(json, &object);
  EXPECT_TRUE(status.ok()) << status.message() << " in: " << json;
  EXPECT_FALSE(absl::StrContains(json, "\n")) << "one object per line: " << json;
  return object;
}

const Value& Field(const Struct& object, const std::string& name) {
  static const Value* const kMissing = new Value();
  auto it = object.fields().find(name);
  if (it == object.fields().end()) {
    ADD_FAILURE() << "no field " << name;
    return *kMissing;
  }
  return it->second;
}

TEST(FederationStatusTextTest, OneAlignedRowPerPeerThenWhatNeedsAttention) {
  std::string text = FederationStatusToHumanText(SampleStatus(), kNow);
  std::vector<std::string> lines = Lines(text);
  ASSERT_EQ(lines.size(), 1 + 1 + 3 + 5 + 1) << text;  // title, header, rows, notes, links
  EXPECT_EQ(lines.back(), "link detection: caught up");
  EXPECT_EQ(lines[0], "node agency-a: 3 peers");
  EXPECT_TRUE(absl::StartsWith(lines[1], "PEER       DIRECTION  ADDRESS         CONNECTED"))
      << text;
  // Every column starts where its header does.
  for (const char* header :
       {"DIRECTION", "ADDRESS", "CONNECTED", "CURSOR", "RECEIVING", "RECEIVED", "UNCHANGED",
        "REFUSED", "EQUIVOCATIONS", "RELAYED", "WAITING", "WITNESSED TREE"}) {
    size_t column = lines[1].find(header);
    ASSERT_NE(column, std::string::npos) << header;
    for (int row = 2; row <= 4; ++row) {
      ASSERT_GT(lines[row].size(), column) << header << "\n" << text;
      EXPECT_EQ(lines[row][column - 1], ' ') << header << "\n" << text;
      EXPECT_NE(lines[row][column], ' ') << header << "\n" << text;
    }
  }
  // Cells are at least two spaces apart, and hold single spaces only.
  auto cells = [](const std::string& line) {
    std::vector<std::string> cells;
    for (absl::string_view piece : absl::StrSplit(line, absl::ByString("  "), absl::SkipEmpty())) {
      piece = absl::StripAsciiWhitespace(piece);
      if (!piece.empty()) cells.emplace_back(piece);
    }
    return cells;
  };
  EXPECT_EQ(cells(lines[2]),
            (std::vector<std::string>{"wa-coord", "pull", "127.0.0.1:7503", "yes (for 4m12s)", "42",
                                      "caught up", "10", "2", "0", "0", "5", "?", "120"}))
      << text;
  EXPECT_EQ(cells(lines[3]), (std::vector<std::string>{
                                 "sn-fiu", "push", "127.0.0.1:7502", "no (since 07:59:48, 12s)",
                                 "0", "12s behind", "0", "0", "3", "0", "0", "4", "-"}))
      << text;
  EXPECT_EQ(cells(lines[4]),
            (std::vector<std::string>{"fr-police", "inbound", "-", "no", "0", "not caught up", "0",
                                      "0", "0", "2", "0", "?", "80 ALARM"}))
      << text;
  EXPECT_EQ(lines[5], "sn-fiu: last error (2027-01-15T07:59:48Z, 12s ago): connection refused");
  // Unreachable for 12 s, with what waits for it: the real backlog, not a stale 0.
  EXPECT_EQ(lines[6],
            "sn-fiu: 7 feed positions not yet considered for it, 4 of them versions it will "
            "receive when it returns");
  EXPECT_TRUE(absl::StartsWith(lines[7], "sn-fiu: 3 versions refused")) << text;
  EXPECT_EQ(lines[8],
            "fr-police: ALARM on its audit log (checked 2027-01-15T07:59:59Z): fork: two roots "
            "for tree size 80");
  EXPECT_TRUE(absl::StartsWith(lines[9], "fr-police: 2 equivocations received")) << text;
}

TEST(FederationStatusTextTest, SecondsBehindReadAsADuration) {
  v1::FederationStatusResponse status;
  v1::PeerStatus* peer = status.add_peers();
  peer->set_agency_id("b");
  for (auto [seconds, shown] : std::vector<std::pair<double, std::string>>{
           {0.25, "0.2s behind"},  // printf rounding; sub-second detail is enough
           {9.96, "10.0s behind"},
           {75.9, "1m15s behind"},
           {90061, "25h1m1s behind"},
           {0, "not caught up"},
           {std::nan(""), "? behind"},
           {-3, "? behind"},
           {std::numeric_limits<double>::infinity(), "? behind"}}) {
    peer->set_seconds_behind(seconds);
    std::string text = FederationStatusToHumanText(status, kNow);
    EXPECT_TRUE(absl::StrContains(text, shown)) << seconds << ":\n" << text;
  }
}

TEST(FederationStatusTextTest, NoPeersSaysSo) {
  v1::FederationStatusResponse status;
  status.set_agency_id("agency-a");
  EXPECT_EQ(FederationStatusToHumanText(status, kNow),
            "node agency-a: 0 peers\nlink detection: caught up\n");
  EXPECT_EQ(FederationStatusToJson(status),
            R"({"agency_id":"agency-a","link_detection":{"off":false,"behind":0},"peers":[]})");
}

TEST(FederationStatusTextTest, SaysHowFarLinkDetectionIsBehindOrThatItIsOff) {
  v1::FederationStatusResponse status;
  status.set_agency_id("agency-a");
  status.set_link_detection_behind(1234);
  EXPECT_TRUE(absl::StrContains(FederationStatusToHumanText(status, kNow),
                                "link detection: 1234 stored versions not examined yet\n"));
  EXPECT_TRUE(absl::StrContains(FederationStatusToJson(status), R"("behind":1234)"));
  status.set_link_detection_off(true);
  EXPECT_TRUE(
      absl::StrContains(FederationStatusToHumanText(status, kNow), "link detection: off\n"));
  EXPECT_TRUE(absl::StrContains(FederationStatusToJson(status), R"("off":true)"));
}

// Every string field a node reports, each holding what could drive a terminal or forge a line.
v1::FederationStatusResponse HostileStatus() {
  const std::string hostile =
      "x\n0 peers\x1b[2J\r\xc2\x9b"
      "31m\xe2\x80\xae\xff\\";
  v1::FederationStatusResponse status;
  status.set_agency_id(hostile);
  v1::PeerStatus* peer = status.add_peers();
  peer->set_agency_id(hostile);
  peer->set_address(hostile);
  peer->set_direction(hostile);
  peer->set_last_error(hostile + std::string(10000, 'e'));
  peer->set_last_error_unix_micros(1);
  peer->mutable_received()->set_equivocations(1);
  peer->mutable_received()->set_refused(1);
  peer->mutable_witness()->set_alarm(hostile);
  peer->mutable_witness()->set_root_hash(std::string(1 << 20, '\x01'));
  peer->set_seconds_behind(std::nan(""));
  return status;
}

TEST(FederationStatusTextTest, HumanTextEscapesAndBoundsWhatTheNodeSent) {
  std::string text = FederationStatusToHumanText(HostileStatus(), kNow);
  ExpectSafeForTerminal(text);
  // Title, header, one row, the four notes and link detection: no line was forged.
  EXPECT_EQ(Lines(text).size(), 8u) << text;
  EXPECT_TRUE(absl::StrContains(text, "x\\n0 peers\\x1b[2J\\r\\u009b31m\\u202e\\xff")) << text;
  EXPECT_LT(text.size(), 8000u);  // the 10 kB error is cut
  EXPECT_TRUE(absl::StrContains(text, "more bytes)")) << text;
}

TEST(FederationStatusTextTest, JsonIsValidSafeAndKeepsEveryField) {
  std::string json = FederationStatusToJson(SampleStatus());
  ExpectSafeForTerminal(json);
  Struct object = ParseJson(json);
  EXPECT_EQ(Field(object, "agency_id").string_value(), "agency-a");
  const auto& peers = Field(object, "peers").list_value().values();
  ASSERT_EQ(peers.size(), 3);
  const Struct& coord = peers[0].struct_value();
  EXPECT_EQ(Field(coord, "agency_id").string_value(), "wa-coord");
  EXPECT_EQ(Field(coord, "direction").string_value(), "pull");
  EXPECT_TRUE(Field(coord, "connected").bool_value());
  EXPECT_EQ(Field(coord, "since_unix_micros").number_value(), double(SecondsAgo(252)));
  EXPECT_TRUE(Field(coord, "caught_up").bool_value());
  const Struct& received = Field(coord, "received").struct_value();
  EXPECT_EQ(Field(received, "cursor").number_value(), 42);
  EXPECT_EQ(Field(received, "received").number_value(), 10);
  EXPECT_EQ(Field(received, "unchanged").number_value(), 2);
  for (const char* name : {"refused", "equivocations", "disclosures_added"}) {
    EXPECT_EQ(Field(received, name).number_value(), 0) << name;
  }
  EXPECT_EQ(Field(coord, "relayed").number_value(), 5);
  const Struct& witness = Field(coord, "witness").struct_value();
  EXPECT_EQ(Field(witness, "tree_size").number_value(), 120);
  std::string root_hex;
  for (int i = 0; i < 32; ++i) root_hex += "ab";
  EXPECT_EQ(Field(witness, "root_hash").string_value(), root_hex);
  EXPECT_EQ(Field(witness, "alarm").string_value(), "");

  const Struct& fiu = peers[1].struct_value();
  EXPECT_EQ(Field(fiu, "last_error").string_value(), "connection refused");
  EXPECT_EQ(Field(fiu, "seconds_behind").number_value(), 12.5);
  EXPECT_EQ(Field(fiu, "versions_behind").number_value(), 7);
  EXPECT_EQ(Field(Field(fiu, "received").struct_value(), "refused").number_value(), 3);

  const Struct& police = peers[2].struct_value();
  EXPECT_EQ(Field(police, "address").string_value(), "");
  EXPECT_EQ(Field(Field(police, "witness").struct_value(), "alarm").string_value(),
            "fork: two roots for tree size 80");
}

TEST(FederationStatusTextTest, JsonOfHostileTextStaysValidAndWhole) {
  v1::FederationStatusResponse status = HostileStatus();
  std::string json = FederationStatusToJson(status);
  ExpectSafeForTerminal(json);
  Struct object = ParseJson(json);
  const Struct& peer = Field(object, "peers").list_value().values(0).struct_value();
  EXPECT_TRUE(Field(peer, "seconds_behind").has_null_value());
  // Whole (JSON is for programs), with only the byte that is not UTF-8 replaced.
  std::string alarm = Field(Field(peer, "witness").struct_value(), "alarm").string_value();
  EXPECT_EQ(alarm,
            "x\n0 peers\x1b[2J\r\xc2\x9b"
            "31m\xe2\x80\xae\xef\xbf\xbd\\");
  EXPECT_EQ(Field(peer, "last_error").string_value().size(), alarm.size() + 10000);
}

v1::PeerHeadsResponse SampleHeads() {
  v1::PeerHeadsResponse heads;
  for (uint64_t size : {100, 120}) {
    v1::Checkpoint checkpoint;
    checkpoint.set_origin("agency-b");
    checkpoint.set_tree_size(size);
    checkpoint.set_root_hash(std::string(32, static_cast<char>(size)));
    checkpoint.set_time_unix_micros(SecondsAgo(200 - size));
    v1::SignedCheckpoint* head = heads.add_heads();
    head->set_checkpoint(checkpoint.SerializeAsString());
    head->set_signature(std::string(64, 's'));
    head->set_key_id("1");
  }
  v1::PeerWitness* witness = heads.mutable_witness();
  witness->set_tree_size(120);
  witness->set_root_hash(std::string(32, static_cast<char>(120)));
  witness->set_head_time_unix_micros(SecondsAgo(80));
  witness->set_checked_unix_micros(SecondsAgo(2));
  return heads;
}

TEST(PeerHeadsTextTest, ListsHeadsOldestFirstThenTheWitness) {
  std::string text = PeerHeadsToHumanText("agency-b", SampleHeads(), kNow);
  std::vector<std::string> lines = Lines(text);
  ASSERT_EQ(lines.size(), 6u) << text;
  EXPECT_EQ(lines[0],
            "signed heads of agency-b's audit log verified by this node: 2, oldest first");
  EXPECT_TRUE(absl::StartsWith(lines[1], "TREE SIZE  ROOT ")) << text;
  EXPECT_TRUE(absl::StartsWith(lines[2], "100        6464646464")) << text;
  EXPECT_TRUE(absl::StartsWith(lines[3], "120        7878787878")) << text;
  EXPECT_TRUE(absl::EndsWith(lines[3], "2027-01-15T07:58:40Z  1")) << text;
  EXPECT_TRUE(absl::StartsWith(lines[4], "witness: tree size 120, root 787878")) << text;
  EXPECT_TRUE(absl::EndsWith(lines[4], "last checked 2027-01-15T07:59:58Z (2s ago)")) << text;
  EXPECT_EQ(lines[5], "no alarm");
}

TEST(PeerHeadsTextTest, ShowsTheAlarmAndOddHeadsEscaped) {
  v1::PeerHeadsResponse heads = SampleHeads();
  heads.mutable_witness()->set_alarm("rollback\n\x1b[0mOK");
  v1::Checkpoint other;
  other.set_origin(
      "agency-\xe2\x80\xae"
      "c");
  other.set_tree_size(130);
  heads.add_heads()->set_checkpoint(other.SerializeAsString());
  heads.add_heads()->set_checkpoint(
      "\x0a\x05"
      "ab");  // a field longer than the bytes left
  std::string text = PeerHeadsToHumanText("agency-b", heads, kNow);
  ExpectSafeForTerminal(text);
  EXPECT_TRUE(absl::StrContains(text, "(log of agency-\\u202ec)")) << text;
  EXPECT_TRUE(absl::StrContains(text, "\nmalformed ")) << text;
  EXPECT_TRUE(absl::EndsWith(text, "\nALARM: rollback\\n\\x1b[0mOK\n")) << text;

  Struct object = ParseJson(PeerHeadsToJson("agency-b", heads));
  const auto& listed = Field(object, "heads").list_value().values();
  ASSERT_EQ(listed.size(), 4);
  EXPECT_EQ(Field(listed[1].struct_value(), "tree_size").number_value(), 120);
  EXPECT_EQ(Field(listed[1].struct_value(), "key_id").string_value(), "1");
  EXPECT_FALSE(Field(listed[1].struct_value(), "malformed").bool_value());
  EXPECT_EQ(Field(listed[2].struct_value(), "origin").string_value(),
            "agency-\xe2\x80\xae"
            "c");
  EXPECT_TRUE(Field(listed[3].struct_value(), "malformed").bool_value());
  EXPECT_EQ(Field(Field(object, "witness").struct_value(), "alarm").string_value(),
            "rollback\n\x1b[0mOK");
}

TEST(PeerHeadsTextTest, NoHeadYet) {
  std::string text = PeerHeadsToHumanText("agency-b", v1::PeerHeadsResponse(), kNow);
  EXPECT_EQ(text, "no signed head of agency-b's audit log verified by this node yet\nno alarm\n");
}

TEST(PeerVerdictTextTest, OkNamesTheLatestHeadAndWhetherSignaturesWereChecked) {
  v1::PeerHeadsResponse heads = SampleHeads();
  PeerHeadsReport report = CheckPeerHeads("agency-b", heads, nullptr);
  ASSERT_TRUE(report.ok) << report.problem;
  std::vector<std::string> lines =
      Lines(PeerVerdictToHumanText("agency-b", report, heads.witness(), kNow));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0],
            "OK: the node verified 2 signed heads of agency-b's audit log, each extending the one "
            "before, and raised no alarm");
  EXPECT_TRUE(absl::StartsWith(lines[1], "latest head: tree size 120, root 7878")) << lines[1];
  EXPECT_TRUE(absl::EndsWith(lines[1], ", signed 2027-01-15T07:58:40Z (key 1)")) << lines[1];
  EXPECT_EQ(lines[2], "last checked by the node: 2027-01-15T07:59:58Z (2s ago)");
  EXPECT_EQ(lines[3], "signatures: not checked (no --keys): the node's word");

  Struct object = ParseJson(PeerVerdictToJson("agency-b", report, heads.witness()));
  EXPECT_TRUE(Field(object, "ok").bool_value());
  EXPECT_FALSE(Field(object, "alarm").bool_value());
  EXPECT_EQ(Field(object, "heads").number_value(), 2);
  EXPECT_EQ(Field(Field(object, "latest").struct_value(), "tree_size").number_value(), 120);
}

TEST(PeerVerdictTextTest, AlarmIsNotVerifiedAndEscaped) {
  v1::PeerHeadsResponse heads = SampleHeads();
  heads.mutable_witness()->set_alarm("fork at 120\n\x1b]0;pwned\x07");
  PeerHeadsReport report = CheckPeerHeads("agency-b", heads, nullptr);
  ASSERT_FALSE(report.ok);
  std::string text = PeerVerdictToHumanText("agency-b", report, heads.witness(), kNow);
  ExpectSafeForTerminal(text);
  EXPECT_TRUE(absl::StartsWith(text,
                               "NOT VERIFIED: agency-b's audit log: the node raised an alarm: fork "
                               "at 120\\n\\x1b]0;pwned\\x07\nlatest head: tree size 120"))
      << text;
  Struct object = ParseJson(PeerVerdictToJson("agency-b", report, heads.witness()));
  EXPECT_FALSE(Field(object, "ok").bool_value());
  EXPECT_TRUE(Field(object, "alarm").bool_value());
  EXPECT_EQ(Field(object, "problem").string_value(), "fork at 120\n\x1b]0;pwned\x07");
}

TEST(PeerVerdictTextTest, NothingWitnessedIsSaidPlainly) {
  PeerHeadsReport report = CheckPeerHeads("agency-b", v1::PeerHeadsResponse(), nullptr);
  ASSERT_TRUE(report.ok);
  EXPECT_EQ(PeerVerdictToHumanText("agency-b", report, v1::PeerWitness(), kNow),
            "OK: no alarm, but the node has verified no signed head of agency-b's audit log yet: "
            "nothing is witnessed\n");
  Struct object = ParseJson(PeerVerdictToJson("agency-b", report, v1::PeerWitness()));
  EXPECT_TRUE(Field(object, "latest").has_null_value());
}

}  // namespace
}  // namespace nexus
