// The auditor's check of the heads a node says it verified of a peer's audit log: a consistent,
// signed answer passes; the node's alarm, and every way the answer can contradict itself or the
// peer's signatures, fails with a message that says which.
#include "client/cli/peer_heads_check.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "absl/strings/match.h"
#include "common/checkpoint.h"
#include "common/crypto.h"

namespace nexus {
namespace {

std::string Root(uint64_t size) { return std::string(32, static_cast<char>(size)); }

void AddHead(v1::PeerHeadsResponse& response, const PrivateKey& key, uint64_t size,
             const std::string& root, const std::string& origin = "agency-b") {
  v1::Checkpoint checkpoint;
  checkpoint.set_origin(origin);
  checkpoint.set_tree_size(size);
  checkpoint.set_root_hash(root);
  checkpoint.set_time_unix_micros(1000 + size);
  *response.add_heads() = SignCheckpoint(checkpoint, key, "1");
}

class PeerHeadsCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(keys_.Add("agency-b", "1", key_.public_key()).ok());
    for (uint64_t size : {10, 25, 25, 40}) AddHead(size, Root(size));
    response_.mutable_witness()->set_tree_size(40);
    response_.mutable_witness()->set_root_hash(Root(40));
  }

  void AddHead(uint64_t size, const std::string& root, const std::string& origin = "agency-b") {
    nexus::AddHead(response_, key_, size, root, origin);
  }

  PrivateKey key_ = PrivateKey::Generate();
  Keyring keys_;
  v1::PeerHeadsResponse response_;
};

TEST_F(PeerHeadsCheckTest, ConsistentSignedHeadsPass) {
  PeerHeadsReport report = CheckPeerHeads("agency-b", response_, &keys_);
  ASSERT_TRUE(report.ok) << report.problem;
  EXPECT_TRUE(report.signatures_checked);
  EXPECT_FALSE(report.alarm);
  EXPECT_EQ(report.heads, 4u);
  ASSERT_TRUE(report.latest.has_value());
  EXPECT_EQ(report.latest->tree_size(), 40u);
  EXPECT_EQ(report.latest_key_id, "1");
}

TEST_F(PeerHeadsCheckTest, WithoutKeysOnlyTheNodesWord) {
  PeerHeadsReport report = CheckPeerHeads("agency-b", response_, nullptr);
  ASSERT_TRUE(report.ok) << report.problem;
  EXPECT_FALSE(report.signatures_checked);
}

TEST_F(PeerHeadsCheckTest, NoHeadAndNoAlarmPasses) {
  PeerHeadsReport report = CheckPeerHeads("agency-b", v1::PeerHeadsResponse(), &keys_);
  EXPECT_TRUE(report.ok) << report.problem;
  EXPECT_FALSE(report.signatures_checked);
  EXPECT_FALSE(report.latest.has_value());
}

TEST_F(PeerHeadsCheckTest, TheNodesAlarmFailsAndIsTheProblem) {
  response_.mutable_witness()->set_alarm("rollback: tree size 40 after 55");
  PeerHeadsReport report = CheckPeerHeads("agency-b", response_, &keys_);
  EXPECT_FALSE(report.ok);
  EXPECT_TRUE(report.alarm);
  EXPECT_EQ(report.problem, "rollback: tree size 40 after 55");
  ASSERT_TRUE(report.latest.has_value());  // still shown
  EXPECT_EQ(report.latest->tree_size(), 40u);
}

// Each mutation of a consistent answer must fail, naming what is wrong.
TEST_F(PeerHeadsCheckTest, EveryContradictionFails) {
  using Response = v1::PeerHeadsResponse;
  struct Case {
    const char* name;
    std::function<void(Response&, const PrivateKey&)> mutate;
    const char* problem;
  };
  const Case cases[] = {
      {"fork without alarm", [](Response& r, auto& key) { nexus::AddHead(r, key, 40, Root(41)); },
       "fork without an alarm"},
      {"rollback without alarm",
       [](Response& r, auto& key) { nexus::AddHead(r, key, 30, Root(30)); },
       "rollback without an alarm"},
      {"another agency's log",
       [](Response& r, auto& key) { nexus::AddHead(r, key, 50, Root(50), "agency-c"); },
       "of the log of 'agency-c', not of 'agency-b'"},
      {"malformed head", [](Response& r, auto&) { r.mutable_heads(1)->set_checkpoint("\x0a\x09"); },
       "head 2 of 4 is malformed"},
      {"signature flipped",
       [](Response& r, auto&) { (*r.mutable_heads(2)->mutable_signature())[5] ^= 1; },
       "head 3 (tree size 25) does not verify"},
      {"checkpoint changed after signing",
       [](Response& r, auto&) {
         v1::Checkpoint changed;
         changed.ParseFromString(r.heads(0).checkpoint());
         changed.set_root_hash(Root(11));
         r.mutable_heads(0)->set_checkpoint(changed.SerializeAsString());
       },
       "head 1 (tree size 10) does not verify"},
      {"unknown key id", [](Response& r, auto&) { r.mutable_heads(3)->set_key_id("2"); },
       "no public key '2' of 'agency-b' in --keys"},
      {"witness root differs from the latest head",
       [](Response& r, auto&) { r.mutable_witness()->set_root_hash(Root(42)); },
       "witness state has root"},
  };
  for (const Case& c : cases) {
    Response mutated = response_;
    c.mutate(mutated, key_);
    PeerHeadsReport report = CheckPeerHeads("agency-b", mutated, &keys_);
    EXPECT_FALSE(report.ok) << c.name;
    EXPECT_FALSE(report.alarm) << c.name;
    EXPECT_TRUE(absl::StrContains(report.problem, c.problem)) << c.name << ": " << report.problem;
  }
}

TEST_F(PeerHeadsCheckTest, AHeadOfAnotherKeyringFailsOnlyWithKeys) {
  PrivateKey other = PrivateKey::Generate();
  v1::Checkpoint checkpoint;
  checkpoint.ParseFromString(response_.heads(3).checkpoint());
  checkpoint.set_tree_size(50);
  *response_.add_heads() = SignCheckpoint(checkpoint, other, "1");
  EXPECT_FALSE(CheckPeerHeads("agency-b", response_, &keys_).ok);
  EXPECT_TRUE(CheckPeerHeads("agency-b", response_, nullptr).ok);
}

TEST_F(PeerHeadsCheckTest, HugeHashesAreNotCopiedIntoTheProblem) {
  AddHead(40, std::string(1 << 20, 'x'));
  PeerHeadsReport report = CheckPeerHeads("agency-b", response_, nullptr);
  EXPECT_FALSE(report.ok);
  EXPECT_LT(report.problem.size(), 400u) << report.problem.size();
}

}  // namespace
}  // namespace nexus
