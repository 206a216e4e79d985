// The receiving side's checks, without a network: a batch that is too large is refused whole and
// audited once; a version of the receiving node's own agency, or signed by an unknown key, is
// refused alone while the rest of the batch is stored. A session stores the batches it checked
// in order, each on top of the state the one before left, and stops at the first it cannot
// store.
#include "server/replication_intake.h"

#include <gtest/gtest.h>

#include "common/record_seal.h"
#include "common/uuid.h"
#include "server/peer_registry.h"
#include "tests/node_storage.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

class ReplicationIntakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    stack_ = testing::NodeStorage::Open(dir_.path(), own_key_, "agency-b");
    ASSERT_NE(stack_, nullptr);
    config_.set_agency_id("agency-b");
    for (const char* id : {"agency-a", "agency-b"}) {
      v1::Agency* agency = config_.add_agencies();
      agency->set_id(id);
      agency->set_country("FR");
      agency->add_groups("region-west");
    }
    ASSERT_TRUE(keys_.Add("agency-a", "1", origin_key_.public_key()).ok());
    ASSERT_TRUE(keys_.Add("agency-b", "1", own_key_.public_key()).ok());
    intake_ = std::make_unique<ReplicationIntake>(config_, &keys_, stack_->records.get());
    call_.actor.set_agency_id("agency-a");
    call_.actor.set_role("node");
  }

  v1::SignedRecord Sealed(const std::string& origin, const PrivateKey& key) {
    v1::Record record = testing::SampleDraft({{v1::INDICATOR_TYPE_PHONE, "+33612345678"}});
    record.set_id(NewUuid());
    record.set_version(1);
    record.set_origin_agency(origin);
    record.set_tlp(v1::TLP_GREEN);
    record.mutable_distribution()->set_scope(v1::DISTRIBUTION_SCOPE_FEDERATION);
    for (v1::Indicator& indicator : *record.mutable_indicators()) {
      indicator.set_normalized("+33612345678");
    }
    return SealRecord(record, key, "1");
  }

  uint64_t EntriesWith(v1::AuditOutcome outcome) {
    return testing::CountEntries(*stack_->audit, v1::AUDIT_ACTION_RECEIVE, outcome);
  }

  testing::TempDir dir_;
  PrivateKey own_key_ = PrivateKey::Generate();
  PrivateKey origin_key_ = PrivateKey::Generate();
  std::unique_ptr<testing::NodeStorage> stack_;
  v1::NodeConfig config_;
  Keyring keys_;
  std::unique_ptr<ReplicationIntake> intake_;
  CallContext call_;
};

TEST_F(ReplicationIntakeTest, AnOversizedBatchIsRefusedWholeAndAuditedOnce) {
  v1::ReplicationBatch batch;
  batch.set_cursor(7);
  v1::SignedRecord record = Sealed("agency-a", origin_key_);
  for (int i = 0; i <= ReplicationIntake::kMaxBatchVersions; ++i) {
    *batch.add_versions()->mutable_record() = record;
  }
  auto result = intake_->Receive(call_, "agency-a", batch, v1::PeerCursor());
  ASSERT_FALSE(result.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(result.status())) << result.status();
  EXPECT_EQ(EntriesWith(v1::AUDIT_OUTCOME_REFUSED), 1u);
  EXPECT_EQ(stack_->records->last_cursor(), 0u);
}

TEST_F(ReplicationIntakeTest, BadVersionsAreRefusedAloneAndTheRestIsStored) {
  v1::ReplicationBatch batch;
  batch.set_cursor(9);
  *batch.add_versions()->mutable_record() = Sealed("agency-a", origin_key_);
  *batch.add_versions()->mutable_record() = Sealed("agency-b", own_key_);  // our own agency's
  *batch.add_versions()->mutable_record() = Sealed("agency-a", own_key_);  // wrong key
  auto result = intake_->Receive(call_, "agency-a", batch, v1::PeerCursor());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->state.cursor(), 9u);
  EXPECT_EQ(result->state.received(), 1u);
  EXPECT_EQ(result->state.refused(), 2u);
  EXPECT_EQ(stack_->records->last_cursor(), 1u);
  EXPECT_EQ(EntriesWith(v1::AUDIT_OUTCOME_REFUSED), 2u);
  EXPECT_EQ(EntriesWith(v1::AUDIT_OUTCOME_OK), 1u);
}

