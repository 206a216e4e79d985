// A node witnessing a peer's audit log: heads accepted only as consistent extensions; a fork or a
// rollback raises a sticky alarm that is audited; a head not signed by the peer changes nothing.
#include "server/peer_witness.h"

#include <gtest/gtest.h>

#include "tests/node_storage.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

// A peer's log: entries appended, heads and proofs served as AuditHead does.
struct PeerLog {
  PeerLog(const PrivateKey& key) : stack(testing::NodeStorage::Open(dir.path(), key, "agency-c")) {}
  void Append(int entries) {
    for (int i = 0; i < entries; ++i) {
      v1::AuditEntry entry;
      entry.set_action(v1::AUDIT_ACTION_GET);
      entry.set_detail(absl::StrCat("entry ", i, " of ", entries, " ", counter++));
      ASSERT_TRUE(stack->audit->Append(std::move(entry)).ok());
    }
  }
  v1::SignedCheckpoint Head() { return *stack->audit->Head(); }
  std::vector<std::string> Proof(uint64_t from) {
    v1::Checkpoint head;
    head.ParseFromString(Head().checkpoint());
    std::vector<std::string> proof;
    if (from == 0 || from >= head.tree_size()) return proof;
    absl::StatusOr<std::vector<merkle::Hash>> hashes =
        stack->audit->ConsistencyProof(from, head.tree_size());
    EXPECT_TRUE(hashes.ok()) << hashes.status();
    for (const merkle::Hash& hash : hashes.value_or(std::vector<merkle::Hash>())) {
      proof.emplace_back(hash.begin(), hash.end());
    }
    return proof;
  }
  testing::TempDir dir;
  std::unique_ptr<testing::NodeStorage> stack;
  int counter = 0;
};

class PeerWitnessTest : public ::testing::Test {
 protected:
  PeerWitnessTest()
      : self_(testing::NodeStorage::Open(dir_.path(), self_key_, "agency-b")),
        peer_(peer_key_),
        witness_(self_->storage.get(), &keys_, self_->audit.get()) {
    EXPECT_TRUE(keys_.Add("agency-c", "1", peer_key_.public_key()).ok());
  }

  uint64_t AlarmsAudited() {
    return testing::CountEntries(*self_->audit, v1::AUDIT_ACTION_WITNESS,
                                 v1::AUDIT_OUTCOME_REFUSED);
  }

  testing::TempDir dir_;
  PrivateKey self_key_ = PrivateKey::Generate();
  PrivateKey peer_key_ = PrivateKey::Generate();
  Keyring keys_;
  std::unique_ptr<testing::NodeStorage> self_;
  PeerLog peer_;
  PeerWitness witness_;
};

TEST_F(PeerWitnessTest, AcceptsConsistentExtensionsAndKeepsEveryHead) {
  peer_.Append(5);
  auto first = witness_.Check("agency-c", peer_.Head(), {});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->tree_size(), 5u);
  peer_.Append(7);
  auto second = witness_.Check("agency-c", peer_.Head(), peer_.Proof(5));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->tree_size(), 12u);
  EXPECT_TRUE(second->alarm().empty()) << second->alarm();
  EXPECT_EQ(witness_.Heads("agency-c", 100).size(), 2u);
  EXPECT_EQ(AlarmsAudited(), 0u);
}

TEST_F(PeerWitnessTest, AForkRaisesAStickyAuditedAlarm) {
  peer_.Append(4);
  ASSERT_TRUE(witness_.Check("agency-c", peer_.Head(), {}).ok());
  // The same key signs a rewritten history: another log of the same agency.
  PeerLog rewritten(peer_key_);
  rewritten.Append(9);
  auto forked = witness_.Check("agency-c", rewritten.Head(), rewritten.Proof(4));
  ASSERT_TRUE(forked.ok()) << forked.status();
  EXPECT_NE(forked->alarm().find("fork"), std::string::npos) << forked->alarm();
  EXPECT_EQ(AlarmsAudited(), 1u);
  // Sticky: an honest extension afterwards does not clear it.
  peer_.Append(3);
  auto later = witness_.Check("agency-c", peer_.Head(), peer_.Proof(4));
  ASSERT_TRUE(later.ok());
  EXPECT_FALSE(later->alarm().empty());
  EXPECT_FALSE(witness_.State("agency-c").alarm().empty());
}

TEST_F(PeerWitnessTest, ASmallerTreeIsARollback) {
  peer_.Append(3);
  v1::SignedCheckpoint small = peer_.Head();
  peer_.Append(3);
  ASSERT_TRUE(witness_.Check("agency-c", peer_.Head(), {}).ok());
  auto rolled = witness_.Check("agency-c", small, {});
  ASSERT_TRUE(rolled.ok());
  EXPECT_NE(rolled->alarm().find("rollback"), std::string::npos) << rolled->alarm();
}

TEST_F(PeerWitnessTest, AHeadNotSignedByThePeerChangesNothing) {
  peer_.Append(2);
  v1::SignedCheckpoint forged = peer_.Head();
  forged.set_signature(std::string(64, 'x'));
  EXPECT_FALSE(witness_.Check("agency-c", forged, {}).ok());
  // Signed by the peer, claimed for another agency.
  EXPECT_FALSE(witness_.Check("agency-a", peer_.Head(), {}).ok());
  EXPECT_EQ(witness_.State("agency-c").tree_size(), 0u);
  EXPECT_TRUE(witness_.State("agency-c").alarm().empty());
}

}  // namespace
}  // namespace nexus
