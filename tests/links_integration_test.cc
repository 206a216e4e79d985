// Link detection on a real node: records of different case references that share a selector are
// linked; an update that drops it, or a revocation, closes the link and one that brings it back
// reopens it; a kill -9 during detection loses no link and duplicates none; a selector too many
// records carry is noted, not linked on; alerts reach only who may see the records; link charts
// escape what records hold.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/nexus_client.h"
#include "common/indicator_normalizer.h"
#include "common/record_seal.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

using testing::ClientFor;
using testing::SampleDraft;

class LinksTest : public ::testing::Test {
 protected:
  void SetUp() override { Start(""); }
  void Start(const std::string& extra) {
    node_.reset();
    config_ = testing::WriteNodeConfig(dir_.path(), "agency-a", extra);
    Restart();
  }
  void Restart() {
    node_ = std::make_unique<testing::NexusdProcess>(config_);
    ASSERT_TRUE(node_->ok()) << node_->ReadLog();
  }
  std::unique_ptr<NexusClient> Client(const std::string& agency = "agency-a") {
    return *NexusClient::Create(ClientFor(node_->address(), agency));
  }
  // A record of its own case carrying `phone` (and `extra` indicators).
  v1::Record Case(const std::string& reference, const std::string& phone) {
    v1::Record record = SampleDraft({{v1::INDICATOR_TYPE_PHONE, phone}});
    record.set_case_reference(reference);
    return record;
  }
  std::string Publish(const v1::Record& record) {
    auto results = Client()->Publish({record});
    EXPECT_TRUE(results.ok() && (*results)[0].outcome() == v1::PUBLISH_OUTCOME_STORED)
        << (results.ok() ? (*results)[0].ShortDebugString() : results.status().ToString());
    return results.ok() ? (*results)[0].id() : "";
  }
  // Every alert the agency is told, from the start.
  std::vector<v1::Alert> AllAlerts(const std::string& agency = "agency-a") {
    std::vector<v1::Alert> alerts;
    EXPECT_TRUE(Client(agency)
                    ->Alerts({},
                             [&](const v1::Alert& alert) {
                               alerts.push_back(alert);
                               return true;
                             })
                    .ok());
    return alerts;
  }
  // The events told for each link id, in order.
  std::map<std::string, std::vector<v1::LinkEvent>> EventsByLink(
      const std::string& agency = "agency-a") {
    std::map<std::string, std::vector<v1::LinkEvent>> events;
    for (const v1::Alert& alert : AllAlerts(agency)) {
      if (!alert.link_id().empty()) events[alert.link_id()].push_back(alert.event());
    }
    return events;
  }

  testing::TempDir dir_;
  std::string config_;
  std::unique_ptr<testing::NexusdProcess> node_;
};

TEST_F(LinksTest, UpdatesAndRevocationsCloseAndReopenLinks) {
  const std::string first = Publish(Case("CASE-1", "+223 76 12 34 56"));
  const std::string second = Publish(Case("CASE-2", "+223 76 12 34 56"));
  std::map<std::string, std::vector<v1::LinkEvent>> events;
  ASSERT_TRUE(testing::WaitFor([&] {
    events = EventsByLink();
    return events.size() == 1;
  }));
  const std::string link = events.begin()->first;
  std::vector<v1::Alert> alerts = AllAlerts();
  ASSERT_EQ(alerts.size(), 1u);
  EXPECT_EQ(alerts[0].event(), v1::LINK_EVENT_OPENED);
  ASSERT_EQ(alerts[0].selectors_size(), 1);
  EXPECT_EQ(alerts[0].selectors(0).value(), "+22376123456");
  EXPECT_EQ(alerts[0].kind(), "police ↔ police");
  EXPECT_FALSE(alerts[0].crime_terror());
  // The second record drops the phone: closed; brings it back: reopened.
  v1::Record without = Case("CASE-2", "+221 77 000 00 00");
  without.set_id(second);
  Publish(without);
  ASSERT_TRUE(testing::WaitFor([&] { return EventsByLink()[link].size() == 2; }));
  v1::Record with = Case("CASE-2", "+223 76 12 34 56");
  with.set_id(second);
  Publish(with);
  ASSERT_TRUE(testing::WaitFor([&] { return EventsByLink()[link].size() == 3; }));
  ASSERT_TRUE(Client()->Revoke(first, "test").ok());
  ASSERT_TRUE(testing::WaitFor([&] { return EventsByLink()[link].size() == 4; }));
  EXPECT_EQ(EventsByLink()[link],
            (std::vector<v1::LinkEvent>{v1::LINK_EVENT_OPENED, v1::LINK_EVENT_CLOSED,
                                        v1::LINK_EVENT_OPENED, v1::LINK_EVENT_CLOSED}));
  EXPECT_EQ(EventsByLink().size(), 1u);
}

