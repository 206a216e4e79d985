// The publish path against a real store: versions, idempotence, origin-only updates, revoke.
#include "server/record_publisher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/record_seal.h"
#include "common/uuid.h"
#include "server/version_times.h"
#include "tests/node_storage.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

// The authored content's size, as the record limit counts it.
size_t ContentBytes(v1::Record record) {
  record.clear_id();
  record.clear_version();
  return record.ByteSizeLong();
}

class RecordPublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(keys_.Add("agency-a", "1", key_.public_key()).ok());
    stack_ = testing::NodeStorage::Open(dir_.path(), key_);
    ASSERT_NE(stack_, nullptr);
    store_ = stack_->records.get();
    publisher_ =
        std::make_unique<RecordPublisher>(RecordPublisher::Options{"agency-a", "1", 16 * 1024},
                                          key_, &keys_, store_, stack_->audit.get());
  }

  static CallContext Caller(const std::string& agency) {
    CallContext call;
    call.actor.set_agency_id(agency);
    call.actor.set_role("analyst");
    call.request_id = "test";
    return call;
  }

  v1::PublishResult PublishOne(v1::Record draft, const std::string& caller = "agency-a") {
    return publisher_->Publish(Caller(caller), {std::move(draft)})[0];
  }

  // Every audit entry so far, parsed.
  std::vector<v1::AuditEntry> AuditEntries() {
    std::vector<v1::AuditEntry> entries;
    EXPECT_TRUE(stack_->audit
                    ->ScanEntries(0, UINT64_MAX, false,
                                  [&](uint64_t, const std::string& bytes, const auto&) {
                                    entries.emplace_back().ParseFromString(bytes);
                                    return true;
                                  })
                    .ok());
    return entries;
  }

  testing::TempDir dir_;
  PrivateKey key_ = PrivateKey::Generate();
  Keyring keys_;
  std::unique_ptr<testing::NodeStorage> stack_;
  RecordStore* store_ = nullptr;
  std::unique_ptr<RecordPublisher> publisher_;
};

TEST_F(RecordPublisherTest, NewRecordGetsIdVersionOneAndAVerifiableSignature) {
  v1::PublishResult result = PublishOne(testing::SampleDraft());
  ASSERT_EQ(result.outcome(), v1::PUBLISH_OUTCOME_STORED) << result.error();
  EXPECT_EQ(result.version(), 1u);
  EXPECT_EQ(result.cursor(), 1u);
  absl::StatusOr<v1::SignedRecord> stored = store_->Get(result.id(), 0);
  ASSERT_TRUE(stored.ok());
  absl::StatusOr<OpenedRecord> opened = OpenRecord(*stored, keys_);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->record.origin_agency(), "agency-a");
  EXPECT_EQ(opened->record.indicators(0).normalized(), "+33612345678");
  EXPECT_GT(opened->record.created_unix_micros(), 0);
}

TEST_F(RecordPublisherTest, BadRecordFailsAloneInABatch) {
  v1::Record bad = testing::SampleDraft({{v1::INDICATOR_TYPE_IPV4, "300.1.1.1"}});
  std::vector<v1::PublishResult> results = publisher_->Publish(
      Caller("agency-a"), {testing::SampleDraft(), bad, testing::SampleDraft()});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].outcome(), v1::PUBLISH_OUTCOME_STORED);
  EXPECT_EQ(results[1].outcome(), v1::PUBLISH_OUTCOME_REJECTED);
  EXPECT_EQ(results[1].error(), "indicator[0]: invalid IPv4 address '300.1.1.1'");
  EXPECT_EQ(results[1].code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(results[2].outcome(), v1::PUBLISH_OUTCOME_STORED);
  EXPECT_EQ(store_->last_cursor(), 2u);
}

