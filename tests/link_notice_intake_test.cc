// A coordinator's link alerts, as a member's node takes them: checked as if a stranger sent them.
// A valid alert is stored with the peer's cursor, its facts taken from the verified records and
// this node's membership rather than the peer's word; a forged record, a record the originator
// forbids this node, a hit notice held by another node, a selector no record shows, a hostile
// link id, an event a peer does not tell, or an alert with no record at all is refused: audited,
// passed over (the cursor moves past it), nothing stored.
#include "server/link_notice_intake.h"

#include <gtest/gtest.h>

#include <optional>

#include "absl/strings/match.h"
#include "common/indicator_normalizer.h"
#include "common/record_seal.h"
#include "server/cursor_cipher.h"
#include "server/replication_intake.h"
#include "tests/node_storage.h"
#include "tests/policy_fixtures.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

class LinkNoticeIntakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = testing::NodeStorage::Open(dir_.path(), node_key_, "agency-b");
    ASSERT_NE(stack_, nullptr);
    config_.set_agency_id("agency-b");
    *config_.mutable_agencies() = testing::PolicyTestAgencies();
    for (v1::Agency& agency : *config_.mutable_agencies()) {
      agency.set_sector(agency.id() == "agency-a" ? v1::SECTOR_POLICE
                        : agency.id() == "coord"  ? v1::SECTOR_REGIONAL_BODY
                                                  : v1::SECTOR_COUNTER_TERRORISM);
      agency.set_liaison(agency.id() + " desk");
    }
    ASSERT_TRUE(keys_.Add("agency-a", "1", origin_key_.public_key()).ok());
    ASSERT_TRUE(keys_.Add("agency-b", "1", node_key_.public_key()).ok());
    intake_ = std::make_unique<ReplicationIntake>(config_, &keys_, stack_->records.get());
    auto cursors = CursorCipher::Open(stack_->storage.get());
    ASSERT_TRUE(cursors.ok());
    cursors_ = std::make_unique<CursorCipher>(*std::move(cursors));
    detector_ = std::make_unique<LinkDetector>(stack_->storage.get(), stack_->records.get(),
                                               cursors_.get(), LinkDetector::Options{});
    notices_ = std::make_unique<LinkNoticeIntake>(config_, intake_.get(), detector_.get(),
                                                  stack_->audit.get());
    peer_.actor.set_agency_id("coord");
    peer_.actor.set_role("node");
  }

  // A record of agency-a carrying `phone`, signed by agency-a.
  v1::SignedRecord OriginRecord(const std::string& phone, v1::Tlp tlp = v1::TLP_GREEN) {
    v1::Record record = testing::SampleDraft({{v1::INDICATOR_TYPE_PHONE, phone}});
    record.set_id("6324de9c-31bd-449c-9ac9-c36a5bd608ac");
    record.set_origin_agency("agency-a");
    record.set_version(1);
    record.set_tlp(tlp);
    if (tlp == v1::TLP_RED) {
      record.mutable_distribution()->set_scope(v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES);
      record.mutable_distribution()->add_agencies("agency-c");
    }
    record.set_created_unix_micros(1);
    record.set_modified_unix_micros(1);
    for (v1::Indicator& indicator : *record.mutable_indicators()) {
      indicator.set_normalized(*NormalizeIndicator(indicator.type(), indicator.value()));
    }
    return SealRecord(record, origin_key_, "1");
  }

  // A valid alert: agency-a's record, and a hit notice for a record of agency-c the coordinator
  // holds; the sectors and kind as a lying peer might claim them.
  v1::Alert ValidAlert() {
    v1::Alert alert;
    alert.set_cursor(++cursor_);
    alert.set_link_id("0123456789abcdef0123456789abcdef");
    alert.set_event(v1::LINK_EVENT_OPENED);
    *alert.mutable_a()->mutable_record() = OriginRecord("+33 6 12 34 56 78");
    alert.mutable_a()->set_origin_agency("agency-c");           // a lie: the record says a
    alert.mutable_a()->set_sector(v1::SECTOR_PRIVATE_PARTNER);  // a lie
    v1::HitNotice& notice = *alert.mutable_b()->mutable_hit_notice();
    notice.set_holder("coord");
    notice.set_origin_agency("agency-c");
    notice.set_reference("HN-1");
    notice.set_liaison("call this number instead");  // a lie: the membership says
    v1::Selector& selector = *alert.add_selectors();
    selector.set_type(v1::INDICATOR_TYPE_PHONE);
    selector.set_value("+33612345678");
    alert.set_kind("whatever the peer says");
    return alert;
  }

  // Takes `alert`; expects it refused with `why` in the error, audited, passed over.
  void ExpectRefused(v1::Alert alert, const std::string& why) {
    const uint64_t changes = detector_->last_change();
    const uint64_t cursor = alert.cursor();
    const uint64_t entries = stack_->audit->size();
    ASSERT_TRUE(notices_->Take(peer_, std::move(alert)).ok());
    EXPECT_EQ(detector_->last_change(), changes) << why << ": stored";
    EXPECT_EQ(detector_->PeerCursor("coord"), cursor) << why << ": the cursor did not move past";
    ASSERT_EQ(stack_->audit->size(), entries + 1);
    std::optional<v1::AuditEntry> entry;
    ASSERT_TRUE(stack_->audit
                    ->ScanEntries(entries, entries + 1, false,
                                  [&](uint64_t, const std::string& bytes, const merkle::Hash&) {
                                    entry.emplace();
                                    return entry->ParseFromString(bytes);
                                  })
                    .ok());
    ASSERT_TRUE(entry.has_value());
    EXPECT_EQ(entry->outcome(), v1::AUDIT_OUTCOME_REFUSED);
    EXPECT_TRUE(absl::StrContains(entry->error(), why)) << entry->error();
    EXPECT_TRUE(absl::StrContains(entry->error(), "from peer 'coord'")) << entry->error();
  }

  testing::TempDir dir_;
  PrivateKey node_key_ = PrivateKey::Generate();
  PrivateKey origin_key_ = PrivateKey::Generate();
  v1::NodeConfig config_;
  Keyring keys_;
  std::unique_ptr<testing::NodeStorage> stack_;
  std::unique_ptr<ReplicationIntake> intake_;
  std::unique_ptr<CursorCipher> cursors_;
  std::unique_ptr<LinkDetector> detector_;
  std::unique_ptr<LinkNoticeIntake> notices_;
  CallContext peer_;
  uint64_t cursor_ = 100;
};

