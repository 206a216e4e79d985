// The receiving side of the record store: versions from peers stored with the peer's cursor in
// one batch; idempotent by (id, version); parts added only when they verify against the same
// signed manifest; another manifest for a held version kept as equivocation evidence; an id held
// for one origin never taken for another.
#include <gtest/gtest.h>

#include "common/record_seal.h"
#include "common/storage/store_keys.h"
#include "common/uuid.h"
#include "server/record_store.h"
#include "tests/node_storage.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

const PrivateKey& OriginKey() {
  static const PrivateKey* key = new PrivateKey(PrivateKey::Generate());
  return *key;
}

v1::SignedRecord Seal(const std::string& id, uint64_t version, const std::string& phone,
                      const std::string& origin = "agency-c") {
  v1::Record record = testing::SampleDraft({{v1::INDICATOR_TYPE_PHONE, phone}});
  record.set_id(id);
  record.set_version(version);
  record.set_origin_agency(origin);
  for (v1::Indicator& indicator : *record.mutable_indicators()) indicator.set_normalized(phone);
  return SealRecord(record, OriginKey(), "1");
}

ReceivedVersion Version(const v1::SignedRecord& record, const std::string& phone) {
  absl::StatusOr<v1::RecordHeader> header = PeekHeader(record);
  ReceivedVersion version;
  version.id = header->id();
  version.version = header->version();
  version.origin = header->origin_agency();
  version.record = record;
  version.indicators.emplace_back(v1::INDICATOR_TYPE_PHONE, phone);
  return version;
}

class ReceiveTest : public ::testing::Test {
 protected:
  void SetUp() override { stack_ = testing::NodeStorage::Open(dir_.path(), key_, "agency-b"); }

  RecordStore::ReceiveResult Receive(std::vector<ReceivedVersion> versions, uint64_t cursor,
                                     const std::string& peer = "agency-c") {
    ReceivedBatch batch;
    batch.peer = peer;
    absl::StatusOr<v1::PeerCursor> state = stack_->records->PeerState(peer);
    EXPECT_TRUE(state.ok());
    batch.state = *state;
    batch.state.set_cursor(cursor);
    batch.versions = std::move(versions);
    batch.audit.set_action(v1::AUDIT_ACTION_RECEIVE);
    absl::StatusOr<RecordStore::ReceiveResult> result = stack_->records->Receive(std::move(batch));
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : RecordStore::ReceiveResult();
  }

  testing::TempDir dir_;
  PrivateKey key_ = PrivateKey::Generate();
  std::unique_ptr<testing::NodeStorage> stack_;
};

TEST_F(ReceiveTest, StoresNewVersionsWithCursorAndProvenanceAndAcceptsGaps) {
  const std::string id = NewUuid();
  // Version 3 before version 1: holders may be denied intermediate versions.
  auto result = Receive({Version(Seal(id, 3, "+33611111111"), "+33611111111"),
                         Version(Seal(id, 1, "+33611111111"), "+33611111111")},
                        42);
  ASSERT_EQ(result.outcomes.size(), 2u);
  EXPECT_EQ(result.outcomes[0], ReceiveOutcome::kStored);
  EXPECT_EQ(result.outcomes[1], ReceiveOutcome::kStored);
  EXPECT_EQ(result.state.cursor(), 42u);
  EXPECT_EQ(result.state.received(), 2u);
  EXPECT_EQ(stack_->records->LatestVersion(id).value_or(0), 3u);
  EXPECT_TRUE(stack_->records->ReceivedFrom(id, 3, "agency-c"));
  EXPECT_FALSE(stack_->records->ReceivedFrom(id, 3, "agency-a"));
  EXPECT_EQ(stack_->records->ReceivedVia(id, 1), "agency-c");
  EXPECT_EQ(stack_->records->last_cursor(), 2u);
  // Durable: the state survives a reopen, as the versions do.
  stack_.reset();
  stack_ = testing::NodeStorage::Open(dir_.path(), key_, "agency-b");
  ASSERT_NE(stack_, nullptr);
  EXPECT_EQ(stack_->records->PeerState("agency-c")->cursor(), 42u);
  EXPECT_TRUE(stack_->records->Get(id, 3).ok());
}

TEST_F(ReceiveTest, SameVersionTwiceIsStoredOnceFromAnyPath) {
  const std::string id = NewUuid();
  v1::SignedRecord record = Seal(id, 1, "+33622222222");
  Receive({Version(record, "+33622222222")}, 1);
  auto again = Receive({Version(record, "+33622222222")}, 2, "agency-a");
  EXPECT_EQ(again.outcomes[0], ReceiveOutcome::kUnchanged);
  EXPECT_EQ(again.state.unchanged(), 1u);
  EXPECT_EQ(stack_->records->last_cursor(), 1u);                  // no second feed entry
  EXPECT_TRUE(stack_->records->ReceivedFrom(id, 1, "agency-a"));  // never echoed to it either
  // Twice in one batch: the second copy is compared with the first, not stored again.
  const std::string other = NewUuid();
  v1::SignedRecord twice = Seal(other, 1, "+33622222223");
  auto batch = Receive({Version(twice, "+33622222223"), Version(twice, "+33622222223")}, 3);
  EXPECT_EQ(batch.outcomes[0], ReceiveOutcome::kStored);
  EXPECT_EQ(batch.outcomes[1], ReceiveOutcome::kUnchanged);
  EXPECT_EQ(stack_->records->last_cursor(), 2u);
}