// A batch large enough to be prepared on every core: each draft keeps its place (results,
// cursors and audit entries in the order sent), bad drafts fail alone wherever they fall, and
// every stored version carries its own verifiable signature over its own content.
TEST_F(RecordPublisherTest, ALargeBatchPreparedOnEveryCoreKeepsItsOrder) {
  constexpr int kDrafts = 300;
  std::vector<v1::Record> drafts;
  for (int i = 0; i < kDrafts; ++i) {
    drafts.push_back(i % 37 == 5
                         ? testing::SampleDraft({{v1::INDICATOR_TYPE_IPV4, "300.1.1.1"}})
                         : testing::SampleDraft({{v1::INDICATOR_TYPE_IPV4,
                                                  absl::StrCat("10.0.", i / 256, ".", i % 256)}}));
  }
  std::vector<v1::PublishResult> results = publisher_->Publish(Caller("agency-a"), drafts);
  ASSERT_EQ(results.size(), static_cast<size_t>(kDrafts));
  uint64_t cursor = 0;
  std::set<std::string> ids;
  for (int i = 0; i < kDrafts; ++i) {
    if (i % 37 == 5) {
      EXPECT_EQ(results[i].outcome(), v1::PUBLISH_OUTCOME_REJECTED) << i;
      continue;
    }
    ASSERT_EQ(results[i].outcome(), v1::PUBLISH_OUTCOME_STORED) << i << results[i].error();
    EXPECT_GT(results[i].cursor(), cursor) << i;  // stored in the order sent
    cursor = results[i].cursor();
    EXPECT_TRUE(ids.insert(results[i].id()).second) << i;
    absl::StatusOr<v1::SignedRecord> stored = store_->Get(results[i].id(), 1);
    ASSERT_TRUE(stored.ok()) << i;
    absl::StatusOr<OpenedRecord> opened = OpenRecord(*stored, keys_);
    ASSERT_TRUE(opened.ok()) << i << opened.status();
    EXPECT_EQ(opened->record.indicators(0).value(), drafts[i].indicators(0).value()) << i;
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kDrafts - (kDrafts + 31) / 37));
  // One audit entry per draft, stored ones naming their record in the order sent.
  std::vector<v1::AuditEntry> entries = AuditEntries();
  std::vector<std::string> stored_order;
  for (const v1::AuditEntry& entry : entries) {
    if (entry.outcome() == v1::AUDIT_OUTCOME_OK && entry.targets_size() == 1) {
      stored_order.push_back(entry.targets(0).record_id());
    }
  }
  std::vector<std::string> expected_order;
  for (int i = 0; i < kDrafts; ++i) {
    if (results[i].outcome() == v1::PUBLISH_OUTCOME_STORED)
      expected_order.push_back(results[i].id());
  }
  EXPECT_EQ(stored_order, expected_order);
  EXPECT_EQ(entries.size(), static_cast<size_t>(kDrafts));
}

TEST_F(RecordPublisherTest, UpdatesKeepCreatedTimeAndRaiseTheVersion) {
  v1::PublishResult first = PublishOne(testing::SampleDraft());
  v1::Record update = testing::SampleDraft();
  update.set_id(first.id());
  update.set_summary("Updated.");
  v1::PublishResult second = PublishOne(update);
  ASSERT_EQ(second.outcome(), v1::PUBLISH_OUTCOME_STORED) << second.error();
  EXPECT_EQ(second.version(), 2u);
  auto v1 = DecodeStoredRecord(*store_->Get(first.id(), 1));
  auto v2 = DecodeStoredRecord(*store_->Get(first.id(), 2));
  EXPECT_EQ(v1->record.created_unix_micros(), v2->record.created_unix_micros());
  EXPECT_EQ(v2->record.summary(), "Updated.");
}

TEST_F(RecordPublisherTest, RetriedVersionIsAnIdempotentNoOp) {
  v1::Record draft = testing::SampleDraft();
  v1::PublishResult first = PublishOne(draft);
  draft.set_id(first.id());
  draft.set_version(1);
  v1::PublishResult retry = PublishOne(draft);
  EXPECT_EQ(retry.outcome(), v1::PUBLISH_OUTCOME_UNCHANGED) << retry.error();
  EXPECT_EQ(retry.version(), 1u);
  EXPECT_EQ(store_->last_cursor(), 1u);

  draft.set_summary("Different.");
  v1::PublishResult conflict = PublishOne(draft);
  EXPECT_EQ(conflict.outcome(), v1::PUBLISH_OUTCOME_REJECTED);
  EXPECT_EQ(conflict.code(), static_cast<int>(absl::StatusCode::kAlreadyExists));
  EXPECT_TRUE(absl::StrContains(conflict.error(), "already stored with different content"))
      << conflict.error();
}

TEST_F(RecordPublisherTest, SkippedVersionIsRefused) {
  v1::PublishResult first = PublishOne(testing::SampleDraft());
  v1::Record draft = testing::SampleDraft();
  draft.set_id(first.id());
  draft.set_version(5);
  v1::PublishResult result = PublishOne(draft);
  EXPECT_EQ(result.outcome(), v1::PUBLISH_OUTCOME_REJECTED);
  EXPECT_TRUE(absl::StrContains(result.error(), "skips versions: the latest is 1"));
}