TEST_F(LinksTest, RecordsOfOneCaseOfOneAgencyAreNoLink) {
  Publish(Case("CASE-1", "+223 76 12 34 56"));
  Publish(Case("CASE-1", "+223 76 12 34 56"));
  Publish(Case("CASE-2", "+33 6 12 34 56 78"));
  Publish(Case("CASE-3", "+33 6 12 34 56 78"));
  // The last pair links; once it is told, the first pair (published before) was looked at too.
  ASSERT_TRUE(testing::WaitFor([&] { return EventsByLink().size() == 1; }));
  ASSERT_EQ(AllAlerts().size(), 1u);
  EXPECT_EQ(AllAlerts()[0].selectors(0).value(), "+33612345678");
}

TEST_F(LinksTest, AKillDuringDetectionLosesNoLinkAndDuplicatesNone) {
  // The records are stored with detection off; then detection catches up over all of them from
  // its cursor, and is killed on its way.
  constexpr int kPairs = 3000;
  Start("links { disabled: true }\n");
  std::vector<v1::Record> records;
  for (int i = 0; i < kPairs; ++i) {
    for (int side = 0; side < 2; ++side) {
      records.push_back(
          Case(absl::StrCat("CASE-", i, "-", side), absl::StrCat("+3361", 100000 + i)));
    }
  }
  ASSERT_TRUE(Client()->PublishStream(records, 500).ok());
  Start("");
  size_t before = 0;
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        before = EventsByLink().size();
        return before > 0;
      },
      absl::Seconds(30)));
  node_->Kill();
  std::printf("killed with %zu of %d links told\n", before, kPairs);
  Restart();
  std::map<std::string, std::vector<v1::LinkEvent>> events;
  ASSERT_TRUE(testing::WaitFor(
      [&] {
        events = EventsByLink();
        return events.size() == kPairs;
      },
      absl::Seconds(60)))
      << events.size() << " links";
  for (const auto& [link, told] : events) {
    EXPECT_EQ(told, std::vector<v1::LinkEvent>{v1::LINK_EVENT_OPENED}) << link;
  }
}

TEST_F(LinksTest, AFrequentSelectorIsNotedNotLinked) {
  Start("links { max_records_per_selector: 3 never_link: \"domain:gmail.com\" }\n");
  for (int i = 0; i < 5; ++i) {
    v1::Record record = Case(absl::StrCat("CASE-", i), "+33 6 00 00 00 00");
    v1::Indicator* domain = record.add_indicators();
    domain->set_type(v1::INDICATOR_TYPE_DOMAIN);
    domain->set_value("gmail.com");
    Publish(record);
  }
  v1::Record last = Case("CASE-9", "+33 6 99 99 99 99");
  Publish(last);
  std::vector<v1::Alert> alerts;
  ASSERT_TRUE(testing::WaitFor([&] {
    alerts = AllAlerts();
    return std::any_of(alerts.begin(), alerts.end(), [](const v1::Alert& alert) {
      return alert.event() == v1::LINK_EVENT_FREQUENT_SELECTOR;
    });
  }));
  // The first records linked before the selector became frequent; none on gmail.com; and the
  // notice is the node's own agency's only.
  for (const v1::Alert& alert : alerts) {
    for (const v1::Selector& selector : alert.selectors()) EXPECT_NE(selector.value(), "gmail.com");
  }
  EXPECT_TRUE(AllAlerts("agency-c").empty());
}

// A link is told only to whom may see its records: with no policy, another member is told
// nothing at all (not a link, not a count, not an error).
TEST_F(LinksTest, AnotherAgencyIsToldNothingOfLinksItMayNotSee) {
  Publish(Case("CASE-1", "+223 76 12 34 56"));
  Publish(Case("CASE-2", "+223 76 12 34 56"));
  ASSERT_TRUE(testing::WaitFor([&] { return EventsByLink().size() == 1; }));
  EXPECT_TRUE(AllAlerts("agency-b").empty());
  v1::LinksRequest request;
  request.set_record_id(AllAlerts()[0].a().record().disclosures().empty()
                            ? ""
                            : PeekHeader(AllAlerts()[0].a().record())->id());
  auto chart = Client("agency-b")->Links(request);
  ASSERT_TRUE(chart.ok()) << chart.status();
  EXPECT_EQ(chart->links_size(), 0);
  EXPECT_TRUE(absl::IsNotFound(Client("agency-b")->AckAlert(AllAlerts()[0].link_id())));
  EXPECT_TRUE(Client()->AckAlert(AllAlerts()[0].link_id()).ok());
  EXPECT_TRUE(AllAlerts()[0].acknowledged());
}