TEST_F(ReceiveTest, WithheldPartsArriveLaterByAnotherPath) {
  const std::string id = NewUuid();
  v1::SignedRecord full = Seal(id, 1, "+33633333333");
  v1::SignedRecord redacted = full;
  WithholdPart(redacted, 0);
  ASSERT_LT(redacted.disclosures_size(), full.disclosures_size());
  Receive({Version(redacted, "+33633333333")}, 1);
  auto completed = Receive({Version(full, "+33633333333")}, 1, "agency-a");
  EXPECT_EQ(completed.outcomes[0], ReceiveOutcome::kDisclosuresAdded);
  absl::StatusOr<v1::SignedRecord> held = stack_->records->Get(id, 1);
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(held->disclosures_size(), full.disclosures_size());
  Keyring keys;
  ASSERT_TRUE(keys.Add("agency-c", "1", OriginKey().public_key()).ok());
  EXPECT_TRUE(OpenRecord(*held, keys).ok());  // still the origin's signed record
}

TEST_F(ReceiveTest, PartsDisclosedLaterAreFoundByTheirStructuredFormsPartsToo) {
  // A vehicle is found by its plate alone, as a version stored whole would be.
  const std::string vehicle = "PLATE:AB123CD VIN:1HGCM82633A004352";
  v1::Record record = testing::SampleDraft({{v1::INDICATOR_TYPE_VEHICLE, vehicle}});
  const std::string id = NewUuid();
  record.set_id(id);
  record.set_version(1);
  record.set_origin_agency("agency-c");
  for (v1::Indicator& indicator : *record.mutable_indicators()) indicator.set_normalized(vehicle);
  v1::SignedRecord full = SealRecord(record, OriginKey(), "1");
  v1::SignedRecord redacted = full;
  WithholdPart(redacted, 0);
  ReceivedVersion first = Version(redacted, "");
  first.indicators.clear();  // what the first peer disclosed carries no indicator
  Receive({first}, 1);
  ReceivedVersion second = Version(full, "");
  second.indicators = {{v1::INDICATOR_TYPE_VEHICLE, vehicle}};
  ASSERT_EQ(Receive({second}, 1, "agency-a").outcomes[0], ReceiveOutcome::kDisclosuresAdded);
  for (const std::string& key : {vehicle, std::string("AB123CD")}) {
    std::vector<std::string> found;
    ASSERT_TRUE(stack_->records
                    ->FindIndicator(v1::INDICATOR_TYPE_VEHICLE, key,
                                    [&](absl::string_view at, uint64_t) {
                                      found.emplace_back(at);
                                      return true;
                                    })
                    .ok());
    EXPECT_EQ(found, std::vector<std::string>{id}) << key;
  }
}

TEST_F(ReceiveTest, AnotherManifestForAHeldVersionIsEquivocationKeptAsEvidence) {
  const std::string id = NewUuid();
  v1::SignedRecord first = Seal(id, 1, "+33644444444");
  v1::SignedRecord second = Seal(id, 1, "+33655555555");
  Receive({Version(first, "+33644444444")}, 1);
  auto flagged = Receive({Version(second, "+33655555555")}, 2);
  EXPECT_EQ(flagged.outcomes[0], ReceiveOutcome::kEquivocation);
  EXPECT_EQ(flagged.state.equivocations(), 1u);
  EXPECT_EQ(stack_->records->Get(id, 1)->manifest(), first.manifest());  // the held one stays
  std::vector<v1::SignedRecord> evidence = stack_->records->Equivocations(id, 1);
  ASSERT_EQ(evidence.size(), 1u);
  EXPECT_EQ(evidence[0].manifest(), second.manifest());
  // The second manifest's indicator was not indexed.
  bool indexed = false;
  ASSERT_TRUE(stack_->records
                  ->FindIndicator(v1::INDICATOR_TYPE_PHONE, "+33655555555",
                                  [&](absl::string_view, uint64_t) { return indexed = true; })
                  .ok());
  EXPECT_FALSE(indexed);
}

TEST_F(ReceiveTest, AnIdHeldForOneOriginIsNeverTakenForAnother) {
  const std::string id = NewUuid();
  Receive({Version(Seal(id, 1, "+33666666666", "agency-c"), "+33666666666")}, 1);
  auto refused = Receive({Version(Seal(id, 2, "+33666666666", "agency-a"), "+33666666666")}, 2);
  EXPECT_EQ(refused.outcomes[0], ReceiveOutcome::kRefused);
  EXPECT_EQ(refused.state.refused(), 1u);
  EXPECT_EQ(stack_->records->LatestVersion(id).value_or(0), 1u);
}

}  // namespace
}  // namespace nexus