TEST_F(RecordPublisherTest, CallerCannotPublishAsAnotherAgency) {
  v1::Record draft = testing::SampleDraft();
  draft.set_origin_agency("agency-b");
  v1::PublishResult result = PublishOne(draft);
  EXPECT_EQ(result.outcome(), v1::PUBLISH_OUTCOME_REJECTED);
  EXPECT_EQ(result.error(), "agency 'agency-a' cannot publish as 'agency-b'");
  v1::PublishResult foreign = PublishOne(testing::SampleDraft(), "agency-b");
  EXPECT_EQ(foreign.code(), static_cast<int>(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(store_->last_cursor(), 0u);
}

TEST_F(RecordPublisherTest, RevokeStoresASignedRevokedVersionOnce) {
  v1::PublishResult first = PublishOne(testing::SampleDraft());
  v1::PublishResult revoked = publisher_->Revoke(Caller("agency-a"), first.id());
  ASSERT_EQ(revoked.outcome(), v1::PUBLISH_OUTCOME_STORED) << revoked.error();
  EXPECT_EQ(revoked.version(), 2u);
  auto opened = OpenRecord(*store_->Get(first.id(), 0), keys_);
  ASSERT_TRUE(opened.ok());
  EXPECT_TRUE(opened->record.revoked());
  EXPECT_EQ(opened->record.summary(), "A sample record.");
  EXPECT_EQ(publisher_->Revoke(Caller("agency-a"), first.id()).outcome(),
            v1::PUBLISH_OUTCOME_UNCHANGED);

  v1::Record update = testing::SampleDraft();
  update.set_id(first.id());
  v1::PublishResult after = PublishOne(update);
  EXPECT_EQ(after.outcome(), v1::PUBLISH_OUTCOME_REJECTED);
  EXPECT_TRUE(absl::StrContains(after.error(), "is revoked")) << after.error();
}

TEST_F(RecordPublisherTest, OversizedRecordIsRefused) {
  // Many small, individually valid parts: only the whole-record limit (16 KiB here) can refuse.
  std::vector<std::pair<v1::IndicatorType, std::string>> indicators;
  for (int i = 0; i < 800; ++i) {
    indicators.emplace_back(v1::INDICATOR_TYPE_DOMAIN, absl::StrCat("host-", i, ".example.org"));
  }
  v1::PublishResult result = PublishOne(testing::SampleDraft(indicators));
  EXPECT_EQ(result.outcome(), v1::PUBLISH_OUTCOME_REJECTED);
  EXPECT_TRUE(absl::StrContains(result.error(), "; the limit is 16384")) << result.error();
  indicators.resize(200);
  EXPECT_EQ(PublishOne(testing::SampleDraft(indicators)).outcome(), v1::PUBLISH_OUTCOME_STORED);
}

TEST_F(RecordPublisherTest, RecordAtTheLimitCanStillBeRevoked) {
  v1::Record draft = testing::SampleDraft();
  draft.set_summary(std::string(16 * 1024 - ContentBytes(draft) - 4, 'x'));  // 3 bytes of framing
  v1::PublishResult stored = PublishOne(draft);
  ASSERT_EQ(stored.outcome(), v1::PUBLISH_OUTCOME_STORED) << stored.error();
  EXPECT_EQ(publisher_->Revoke(Caller("agency-a"), stored.id()).outcome(),
            v1::PUBLISH_OUTCOME_STORED);
}

TEST_F(RecordPublisherTest, UnknownFieldsAreNotSigned) {
  v1::Record draft = testing::SampleDraft();
  draft.mutable_indicators(0)
      ->GetReflection()
      ->MutableUnknownFields(draft.mutable_indicators(0))
      ->AddLengthDelimited(99, "hidden channel");
  v1::PublishResult result = PublishOne(draft);
  ASSERT_EQ(result.outcome(), v1::PUBLISH_OUTCOME_STORED);
  EXPECT_FALSE(
      absl::StrContains(store_->Get(result.id(), 0)->SerializeAsString(), "hidden channel"));
}

TEST_F(RecordPublisherTest, ConcurrentUpdatesWithoutVersionAllSucceed) {
  v1::PublishResult first = PublishOne(testing::SampleDraft());
  std::vector<std::thread> threads;
  std::atomic<int> stored{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 5; ++i) {
        v1::Record update = testing::SampleDraft();
        update.set_id(first.id());
        update.set_summary(absl::StrCat("update ", t, ".", i));
        if (PublishOne(update).outcome() == v1::PUBLISH_OUTCOME_STORED) ++stored;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(stored.load(), 40);
  EXPECT_EQ(*store_->LatestVersion(first.id()), 41u);
}

TEST_F(RecordPublisherTest, ConcurrentRetriesOfOneVersionAreIdempotent) {
  v1::PublishResult first = PublishOne(testing::SampleDraft());
  v1::Record update = testing::SampleDraft();
  update.set_id(first.id());
  update.set_version(2);
  update.set_summary("v2");
  std::vector<std::thread> threads;
  std::atomic<int> stored{0}, unchanged{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      v1::PublishOutcome outcome = PublishOne(update).outcome();
      if (outcome == v1::PUBLISH_OUTCOME_STORED) ++stored;
      if (outcome == v1::PUBLISH_OUTCOME_UNCHANGED) ++unchanged;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(stored.load(), 1);
  EXPECT_EQ(unchanged.load(), 7);
}

TEST_F(RecordPublisherTest, EveryDraftIsAuditedOnce) {
  v1::Record bad = testing::SampleDraft({{v1::INDICATOR_TYPE_IPV4, "300.1.1.1"}});
  std::vector<v1::PublishResult> results =
      publisher_->Publish(Caller("agency-a"), {testing::SampleDraft(), bad});
  v1::Record retry = testing::SampleDraft();
  retry.set_id(results[0].id());
  retry.set_version(1);
  PublishOne(retry);  // unchanged
  std::vector<v1::AuditEntry> entries = AuditEntries();
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].outcome(), v1::AUDIT_OUTCOME_OK);
  EXPECT_EQ(entries[0].targets(0).record_id(), results[0].id());
  EXPECT_EQ(entries[1].outcome(), v1::AUDIT_OUTCOME_REFUSED);
  EXPECT_EQ(entries[1].error(), "indicator[0]: invalid IPv4 address '300.1.1.1'");
  EXPECT_EQ(entries[2].outcome(), v1::AUDIT_OUTCOME_UNCHANGED);
  for (const auto& entry : entries) {
    EXPECT_EQ(entry.action(), v1::AUDIT_ACTION_PUBLISH);
    EXPECT_EQ(entry.actor().agency_id(), "agency-a");
  }
}

// ---- Author-supplied times (importers keep their source's) ----

constexpr int64_t k2020 = 1'577'836'800'000'000;  // 2020-01-01T00:00:00Z
constexpr int64_t k2021 = 1'609'459'200'000'000;  // 2021-01-01T00:00:00Z
constexpr int64_t k2022 = 1'640'995'200'000'000;  // 2022-01-01T00:00:00Z

v1::Record Timed(int64_t created, int64_t modified, const std::string& id = "") {
  v1::Record draft = testing::SampleDraft();
  draft.set_id(id);
  draft.set_created_unix_micros(created);
  draft.set_modified_unix_micros(modified);
  return draft;
}

int64_t NowMicros() { return absl::ToUnixMicros(absl::Now()); }

TEST_F(RecordPublisherTest, AuthoredTimesAreKept) {
  v1::PublishResult first = PublishOne(Timed(k2020, k2021));
  ASSERT_EQ(first.outcome(), v1::PUBLISH_OUTCOME_STORED) << first.error();
  auto v1 = DecodeStoredRecord(*store_->Get(first.id(), 1));
  EXPECT_EQ(v1->record.created_unix_micros(), k2020);
  EXPECT_EQ(v1->record.modified_unix_micros(), k2021);

  // An update names its modified time and leaves created to the record, or gives the same.
  v1::Record update = Timed(0, k2022, first.id());
  update.set_summary("Updated.");
  ASSERT_EQ(PublishOne(update).outcome(), v1::PUBLISH_OUTCOME_STORED);
  auto v2 = DecodeStoredRecord(*store_->Get(first.id(), 2));
  EXPECT_EQ(v2->record.created_unix_micros(), k2020);
  EXPECT_EQ(v2->record.modified_unix_micros(), k2022);
  update = Timed(k2020, k2022 + 1, first.id());
  update.set_summary("Updated again.");
  ASSERT_EQ(PublishOne(update).outcome(), v1::PUBLISH_OUTCOME_STORED);
  EXPECT_EQ(DecodeStoredRecord(*store_->Get(first.id(), 3))->record.modified_unix_micros(),
            k2022 + 1);
}

TEST_F(RecordPublisherTest, TimesNotGivenAreTheClocks) {
  const int64_t before = NowMicros();
  v1::PublishResult first = PublishOne(testing::SampleDraft());
  const int64_t after = NowMicros();
  auto opened = DecodeStoredRecord(*store_->Get(first.id(), 0));
  EXPECT_GE(opened->record.created_unix_micros(), before);
  EXPECT_LE(opened->record.modified_unix_micros(), after);
  EXPECT_EQ(opened->record.created_unix_micros(), opened->record.modified_unix_micros());

  // A new record given only its modified time was created then.
  v1::PublishResult dated = PublishOne(Timed(0, k2021));
  ASSERT_EQ(dated.outcome(), v1::PUBLISH_OUTCOME_STORED) << dated.error();
  opened = DecodeStoredRecord(*store_->Get(dated.id(), 0));
  EXPECT_EQ(opened->record.created_unix_micros(), k2021);
  EXPECT_EQ(opened->record.modified_unix_micros(), k2021);

  // Given only its created time, it was modified now.
  v1::PublishResult created = PublishOne(Timed(k2021, 0));
  ASSERT_EQ(created.outcome(), v1::PUBLISH_OUTCOME_STORED) << created.error();
  opened = DecodeStoredRecord(*store_->Get(created.id(), 0));
  EXPECT_EQ(opened->record.created_unix_micros(), k2021);
  EXPECT_GE(opened->record.modified_unix_micros(), before);
}

TEST_F(RecordPublisherTest, EachBoundOnAGivenTimeIsRefusedWithItsMessage) {
  struct Probe {
    int64_t created, modified;
    std::string error;  // the whole message, or its start when it quotes the clock
  };
  const int64_t future = NowMicros() + absl::ToInt64Microseconds(absl::Minutes(6));
  const Probe probes[] = {
      {-1, 0, "created_unix_micros 1969-12-31T23:59:59.999999Z is not after 1970-01-01T00:00:00Z"},
      {0, -1'000'000,
       "modified_unix_micros 1969-12-31T23:59:59Z is not after 1970-01-01T00:00:00Z"},
      {k2020, -1, "modified_unix_micros 1969-12-31T23:59:59.999999Z is not after"},
      {future, 0, "created_unix_micros " + Rfc3339Micros(future) + " is in the future: "},
      {0, future, "modified_unix_micros " + Rfc3339Micros(future) + " is in the future: "},
      {k2021, k2020,
       "modified_unix_micros 2020-01-01T00:00:00Z is before the created time "
       "2021-01-01T00:00:00Z"},
      {k2021, k2021 - 1,
       "modified_unix_micros 2020-12-31T23:59:59.999999Z is before the created time "
       "2021-01-01T00:00:00Z"},
  };
  for (const Probe& probe : probes) {
    v1::PublishResult result = PublishOne(Timed(probe.created, probe.modified));
    EXPECT_EQ(result.outcome(), v1::PUBLISH_OUTCOME_REJECTED) << probe.error;
    EXPECT_EQ(result.code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
    EXPECT_TRUE(absl::StartsWith(result.error(), probe.error)) << result.error();
  }
  EXPECT_EQ(store_->last_cursor(), 0u);
  EXPECT_TRUE(
      absl::StrContains(PublishOne(Timed(0, future)).error(), "and allows 5m of clock skew"));
  // Inside the skew, and equal times, are fine.
  const int64_t ahead = NowMicros() + absl::ToInt64Microseconds(absl::Minutes(4));
  EXPECT_EQ(PublishOne(Timed(ahead, ahead)).outcome(), v1::PUBLISH_OUTCOME_STORED);
  EXPECT_EQ(PublishOne(Timed(1, 1)).outcome(), v1::PUBLISH_OUTCOME_STORED);
}

TEST_F(RecordPublisherTest, AnUpdateMustBeModifiedAfterTheLatestVersion) {
  v1::PublishResult first = PublishOne(Timed(k2020, k2021));
  // Equal, earlier, and even before the record's created time: the latest version is the bound.
  for (int64_t modified : {k2021, k2021 - 1, k2020, k2020 - 1}) {
    v1::Record update = Timed(0, modified, first.id());
    update.set_summary("Updated.");
    v1::PublishResult result = PublishOne(update);
    EXPECT_EQ(result.outcome(), v1::PUBLISH_OUTCOME_REJECTED);
    EXPECT_EQ(result.code(), static_cast<int>(absl::StatusCode::kFailedPrecondition));
    EXPECT_EQ(result.error(), absl::StrCat("modified_unix_micros ", Rfc3339Micros(modified),
                                           " is not after the latest version's modified "
                                           "2021-01-01T00:00:00Z (version 1)"));
  }
  EXPECT_EQ(store_->last_cursor(), 1u);
  v1::Record update = Timed(0, k2021 + 1, first.id());
  update.set_summary("Updated.");
  EXPECT_EQ(PublishOne(update).outcome(), v1::PUBLISH_OUTCOME_STORED);
}

TEST_F(RecordPublisherTest, WithSourceTimesAChangedImportFollowsTheLatestVersion) {
  // An import publishes with its source's times; the same object imported again with stricter
  // markings has the same time, and must still be storable (never refused: tightening).
  v1::Record draft = Timed(k2020, k2021, "5f0c3f7a-1b2c-4d3e-8f4a-5b6c7d8e9f01");
  const PublishOptions import{.skip_unchanged = true, .source_times = true};
  ASSERT_EQ(publisher_->Publish(Caller("agency-a"), {draft}, import)[0].outcome(),
            v1::PUBLISH_OUTCOME_STORED);
  draft.set_tlp(v1::TLP_AMBER_STRICT);
  v1::PublishResult tighter = publisher_->Publish(Caller("agency-a"), {draft}, import)[0];
  ASSERT_EQ(tighter.outcome(), v1::PUBLISH_OUTCOME_STORED) << tighter.error();
  auto v2 = DecodeStoredRecord(*store_->Get(draft.id(), 2));
  EXPECT_EQ(v2->record.tlp(), v1::TLP_AMBER_STRICT);
  EXPECT_EQ(v2->record.modified_unix_micros(), k2021 + 1);  // its age barely moves
  EXPECT_EQ(v2->record.created_unix_micros(), k2020);
  // The same content again is unchanged; a later source time is kept as given.
  EXPECT_EQ(publisher_->Publish(Caller("agency-a"), {draft}, import)[0].outcome(),
            v1::PUBLISH_OUTCOME_UNCHANGED);
  draft.set_summary("Revised at the source.");
  draft.set_modified_unix_micros(k2022);
  ASSERT_EQ(publisher_->Publish(Caller("agency-a"), {draft}, import)[0].outcome(),
            v1::PUBLISH_OUTCOME_STORED);
  EXPECT_EQ(DecodeStoredRecord(*store_->Get(draft.id(), 3))->record.modified_unix_micros(), k2022);
  // Without source_times the rule holds as before: a given time must be after the latest's.
  draft.set_summary("Revised again.");
  v1::PublishResult refused = PublishOne(draft);
  EXPECT_EQ(refused.outcome(), v1::PUBLISH_OUTCOME_REJECTED);
  EXPECT_TRUE(absl::StrContains(refused.error(), "is not after the latest version's"))
      << refused.error();
}

TEST_F(RecordPublisherTest, AnUpdateKeepsTheCreatedTime) {
  v1::PublishResult first = PublishOne(Timed(k2020, k2021));
  v1::Record update = Timed(k2020 + 1, k2022, first.id());
  update.set_summary("Updated.");
  v1::PublishResult result = PublishOne(update);
  EXPECT_EQ(result.outcome(), v1::PUBLISH_OUTCOME_REJECTED);
  EXPECT_EQ(result.code(), static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(result.error(),
            "created_unix_micros 2020-01-01T00:00:00.000001Z differs from the record's created "
            "2020-01-01T00:00:00Z: an update keeps it (give the same time, or none)");
  EXPECT_EQ(store_->last_cursor(), 1u);
}

// An author's clock ahead of the node's (within the skew) must not make the next version, or a
// revoke, older than the latest: they follow it by a microsecond.
TEST_F(RecordPublisherTest, VersionsAfterAFutureModifiedStayAfterIt) {
  const int64_t ahead = NowMicros() + absl::ToInt64Microseconds(absl::Minutes(4));
  v1::PublishResult first = PublishOne(Timed(0, ahead));
  ASSERT_EQ(first.outcome(), v1::PUBLISH_OUTCOME_STORED) << first.error();
  v1::Record update = testing::SampleDraft();
  update.set_id(first.id());
  update.set_summary("Updated.");
  ASSERT_EQ(PublishOne(update).outcome(), v1::PUBLISH_OUTCOME_STORED);
  EXPECT_EQ(DecodeStoredRecord(*store_->Get(first.id(), 2))->record.modified_unix_micros(),
            ahead + 1);
  v1::PublishResult revoked = publisher_->Revoke(Caller("agency-a"), first.id());
  ASSERT_EQ(revoked.outcome(), v1::PUBLISH_OUTCOME_STORED) << revoked.error();
  auto v3 = DecodeStoredRecord(*store_->Get(first.id(), 3));
  EXPECT_EQ(v3->record.modified_unix_micros(), ahead + 2);
  EXPECT_EQ(v3->record.created_unix_micros(), ahead);
}

TEST_F(RecordPublisherTest, RevokeIsModifiedNowAndKeepsCreated) {
  v1::PublishResult first = PublishOne(Timed(k2020, k2021));
  const int64_t before = NowMicros();
  ASSERT_EQ(publisher_->Revoke(Caller("agency-a"), first.id()).outcome(),
            v1::PUBLISH_OUTCOME_STORED);
  auto revoked = DecodeStoredRecord(*store_->Get(first.id(), 2));
  EXPECT_TRUE(revoked->record.revoked());
  EXPECT_EQ(revoked->record.created_unix_micros(), k2020);
  EXPECT_GE(revoked->record.modified_unix_micros(), before);
}

// ---- skip_unchanged: idempotent re-imports ----

TEST_F(RecordPublisherTest, SkipUnchangedAnswersTheLatestVersionAndStoresNothing) {
  const PublishOptions skip{.skip_unchanged = true};
  v1::Record draft = Timed(k2020, k2021, NewUuid());
  ASSERT_EQ(publisher_->Publish(Caller("agency-a"), {draft}, skip)[0].outcome(),
            v1::PUBLISH_OUTCOME_STORED);
  v1::Record changed = draft;
  changed.set_summary("Changed.");
  changed.set_modified_unix_micros(k2022);
  ASSERT_EQ(PublishOne(changed).outcome(), v1::PUBLISH_OUTCOME_STORED);
  ASSERT_EQ(store_->last_cursor(), 2u);
  const size_t entries = AuditEntries().size();

  // The same content again, whatever its times: the latest version, nothing stored.
  for (int64_t modified : {k2022, k2022 + 5, int64_t{0}}) {
    changed.set_modified_unix_micros(modified);
    v1::PublishResult again = publisher_->Publish(Caller("agency-a"), {changed}, skip)[0];
    EXPECT_EQ(again.outcome(), v1::PUBLISH_OUTCOME_UNCHANGED) << again.error();
    EXPECT_EQ(again.id(), draft.id());
    EXPECT_EQ(again.version(), 2u);
    EXPECT_EQ(again.cursor(), 0u);
  }
  EXPECT_EQ(store_->last_cursor(), 2u);
  std::vector<v1::AuditEntry> audit = AuditEntries();
  ASSERT_EQ(audit.size(), entries + 3);
  EXPECT_EQ(audit.back().outcome(), v1::AUDIT_OUTCOME_UNCHANGED);
  EXPECT_EQ(audit.back().targets(0).version(), 2u);

  // Equal to an older version is not equal to the latest: a new version.
  v1::Record back = draft;
  back.set_modified_unix_micros(k2022 + 10);
  v1::PublishResult restored = publisher_->Publish(Caller("agency-a"), {back}, skip)[0];
  EXPECT_EQ(restored.outcome(), v1::PUBLISH_OUTCOME_STORED) << restored.error();
  EXPECT_EQ(restored.version(), 3u);
}

TEST_F(RecordPublisherTest, SkipUnchangedStoresChangedContent) {
  const PublishOptions skip{.skip_unchanged = true};
  v1::Record draft = testing::SampleDraft();
  draft.set_id(NewUuid());
  ASSERT_EQ(PublishOne(draft).outcome(), v1::PUBLISH_OUTCOME_STORED);
  for (auto change : std::vector<std::function<void(v1::Record&)>>{
           [](v1::Record& r) { r.set_summary("Changed."); },
           [](v1::Record& r) { r.set_tlp(v1::TLP_AMBER); },
           [](v1::Record& r) { r.mutable_indicators(0)->set_value("+33 6 00 00 00 00"); },
           [](v1::Record& r) { r.mutable_tags()->add_values("new"); },
       }) {
    change(draft);
    v1::PublishResult result = publisher_->Publish(Caller("agency-a"), {draft}, skip)[0];
    EXPECT_EQ(result.outcome(), v1::PUBLISH_OUTCOME_STORED) << result.error();
  }
  EXPECT_EQ(*store_->LatestVersion(draft.id()), 5u);
}

// The same value written differently is the same content once normalized; an empty list that
// is never sealed is no content.
TEST_F(RecordPublisherTest, SkipUnchangedComparesWhatWouldBeStored) {
  const PublishOptions skip{.skip_unchanged = true};
  v1::Record draft = testing::SampleDraft();
  draft.set_id(NewUuid());
  draft.clear_tags();
  ASSERT_EQ(PublishOne(draft).outcome(), v1::PUBLISH_OUTCOME_STORED);
  draft.mutable_tags();  // present, empty
  draft.mutable_related();
  draft.mutable_indicators(0)->set_normalized("anything: the node sets it");
  EXPECT_EQ(publisher_->Publish(Caller("agency-a"), {draft}, skip)[0].outcome(),
            v1::PUBLISH_OUTCOME_UNCHANGED);
  EXPECT_EQ(store_->last_cursor(), 1u);
}

TEST_F(RecordPublisherTest, WithoutSkipUnchangedTheSameContentIsANewVersion) {
  v1::Record draft = testing::SampleDraft();
  draft.set_id(NewUuid());
  ASSERT_EQ(PublishOne(draft).outcome(), v1::PUBLISH_OUTCOME_STORED);
  v1::PublishResult again = PublishOne(draft);
  EXPECT_EQ(again.outcome(), v1::PUBLISH_OUTCOME_STORED) << again.error();
  EXPECT_EQ(again.version(), 2u);
  EXPECT_EQ(store_->last_cursor(), 2u);
}

// skip_unchanged is for drafts without a version; a revoked record stays closed to updates.
TEST_F(RecordPublisherTest, SkipUnchangedLeavesExplicitVersionsAndRevokedRecordsAlone) {
  const PublishOptions skip{.skip_unchanged = true};
  v1::Record draft = testing::SampleDraft();
  draft.set_id(NewUuid());
  ASSERT_EQ(PublishOne(draft).outcome(), v1::PUBLISH_OUTCOME_STORED);
  draft.set_version(2);
  v1::PublishResult explicit_version = publisher_->Publish(Caller("agency-a"), {draft}, skip)[0];
  EXPECT_EQ(explicit_version.outcome(), v1::PUBLISH_OUTCOME_STORED) << explicit_version.error();
  EXPECT_EQ(explicit_version.version(), 2u);

  ASSERT_EQ(publisher_->Revoke(Caller("agency-a"), draft.id()).outcome(),
            v1::PUBLISH_OUTCOME_STORED);
  draft.set_version(0);
  v1::PublishResult after = publisher_->Publish(Caller("agency-a"), {draft}, skip)[0];
  EXPECT_EQ(after.outcome(), v1::PUBLISH_OUTCOME_REJECTED);
  EXPECT_TRUE(absl::StrContains(after.error(), "a revoked record cannot be updated"))
      << after.error();
  EXPECT_EQ(store_->last_cursor(), 3u);
}

TEST_F(RecordPublisherTest, SkipUnchangedStoresANewIdAsVersionOne) {
  v1::Record draft = testing::SampleDraft();
  draft.set_id(NewUuid());
  v1::PublishResult result =
      publisher_->Publish(Caller("agency-a"), {draft, testing::SampleDraft()},
                          PublishOptions{.skip_unchanged = true})[0];
  EXPECT_EQ(result.outcome(), v1::PUBLISH_OUTCOME_STORED) << result.error();
  EXPECT_EQ(result.version(), 1u);
  EXPECT_EQ(store_->last_cursor(), 2u);
}

// A stream prepares its next batch while the one before commits: what the later batch decided
// from the store is decided again at its commit, so the results are those of the batches
// published one after the other.
TEST_F(RecordPublisherTest, ABatchPreparedBeforeTheOneAheadCommitsIsDecidedAtItsCommit) {
  const PublishOptions skip{.skip_unchanged = true};
  v1::Record original = Timed(k2020, k2021, NewUuid());
  ASSERT_EQ(PublishOne(original).outcome(), v1::PUBLISH_OUTCOME_STORED);
  v1::Record changed = original;
  changed.set_summary("Changed.");
  changed.set_modified_unix_micros(k2022);
  v1::Record revoked_later = Timed(k2020, k2021, NewUuid());
  ASSERT_EQ(PublishOne(revoked_later).outcome(), v1::PUBLISH_OUTCOME_STORED);
  v1::Record fresh = testing::SampleDraft();  // no id: found by its content once stored
  fresh.set_summary("Fresh content.");

  const size_t audited_before = AuditEntries().size();
  // Ahead: the change and a new record.
  RecordPublisher::Batch ahead = publisher_->Prepare(Caller("agency-a"), {changed, fresh}, skip);
  // Behind, prepared before `ahead` commits: back to the original content (unchanged now, not
  // once the change is stored), version 2 of the first record given explicitly (absent now,
  // the change's once it is stored), the new record's content again, and a further change
  // (prepared as version 2, stored as 4).
  v1::Record back = original;
  back.set_modified_unix_micros(k2022 + 10);
  v1::Record explicit_two = changed;
  explicit_two.set_version(2);
  v1::Record further = changed;
  further.set_summary("Changed again.");
  further.set_modified_unix_micros(k2022 + 20);
  RecordPublisher::Batch behind =
      publisher_->Prepare(Caller("agency-a"), {back, explicit_two, fresh, further}, skip);

  std::vector<v1::PublishResult> first = publisher_->Commit(std::move(ahead));
  ASSERT_EQ(first[0].outcome(), v1::PUBLISH_OUTCOME_STORED) << first[0].error();
  ASSERT_EQ(first[1].outcome(), v1::PUBLISH_OUTCOME_STORED) << first[1].error();
  std::vector<v1::PublishResult> second = publisher_->Commit(std::move(behind));
  // Back to the original is a change from the latest: a new version 3.
  EXPECT_EQ(second[0].outcome(), v1::PUBLISH_OUTCOME_STORED) << second[0].error();
  EXPECT_EQ(second[0].version(), 3u);
  // Version 2 given explicitly: absent when prepared; at commit it holds exactly this content,
  // so it is a retried publish, a no-op.
  EXPECT_EQ(second[1].outcome(), v1::PUBLISH_OUTCOME_UNCHANGED) << second[1].error();
  EXPECT_EQ(second[1].version(), 2u);
  // The new record's content is now stored: the same record, not a second one.
  EXPECT_EQ(second[2].outcome(), v1::PUBLISH_OUTCOME_UNCHANGED) << second[2].error();
  EXPECT_EQ(second[2].id(), first[1].id());
  EXPECT_EQ(second[3].outcome(), v1::PUBLISH_OUTCOME_STORED) << second[3].error();
  EXPECT_EQ(second[3].version(), 4u);
  EXPECT_EQ(*store_->LatestVersion(original.id()), 4u);
  EXPECT_EQ(store_->last_cursor(), 6u);
  // One audit entry per draft, as if published one after the other: none refused on the way.
  std::vector<v1::AuditEntry> audit = AuditEntries();
  ASSERT_EQ(audit.size(), audited_before + 6);
  for (size_t i = audited_before; i < audit.size(); ++i) {
    EXPECT_NE(audit[i].outcome(), v1::AUDIT_OUTCOME_REFUSED) << audit[i].error();
  }

  // A revoke between the prepare and the commit of an update: the update is refused.
  v1::Record update = revoked_later;
  update.set_summary("Updated after the revoke.");
  update.set_modified_unix_micros(k2022);
  RecordPublisher::Batch late = publisher_->Prepare(Caller("agency-a"), {update}, skip);
  ASSERT_EQ(publisher_->Revoke(Caller("agency-a"), revoked_later.id()).outcome(),
            v1::PUBLISH_OUTCOME_STORED);
  v1::PublishResult refused = publisher_->Commit(std::move(late))[0];
  EXPECT_EQ(refused.outcome(), v1::PUBLISH_OUTCOME_REJECTED);
  EXPECT_TRUE(absl::StrContains(refused.error(), "revoked")) << refused.error();
}

}  // namespace
}  // namespace nexus