// Batches of three versions (one refused: signed with the wrong key), cursors 10, 20, ...
v1::ReplicationBatch BatchAt(uint64_t cursor, const std::vector<v1::SignedRecord>& records) {
  v1::ReplicationBatch batch;
  batch.set_cursor(cursor);
  for (const v1::SignedRecord& record : records) *batch.add_versions()->mutable_record() = record;
  return batch;
}

TEST_F(ReplicationIntakeTest, ASessionStoresItsBatchesInOrderEachOnTheStateBefore) {
  PeerRegistry registry(config_);
  auto session = IntakeSession::Open(intake_.get(), stack_->records.get(), &registry, call_);
  ASSERT_TRUE(session.ok()) << session.status();
  constexpr int kBatches = 6;
  for (int b = 1; b <= kBatches; ++b) {
    ASSERT_TRUE(
        (*session)
            ->Take(BatchAt(10 * b, {Sealed("agency-a", origin_key_),
                                    Sealed("agency-a", origin_key_), Sealed("agency-a", own_key_)}))
            .ok());
    v1::ReplicationBatch heartbeat;  // no versions: the cursor it carries is not taken
    heartbeat.set_cursor(999);
    ASSERT_TRUE((*session)->Take(heartbeat).ok());
  }
  ASSERT_TRUE((*session)->Finish(absl::OkStatus()).ok());
  EXPECT_EQ((*session)->cursor(), 10u * kBatches);
  absl::StatusOr<v1::PeerCursor> state = stack_->records->PeerState("agency-a");
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->cursor(), 10u * kBatches);
  EXPECT_EQ(state->received(), 2u * kBatches);
  EXPECT_EQ(state->refused(), 1u * kBatches);
  EXPECT_EQ(stack_->records->last_cursor(), 2u * kBatches);
  EXPECT_EQ(EntriesWith(v1::AUDIT_OUTCOME_OK), 1u * kBatches);
}

TEST_F(ReplicationIntakeTest, ASessionStopsAtTheFirstBatchItCannotStore) {
  v1::NodeConfig with_peer = config_;
  v1::Peer* peer = with_peer.add_peers();
  peer->set_agency_id("agency-a");
  peer->set_direction(v1::Peer::DIRECTION_INBOUND);
  PeerRegistry registry(with_peer);
  auto session = IntakeSession::Open(intake_.get(), stack_->records.get(), &registry, call_);
  ASSERT_TRUE(session.ok()) << session.status();
  ASSERT_TRUE((*session)->Take(BatchAt(10, {Sealed("agency-a", origin_key_)})).ok());
  ASSERT_TRUE((*session)->Drain().ok());
  stack_->commits->Fail(absl::DataLossError("the disk went away"));
  // The failure reaches the stream at a later Take or at the end, never lost.
  absl::Status taken;
  for (int b = 2; b <= 4 && taken.ok(); ++b) {
    taken = (*session)->Take(BatchAt(10 * b, {Sealed("agency-a", origin_key_)}));
  }
  absl::Status how = (*session)->Finish(absl::OkStatus());
  EXPECT_TRUE(absl::IsDataLoss(how)) << how;
  EXPECT_TRUE(taken.ok() || absl::IsDataLoss(taken)) << taken;
  EXPECT_EQ((*session)->cursor(), 10u);
  absl::StatusOr<v1::PeerCursor> state = stack_->records->PeerState("agency-a");
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_EQ(state->cursor(), 10u);
  EXPECT_EQ(stack_->records->last_cursor(), 1u);
  session->reset();
  // The peer's status tells the operator why the stream ended.
  std::vector<v1::PeerStatus> peers = registry.Snapshot();
  ASSERT_EQ(peers.size(), 1u);
  EXPECT_NE(peers[0].last_error().find("the disk went away"), std::string::npos)
      << peers[0].DebugString();
}

}  // namespace
}  // namespace nexus