// Link charts in three formats hold exactly the permitted nodes, and what a record holds cannot
// become DOT syntax or XML markup: the charts still parse, with no injected node.
TEST_F(LinksTest, LinkChartsParseAndHoldExactlyWhatTheReaderMaySee) {
  const std::string hostile = "X\"]; \"r:evil\" [label=\"pwned</data><script>alert(1)</script>";
  v1::Record one = Case(hostile, "+223 76 12 34 56");
  v1::Record two = Case("CASE-2", "+223 76 12 34 56");
  // A shared organization name written to break out of DOT and XML.
  for (v1::Record* record : {&one, &two}) {
    v1::Indicator* name = record->add_indicators();
    name->set_type(v1::INDICATOR_TYPE_ORGANIZATION);
    name->set_value("Evil\" -- \"r:x\"; </data></node><node id=\"injected\"> & Co");
  }
  const std::string a = Publish(one), b = Publish(two);
  ASSERT_TRUE(testing::WaitFor([&] { return EventsByLink().size() == 1; }));
  const std::string& pki = testing::TestPki();
  auto chart = [&](const std::string& agency, const std::string& format, std::string* output) {
    return testing::RunCommand(
        absl::StrCat(NEXUS_NEXUSCTL_PATH, " --target ", node_->address(), " --ca ", pki,
                     "/ca.crt --cert ", pki, "/", agency, "/analyst.crt --key ", pki, "/", agency,
                     "/analyst.key links graph --record ", a, " --format ", format, " --output ",
                     dir_.File("chart." + format)),
        output);
  };
  // The node ids each format holds, read by an XML parser or by Graphviz itself.
  auto ids = [&](const std::string& format) {
    std::string listed;
    const std::string file = dir_.File("chart." + format);
    std::string command;
    if (format == "graphml") {
      command = absl::StrCat(
          "python3 -c 'import sys,xml.etree.ElementTree as E; "
          "[print(n.get(\"id\")) for n in "
          "E.parse(sys.argv[1]).iter(\"{http://graphml.graphdrawing.org/xmlns}node\")]' ",
          file);
    } else {
      // SVG as written, or the DOT laid out by Graphviz itself: node names are the titles.
      command = absl::StrCat(
          format == "dot" ? absl::StrCat("dot -Tsvg -o ", file, ".svg ", file, " && ") : "",
          "python3 -c 'import sys,xml.etree.ElementTree as E; ns=\"{http://www.w3.org/2000/svg}\"; "
          "[print(g.find(ns+\"title\").text) for g in E.parse(sys.argv[1]).iter(ns+\"g\") "
          "if g.get(\"class\")==\"node\"]' ",
          file, format == "dot" ? ".svg" : "");
    }
    EXPECT_EQ(testing::RunCommand(command, &listed), 0) << listed;
    std::set<std::string> found;
    for (absl::string_view line : absl::StrSplit(listed, '\n', absl::SkipEmpty())) {
      found.emplace(line);
    }
    return found;
  };
  // The records, the phone, and the organization name with its form without the legal suffix.
  const std::string name =
      *NormalizeIndicator(v1::INDICATOR_TYPE_ORGANIZATION, one.indicators(1).value());
  std::set<std::string> expected = {"r:" + a, "r:" + b, "s:phone:+22376123456",
                                    "s:organization:" + name};
  for (const std::string& alias : IndexAliases(v1::INDICATOR_TYPE_ORGANIZATION, name)) {
    expected.insert("s:organization:" + alias);
  }
  ASSERT_EQ(expected.size(), 5u);
  for (const std::string format : {"graphml", "svg", "dot"}) {
    std::string output;
    ASSERT_EQ(chart("agency-a", format, &output), 0) << output;
    EXPECT_TRUE(absl::StrContains(output, "1 links")) << output;
    EXPECT_EQ(ids(format), expected) << format;
  }
  std::string output;
  ASSERT_EQ(chart("agency-b", "graphml", &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "0 links")) << output;
  EXPECT_TRUE(ids("graphml").empty());
}

}  // namespace
}  // namespace nexus
