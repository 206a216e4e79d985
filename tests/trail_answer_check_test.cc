// The auditor's check of one node's answer to a trail question, over a log built here leaf by
// leaf: an honest answer passes; an altered entry, an entry that does not name the record, a head
// of another log, a fork from the witnessed head and a log cut back each fail with a reason.
#include "client/cli/trail_answer_check.h"

#include <gtest/gtest.h>

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/checkpoint.h"
#include "common/crypto.h"
#include "common/merkle.h"

namespace nexus {
namespace {

constexpr char kRecord[] = "5b0e4c1e-4b52-4d4a-9d0c-6a1f4e2b7c11";

std::string Bytes(const merkle::Hash& hash) {
  return std::string(reinterpret_cast<const char*>(hash.data()), hash.size());
}

// A log of `agency`'s node: entry i names the record when i is odd.
class Log {
 public:
  // `prefix` starts every entry's detail: two logs with different prefixes are different logs.
  Log(std::string agency, const PrivateKey& key, std::string prefix = "entry ")
      : agency_(std::move(agency)), key_(key), prefix_(std::move(prefix)) {}

  void Append(int count) {
    for (int i = 0; i < count; ++i) {
      v1::AuditEntry entry;
      entry.set_action(v1::AUDIT_ACTION_GET);
      entry.set_detail(absl::StrCat(prefix_, entries_.size()));
      if (entries_.size() % 2 == 1) entry.add_targets()->set_record_id(kRecord);
      entries_.push_back(entry.SerializeAsString());
      leaves_.push_back(merkle::LeafHash(entries_.back()));
    }
  }

  uint64_t size() const { return leaves_.size(); }

  v1::SignedCheckpoint Head(uint64_t size) const {
    v1::Checkpoint checkpoint;
    checkpoint.set_origin(agency_);
    checkpoint.set_tree_size(size);
    checkpoint.set_root_hash(
        Bytes(merkle::RootOf(std::vector<merkle::Hash>(leaves_.begin(), leaves_.begin() + size))));
    return SignCheckpoint(checkpoint, key_, "1");
  }

  // The honest answer at the current size, proved consistent with `witnessed_size`.
  v1::RecordTrailAnswer Answer(uint64_t witnessed_size) const {
    v1::RecordTrailAnswer answer;
    answer.set_agency_id(agency_);
    *answer.mutable_head() = Head(size());
    for (uint64_t i = 1; i < size(); i += 2) {
      v1::TrailEntry* listed = answer.add_entries();
      listed->set_index(i);
      listed->set_entry(entries_[i]);
      // Held in a variable: a range-for over a temporary's contents would dangle.
      absl::StatusOr<std::vector<merkle::Hash>> proof = merkle::InclusionProof(i, size(), Nodes());
      for (const merkle::Hash& hash : *proof) listed->add_inclusion_proof(Bytes(hash));
    }
    if (witnessed_size > 0 && witnessed_size < size()) {
      absl::StatusOr<std::vector<merkle::Hash>> proof =
          merkle::ConsistencyProof(witnessed_size, size(), Nodes());
      for (const merkle::Hash& hash : *proof) answer.add_consistency_proof(Bytes(hash));
    }
    return answer;
  }

 private:
  merkle::NodeReader Nodes() const {
    return [this](int level, uint64_t index) -> absl::StatusOr<merkle::Hash> {
      const uint64_t begin = index << level, end = std::min<uint64_t>((index + 1) << level, size());
      return merkle::RootOf(
          std::vector<merkle::Hash>(leaves_.begin() + begin, leaves_.begin() + end));
    };
  }

  std::string agency_;
  const PrivateKey& key_;
  std::string prefix_;
  std::vector<std::string> entries_;
  std::vector<merkle::Hash> leaves_;
};

class TrailAnswerCheckTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(keys_.Add("agency-b", "1", key_.public_key()).ok());
    ASSERT_TRUE(keys_.Add("agency-c", "1", other_.public_key()).ok());
    log_.Append(7);
    witnessed_ = log_.Head(7);
    log_.Append(6);
  }

  // As the client checks the node it asked itself (`own`: its witness of it) ...
  TrailAnswerCheck Check(const v1::RecordTrailAnswer& answer,
                         const std::optional<v1::SignedCheckpoint>& own = std::nullopt) {
    return CheckTrailAnswer(answer, "agency-b", kRecord, keys_, "", own);
  }
  // ... and a node the coordinator passed the question to.
  TrailAnswerCheck CheckRelayed(const v1::RecordTrailAnswer& answer) {
    return CheckTrailAnswer(answer, "agency-b", kRecord, keys_, "agency-coord", std::nullopt);
  }

  PrivateKey key_ = PrivateKey::Generate();
  PrivateKey other_ = PrivateKey::Generate();
  Keyring keys_;
  Log log_{"agency-b", key_};
  v1::SignedCheckpoint witnessed_;
};

