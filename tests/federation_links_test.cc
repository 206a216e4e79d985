// The coordinator's links reach the members: four real nexusd processes, the members pushing
// their records to a regional coordinator that holds them all. The links the coordinator finds
// reach each member's analysts at the member's own node, decided at the coordinator for that
// member: exactly the links it may see, the other side as a hit notice where only that is
// allowed, nothing of a link it may not see. A revocation closes the link at every member; a
// member killed and restarted resumes its stream from its durable cursor and duplicates nothing.
// Both sides audit each delivery.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "tests/federation_harness.h"

namespace nexus::testing {
namespace {

// A record of `reference` carrying one indicator, shared with the whole federation.
v1::Record CaseRecord(const std::string& reference, v1::IndicatorType type,
                      const std::string& value, bool hit_notices_to_all = false) {
  v1::Record record = SampleDraft({{type, value}});
  record.set_case_reference(reference);
  record.set_tlp(v1::TLP_GREEN);
  record.mutable_distribution()->set_scope(v1::DISTRIBUTION_SCOPE_FEDERATION);
  if (hit_notices_to_all) {
    record.mutable_distribution()->mutable_hit_notices()->set_scope(
        v1::DISTRIBUTION_SCOPE_FEDERATION);
  }
  return record;
}

// What a side of an alert showed: "record:<id>", "notice:<origin>".
std::string SideText(const v1::LinkSide& side) {
  if (side.has_record()) {
    absl::StatusOr<OpenedRecord> opened = VerifyRecord(side.record());
    return opened.ok() ? absl::StrCat("record:", opened->header.id()) : "unverified";
  }
  if (side.has_hit_notice()) return absl::StrCat("notice:", side.hit_notice().origin_agency());
  return "nothing";
}

// Every alert a member's analyst is told, from the start, as "EVENT a-side b-side" sorted by
// the sides (a link's two records in either order).
std::vector<v1::Alert> AlertsAt(const FederationNode& node) {
  std::vector<v1::Alert> alerts;
  absl::Status read = node.Analyst()->Alerts({}, [&](const v1::Alert& alert) {
    if (!alert.more()) alerts.push_back(alert);
    return true;
  });
  EXPECT_TRUE(read.ok()) << read;
  return alerts;
}

std::multiset<std::string> Described(const std::vector<v1::Alert>& alerts) {
  std::multiset<std::string> out;
  for (const v1::Alert& alert : alerts) {
    std::string a = SideText(alert.a()), b = SideText(alert.b());
    if (b < a) std::swap(a, b);
    out.insert(absl::StrCat(v1::LinkEvent_Name(alert.event()).substr(11), " ", a, " ", b));
  }
  return out;
}

class FederationLinksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Members push to the coordinator (and follow its links: it is of the regional-body
    // sector); the coordinator relays to every member, but of b's records c gets hit notices
    // at most, and nothing of those with a wallet.
    for (FederationNode* member : {&a_, &b_, &c_}) {
      member->set_policy(R"pb(
        name: "everything to the coordinator"
        rules {
          id: "coord"
          effect: EFFECT_PERMIT
          recipient { agencies: "agency-coord" }
        }
      )pb");
      member->AddPeer(PushPeer(kCoordinator, coord_.address()));
      coord_.AddPeer(InboundPeer(member->agency()));
    }
    coord_.set_policy(R"pb(
      name: "relay; of b's records c is told only that they exist, and nothing of its wallets"
      rules { id: "relay" effect: EFFECT_PERMIT }
      rules {
        id: "b-hits-only-to-c"
        effect: EFFECT_HIT_ONLY
        recipient { agencies: "agency-c" }
        record { origin_agencies: "agency-b" }
      }
      rules {
        id: "b-wallets-not-to-c"
        effect: EFFECT_FORBID
        recipient { agencies: "agency-c" }
        record { origin_agencies: "agency-b" indicator_types: INDICATOR_TYPE_CRYPTO_WALLET }
      }
    )pb");
    for (FederationNode* node : {&coord_, &a_, &b_, &c_})
      ASSERT_EQ(node->Start(), absl::OkStatus());
  }

  std::string Publish(const FederationNode& node, const v1::Record& record) {
    auto results = PublishAll(node, {record});
    EXPECT_TRUE(results.ok()) << results.status();
    return results.ok() ? (*results)[0].id() : "";
  }

  // Waits until `node`'s analyst is told exactly `expected`.
  void ExpectAlerts(const FederationNode& node, const std::multiset<std::string>& expected) {
    std::multiset<std::string> seen;
    EXPECT_TRUE(WaitFor([&] {
      seen = Described(AlertsAt(node));
      return seen == expected;
    })) << node.agency()
        << " was told:\n"
        << absl::StrJoin(seen, "\n") << "\nexpected:\n"
        << absl::StrJoin(expected, "\n") << "\ncoordinator's log:\n"
        << coord_.ReadLog();
  }

