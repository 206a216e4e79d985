// The publish path against a real store: versions, idempotence, origin-only updates, revoke.
#include "server/record_publisher.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "common/record_seal.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

class RecordPublisherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(keys_.Add("agency-a", "1", key_.public_key()).ok());
    auto store = RecordStore::Open(dir_.path());
    ASSERT_TRUE(store.ok());
    store_ = *std::move(store);
    publisher_ = std::make_unique<RecordPublisher>(
        RecordPublisher::Options{"agency-a", "1", 64 * 1024}, key_, &keys_, store_.get());
  }

  v1::PublishResult PublishOne(v1::Record draft, const std::string& caller = "agency-a") {
    return publisher_->Publish(caller, {std::move(draft)})[0];
  }

  testing::TempDir dir_;
  PrivateKey key_ = PrivateKey::Generate();
  Keyring keys_;
  std::unique_ptr<RecordStore> store_;
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
  std::vector<v1::PublishResult> results =
      publisher_->Publish("agency-a", {testing::SampleDraft(), bad, testing::SampleDraft()});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].outcome(), v1::PUBLISH_OUTCOME_STORED);
  EXPECT_EQ(results[1].outcome(), v1::PUBLISH_OUTCOME_REJECTED);
  EXPECT_EQ(results[1].error(), "indicator[0]: invalid IPv4 address '300.1.1.1'");
  EXPECT_EQ(results[1].code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(results[2].outcome(), v1::PUBLISH_OUTCOME_STORED);
  EXPECT_EQ(store_->last_cursor(), 2u);
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
  v1::PublishResult revoked = publisher_->Revoke("agency-a", first.id());
  ASSERT_EQ(revoked.outcome(), v1::PUBLISH_OUTCOME_STORED) << revoked.error();
  EXPECT_EQ(revoked.version(), 2u);
  auto opened = OpenRecord(*store_->Get(first.id(), 0), keys_);
  ASSERT_TRUE(opened.ok());
  EXPECT_TRUE(opened->record.revoked());
  EXPECT_EQ(opened->record.summary(), "A sample record.");
  EXPECT_EQ(publisher_->Revoke("agency-a", first.id()).outcome(), v1::PUBLISH_OUTCOME_UNCHANGED);

  v1::Record update = testing::SampleDraft();
  update.set_id(first.id());
  v1::PublishResult after = PublishOne(update);
  EXPECT_EQ(after.outcome(), v1::PUBLISH_OUTCOME_REJECTED);
  EXPECT_TRUE(absl::StrContains(after.error(), "is revoked")) << after.error();
}

TEST_F(RecordPublisherTest, OversizedRecordIsRefused) {
  v1::Record draft = testing::SampleDraft();
  draft.set_summary(std::string(70000, 'x'));
  v1::PublishResult result = PublishOne(draft);
  EXPECT_EQ(result.outcome(), v1::PUBLISH_OUTCOME_REJECTED);
  EXPECT_TRUE(absl::StrContains(result.error(), "the limit is 65536")) << result.error();
}

}  // namespace
}  // namespace nexus