TEST_F(LinkNoticeIntakeTest, AValidAlertIsStoredWithFactsFromTheRecordsAndTheMembership) {
  ASSERT_TRUE(notices_->Take(peer_, ValidAlert()).ok());
  EXPECT_EQ(detector_->PeerCursor("coord"), cursor_);
  ASSERT_EQ(detector_->last_change(), 1u);
  v1::Alert stored;
  ASSERT_TRUE(detector_
                  ->ScanChanges(0,
                                [&](uint64_t, const v1::LinkChange& change) {
                                  EXPECT_EQ(change.received_from(), "coord");
                                  return stored.ParseFromString(change.received_alert());
                                })
                  .ok());
  EXPECT_EQ(stored.link_id(), "coord/0123456789abcdef0123456789abcdef");
  EXPECT_EQ(stored.found_at(), "coord");
  EXPECT_EQ(stored.a().origin_agency(), "agency-a");
  EXPECT_EQ(stored.a().sector(), v1::SECTOR_POLICE);
  EXPECT_EQ(stored.a().case_reference(), "CASE-1");
  EXPECT_EQ(stored.b().hit_notice().liaison(), "agency-c desk");
  EXPECT_EQ(stored.b().sector(), v1::SECTOR_COUNTER_TERRORISM);
  EXPECT_EQ(stored.kind(), "police ↔ counter-terrorism");
  EXPECT_TRUE(stored.crime_terror());
  EXPECT_EQ(stored.cursor(), 0u);
  EXPECT_TRUE(detector_->HasReceived("coord/0123456789abcdef0123456789abcdef"));
}

TEST_F(LinkNoticeIntakeTest, AMoreMarkerMovesTheCursorOnly) {
  v1::Alert more;
  more.set_more(true);
  more.set_cursor(555);
  const uint64_t entries = stack_->audit->size();
  ASSERT_TRUE(notices_->Take(peer_, more).ok());
  EXPECT_EQ(detector_->PeerCursor("coord"), 555u);
  EXPECT_EQ(detector_->last_change(), 0u);
  EXPECT_EQ(stack_->audit->size(), entries);
}

TEST_F(LinkNoticeIntakeTest, WhatAStrangerMustNotPlantIsRefusedAuditedAndPassedOver) {
  {
    v1::Alert alert = ValidAlert();
    alert.mutable_a()->mutable_record()->mutable_manifest()->back() ^= 1;
    ExpectRefused(alert, "does not verify");
  }
  {
    v1::Alert alert = ValidAlert();
    *alert.mutable_a()->mutable_record() = OriginRecord("+33 6 12 34 56 78", v1::TLP_RED);
    ExpectRefused(alert, "originator's limits forbid");
  }
  {
    v1::Alert alert = ValidAlert();
    alert.mutable_b()->mutable_hit_notice()->set_holder("agency-c");
    ExpectRefused(alert, "not by the peer that sent it");
  }
  {
    v1::Alert alert = ValidAlert();
    alert.mutable_b()->mutable_hit_notice()->set_origin_agency("nobody");
    ExpectRefused(alert, "not a member of the federation");
  }
  {
    v1::Alert alert = ValidAlert();
    alert.mutable_selectors(0)->set_value("+33699999999");
    ExpectRefused(alert, "is not disclosed by the records the alert carries");
  }
  {
    v1::Alert alert = ValidAlert();
    alert.set_link_id(std::string("evil\n\x1b[31m") + std::string(200, 'x'));
    ExpectRefused(alert, "is not a plain id");
  }
  {
    v1::Alert alert = ValidAlert();
    alert.set_event(v1::LINK_EVENT_FREQUENT_SELECTOR);
    ExpectRefused(alert, "is not one a peer tells of a link");
  }
  {
    v1::Alert alert = ValidAlert();
    *alert.mutable_a() = alert.b();
    ExpectRefused(alert, "neither side carries a record");
  }
  {
    v1::Alert alert = ValidAlert();
    alert.mutable_a()->clear_record();
    ExpectRefused(alert, "carries neither a record nor a hit notice");
  }
  // A valid alert after all that is taken.
  ASSERT_TRUE(notices_->Take(peer_, ValidAlert()).ok());
  EXPECT_EQ(detector_->last_change(), 1u);
}

}  // namespace
}  // namespace nexus