  FederationNode coord_{kCoordinator}, a_{kAgencyA}, b_{kAgencyB}, c_{kAgencyC};
};

TEST_F(FederationLinksTest, EachMemberIsToldTheLinksItMaySeeAndNothingElse) {
  // The Malian phone in a French police case and a counter-terrorism case (whose originator
  // lets the whole federation be told that it exists); a wallet held by the CT unit and the FIU.
  const std::string police =
      Publish(a_, CaseRecord("A-1", v1::INDICATOR_TYPE_PHONE, "+223 70 12 34 56"));
  const std::string terror =
      Publish(b_, CaseRecord("B-7", v1::INDICATOR_TYPE_PHONE, "+22370123456", true));
  const std::string wallet_ct =
      Publish(b_, CaseRecord("B-9", v1::INDICATOR_TYPE_CRYPTO_WALLET,
                             "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"));
  const std::string wallet_fiu =
      Publish(c_, CaseRecord("C-3", v1::INDICATOR_TYPE_CRYPTO_WALLET,
                             "bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh"));

  auto link = [](const std::string& event, std::string x, std::string y) {
    if (y < x) std::swap(x, y);
    return absl::StrCat(event, " ", x, " ", y);
  };
  // a and b may see every record at the coordinator: both links, both sides.
  const std::multiset<std::string> everything = {
      link("OPENED", "record:" + police, "record:" + terror),
      link("OPENED", "record:" + wallet_ct, "record:" + wallet_fiu)};
  ExpectAlerts(a_, everything);
  ExpectAlerts(b_, everything);
  // c may not see b's records: the phone link with a hit notice for b's, and nothing at all of
  // the wallet link, though c's own record is its other side.
  ExpectAlerts(c_, {link("OPENED", "record:" + police, "notice:agency-b")});

  for (const v1::Alert& alert : AlertsAt(c_)) {
    EXPECT_EQ(alert.found_at(), kCoordinator);
    EXPECT_TRUE(absl::StartsWith(alert.link_id(), "agency-coord/")) << alert.link_id();
    const v1::LinkSide& notice = alert.a().has_hit_notice() ? alert.a() : alert.b();
    EXPECT_EQ(notice.hit_notice().holder(), kCoordinator);
    EXPECT_EQ(notice.hit_notice().liaison(), "agency-b liaison desk");
    EXPECT_EQ(notice.sector(), v1::SECTOR_COUNTER_TERRORISM);
    EXPECT_FALSE(notice.has_record());
    EXPECT_EQ(notice.case_reference(), "");
    // c learns the phone from a's record, which it may see.
    ASSERT_EQ(alert.selectors_size(), 1);
    EXPECT_EQ(alert.selectors(0).value(), "+22370123456");
    EXPECT_EQ(alert.kind(), "police ↔ counter-terrorism");
    EXPECT_TRUE(alert.crime_terror());
  }
  for (const v1::Alert& alert : AlertsAt(a_)) {
    EXPECT_EQ(alert.found_at(), kCoordinator);
    EXPECT_TRUE(alert.a().has_record() && alert.b().has_record());
  }

  // Audited on both sides: the coordinator served c's node; c's node took the alert.
  v1::AuditFilter alerts;
  alerts.set_action(v1::AUDIT_ACTION_ALERT);
  absl::StatusOr<std::vector<v1::AuditEntry>> served = coord_.AuditEntries(alerts);
  ASSERT_TRUE(served.ok()) << served.status();
  bool served_c = false;
  for (const v1::AuditEntry& entry : *served) {
    if (entry.actor().agency_id() != kAgencyC || entry.actor().role() != "node") continue;
    for (const v1::AuditTarget& target : entry.targets()) served_c |= target.record_id() == police;
    for (const v1::AuditTarget& target : entry.targets()) {
      EXPECT_NE(target.record_id(), wallet_ct) << "b's record named in an alert served to c";
    }
  }
  EXPECT_TRUE(served_c);
  absl::StatusOr<std::vector<v1::AuditEntry>> taken = c_.AuditEntries(alerts);
  ASSERT_TRUE(taken.ok()) << taken.status();
  int from_coord = 0;
  for (const v1::AuditEntry& entry : *taken) {
    if (entry.actor().agency_id() == kCoordinator && entry.outcome() == v1::AUDIT_OUTCOME_OK &&
        absl::StrContains(entry.detail(), "link alert from peer 'agency-coord'")) {
      ++from_coord;
    }
  }
  EXPECT_EQ(from_coord, 1);
}

TEST_F(FederationLinksTest, ARevocationClosesTheLinkAndARestartedMemberDuplicatesNothing) {
  const std::string police =
      Publish(a_, CaseRecord("A-1", v1::INDICATOR_TYPE_PHONE, "+223 70 12 34 56"));
  const std::string terror =
      Publish(b_, CaseRecord("B-7", v1::INDICATOR_TYPE_PHONE, "+22370123456"));
  auto link = [](const std::string& event, std::string x, std::string y) {
    if (y < x) std::swap(x, y);
    return absl::StrCat(event, " ", x, " ", y);
  };
  const std::string opened = link("OPENED", "record:" + police, "record:" + terror);
  ExpectAlerts(a_, {opened});

  // a's node dies mid-stream and comes back: its cursor is durable, nothing is told twice.
  a_.Kill();
  ASSERT_EQ(a_.Start(), absl::OkStatus());
  auto revoked = b_.Analyst()->Revoke(terror, "withdrawn");
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  // The revoked version: its sides as a may see them now (a revoked record is still shown).
  std::multiset<std::string> seen;
  ASSERT_TRUE(WaitFor([&] {
    seen = Described(AlertsAt(a_));
    return seen.size() == 2;
  })) << absl::StrJoin(seen, "\n");
  EXPECT_EQ(seen.count(opened), 1u) << absl::StrJoin(seen, "\n");
  EXPECT_EQ(std::count_if(seen.begin(), seen.end(),
                          [](const std::string& s) { return absl::StartsWith(s, "CLOSED "); }),
            1)
      << absl::StrJoin(seen, "\n");
  // Nothing more comes: a third alert would be a duplicate. The coordinator's feed is at its end
  // once b's node has told c's (which waits on the same feed).
  ASSERT_TRUE(WaitFor([&] { return Described(AlertsAt(b_)).size() == 2; }));
  EXPECT_EQ(Described(AlertsAt(a_)).size(), 2u);
}

}  // namespace
}  // namespace nexus::testing