TEST_F(TrailAnswerCheckTest, AnHonestAnswerPassesAgainstTheWitnessedHead) {
  v1::RecordTrailAnswer answer = log_.Answer(7);
  TrailAnswerCheck alone = Check(answer);
  ASSERT_TRUE(alone.verified) << alone.problem;
  EXPECT_EQ(alone.head_size, 13u);
  EXPECT_TRUE(absl::StrContains(alone.witnessed, "no head of its log witnessed by this client"))
      << alone.witnessed;

  TrailAnswerCheck own = Check(answer, witnessed_);
  ASSERT_TRUE(own.verified) << own.problem;
  EXPECT_EQ(own.witnessed, "extends the head of size 7 that this client witnessed");

  *answer.mutable_witnessed_head() = witnessed_;
  answer.set_witnessed_by("agency-coord");
  TrailAnswerCheck relayed = CheckRelayed(answer);
  ASSERT_TRUE(relayed.verified) << relayed.problem;
  EXPECT_EQ(relayed.witnessed,
            "extends the head of size 7 that the node of 'agency-coord' witnessed");
}

TEST_F(TrailAnswerCheckTest, AnAlteredOrForeignEntryIsCaught) {
  v1::RecordTrailAnswer altered = log_.Answer(0);
  v1::AuditEntry entry;
  ASSERT_TRUE(entry.ParseFromString(altered.entries(2).entry()));
  entry.mutable_actor()->set_agency_id("someone-else");
  altered.mutable_entries(2)->set_entry(entry.SerializeAsString());
  TrailAnswerCheck check = Check(altered);
  EXPECT_FALSE(check.verified);
  EXPECT_TRUE(absl::StrContains(check.problem, "entry #5 is not proved")) << check.problem;

  v1::RecordTrailAnswer unnamed = log_.Answer(0);
  ASSERT_TRUE(entry.ParseFromString(unnamed.entries(0).entry()));
  entry.clear_targets();
  unnamed.mutable_entries(0)->set_entry(entry.SerializeAsString());
  check = Check(unnamed);
  EXPECT_TRUE(absl::StrContains(check.problem, "entry #1 does not name the record"))
      << check.problem;

  v1::RecordTrailAnswer reordered = log_.Answer(0);
  reordered.mutable_entries()->SwapElements(0, 1);
  EXPECT_TRUE(absl::StrContains(Check(reordered).problem, "out of order"));
}

TEST_F(TrailAnswerCheckTest, AnotherLogsHeadIsCaught) {
  Log other("agency-c", other_);
  other.Append(13);
  v1::RecordTrailAnswer answer = other.Answer(0);
  answer.set_agency_id("agency-b");
  TrailAnswerCheck check = Check(answer);
  EXPECT_FALSE(check.verified);
  EXPECT_TRUE(absl::StrContains(check.problem, "not of 'agency-b'")) << check.problem;
  v1::RecordTrailAnswer wrong_agency = log_.Answer(0);
  wrong_agency.set_agency_id("agency-\x1b[2Jc");
  check = Check(wrong_agency);
  EXPECT_FALSE(check.verified);
  EXPECT_FALSE(absl::StrContains(check.problem, "\x1b")) << check.problem;
}

TEST_F(TrailAnswerCheckTest, AForkOrACutBackFromTheWitnessedHeadIsCaught) {
  // The same node (same key) answering from another log than the one witnessed: it proves its
  // own entries, but not that its head extends the witnessed one.
  Log rewritten("agency-b", key_, "rewritten ");
  rewritten.Append(13);
  ASSERT_TRUE(Check(rewritten.Answer(7)).verified);
  TrailAnswerCheck check = Check(rewritten.Answer(7), witnessed_);
  EXPECT_FALSE(check.verified);
  EXPECT_TRUE(absl::StrContains(check.problem, "does not extend the head of size 7"))
      << check.problem;
  check = Check(rewritten.Answer(0), log_.Head(13));
  EXPECT_FALSE(check.verified);
  EXPECT_TRUE(absl::StrContains(check.problem, "a second root for the same size")) << check.problem;
  // The node the client asked cannot vouch for itself: a witnessed head it puts in its own
  // answer is ignored, and the client's own witness decides.
  v1::RecordTrailAnswer self_vouched = rewritten.Answer(7);
  *self_vouched.mutable_witnessed_head() = rewritten.Head(7);
  self_vouched.set_witnessed_by("agency-coord");
  check = Check(self_vouched, witnessed_);
  EXPECT_FALSE(check.verified);
  EXPECT_TRUE(absl::StrContains(check.problem, "that this client witnessed")) << check.problem;
  // And a relayed answer must carry the head of the node that passed the question on.
  self_vouched.set_witnessed_by("agency-b");
  check = CheckRelayed(self_vouched);
  EXPECT_FALSE(check.verified);
  EXPECT_TRUE(absl::StrContains(check.problem, "not the node of 'agency-coord'")) << check.problem;
  // Smaller than what was witnessed: cut back.
  Log shorter("agency-b", key_);
  shorter.Append(5);
  check = Check(shorter.Answer(0), witnessed_);
  EXPECT_FALSE(check.verified);
  EXPECT_TRUE(absl::StrContains(check.problem, "cut back")) << check.problem;
}

}  // namespace
}  // namespace nexus
