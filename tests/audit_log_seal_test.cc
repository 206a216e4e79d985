// Start-up that does not grow with the log: a large log is verified after its seal before the
// node serves and up to the seal in the background, with the same checks. Every alteration the
// full start-up verification finds is still found, at start or by the background pass, and a
// failure in the background stops every write.
#include <gtest/gtest.h>

#include <functional>
#include <string>

#include "absl/strings/match.h"
#include "absl/synchronization/notification.h"
#include "common/checkpoint.h"
#include "common/storage/audit_format.h"
#include "common/storage/rocksdb_store.h"
#include "server/audit_log.h"
#include "server/commit_queue.h"
#include "tests/node_storage.h"
#include "tests/raw_log.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

using testing::RawLog;

v1::AuditEntry Entry(const std::string& request_id) {
  v1::AuditEntry entry;
  entry.set_action(v1::AUDIT_ACTION_GET);
  entry.set_outcome(v1::AUDIT_OUTCOME_OK);
  entry.set_request_id(request_id);
  return entry;
}

// What an administrator does to one stored entry: rewrites a field, leaving the tree alone.
void EditEntry(RawLog& raw, uint64_t index) {
  v1::AuditEntry edited;
  ASSERT_TRUE(
      edited.ParseFromString(raw.Get(storage::kAuditEntries, audit_format::EntryKey(index))));
  edited.set_request_id("rewritten");
  raw.Put(storage::kAuditEntries, audit_format::EntryKey(index), edited.SerializeAsString());
}

class AuditLogSealTest : public ::testing::Test {
 protected:
  // Opens the log as nexusd does, verifying in full only logs of at most `limit` entries.
  absl::Status Open(uint64_t limit = 4, bool accept = false) {
    auto storage = storage::RocksDbStore::Open(dir_.path());
    if (!storage.ok()) return storage.status();
    storage_ = *std::move(storage);
    commits_ = std::make_unique<CommitQueue>(storage_.get());
    AuditLog::Options options{"agency-a", "1"};
    options.verify_before_serving_max_entries = limit;
    options.accept_unverified = accept;
    auto log = AuditLog::Open(storage_.get(), commits_.get(), key_, options);
    if (!log.ok()) return log.status();
    log_ = *std::move(log);
    return absl::OkStatus();
  }
  void Close() {
    log_.reset();
    commits_.reset();
    storage_.reset();
  }
  void Append(int entries) {
    for (int i = 0; i < entries; ++i) ASSERT_TRUE(log_->Append(Entry("x")).ok());
  }
  // Closes the log and lets `tamper` edit its directory.
  void Tamper(const std::function<void(RawLog&)>& tamper) {
    Close();
    RawLog raw(dir_.path());
    tamper(raw);
  }
  // Runs the background pass and waits for it; `failure` receives what on_failure was told.
  absl::Status VerifyInBackground(std::string* failure = nullptr) {
    log_->VerifySealedInBackground([failure](const absl::Status& why) {
      if (failure != nullptr) *failure = std::string(why.message());
    });
    return log_->AwaitBackgroundVerification();
  }
  // A log of 20 entries sealed by a node that verified it, and 5 more after the seal.
  void SealedLog() {
    ASSERT_TRUE(Open().ok());
    Append(20);
    ASSERT_TRUE(log_->Seal().ok());
    Append(5);
    Close();
  }
  // 20 entries, a checkpoint at 10, sealed at 20.
  void SealedLogWithACheckpointAt10() {
    ASSERT_TRUE(Open().ok());
    Append(10);
    ASSERT_TRUE(log_->Checkpoint().ok());
    Append(10);
    ASSERT_TRUE(log_->Seal().ok());
    Close();
  }
  uint64_t Count(v1::AuditOutcome outcome) {
    return testing::CountEntries(*log_, v1::AUDIT_ACTION_LOG_VERIFY, outcome);
  }
  void TearDown() override { Close(); }

  testing::TempDir dir_;
  PrivateKey key_ = PrivateKey::Generate();
  std::unique_ptr<storage::RocksDbStore> storage_;
  std::unique_ptr<CommitQueue> commits_;
  std::unique_ptr<AuditLog> log_;
};

TEST_F(AuditLogSealTest, ALargeLogIsVerifiedAfterItsSealAtStartAndUpToItInTheBackground) {
  SealedLog();
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(log_->opening().sealed_entries(), 20u);
  EXPECT_EQ(log_->opening().verified_entries(), 25u);
  EXPECT_EQ(log_->size(), 25u);
  std::string failure;
  ASSERT_TRUE(VerifyInBackground(&failure).ok());
  EXPECT_TRUE(failure.empty());
  EXPECT_EQ(Count(v1::AUDIT_OUTCOME_OK), 1u);  // the outcome is in the log
  // Verified now: the seal moves to the head, and the next start leaves all of it to the
  // background.
  ASSERT_TRUE(log_->Seal().ok());
  Append(1);
  ASSERT_TRUE(log_->Checkpoint().ok());
  Close();
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(log_->opening().sealed_entries(), 26u);
  EXPECT_TRUE(VerifyInBackground().ok());
}

TEST_F(AuditLogSealTest, ASmallLogIsVerifiedInFullBeforeServing) {
  SealedLog();
  ASSERT_TRUE(Open(/*limit=*/25).ok());
  EXPECT_EQ(log_->opening().sealed_entries(), 0u);
  EXPECT_TRUE(VerifyInBackground().ok());  // nothing left to do
  EXPECT_EQ(Count(v1::AUDIT_OUTCOME_OK), 0u);
}

TEST_F(AuditLogSealTest, UntilTheBackgroundPassEndsNothingNewIsSealed) {
  SealedLog();
  ASSERT_TRUE(Open().ok());
  Append(3);
  ASSERT_TRUE(log_->Seal().ok());  // a no-op: entries 0 to 19 are not verified yet
  Close();
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(log_->opening().sealed_entries(), 20u);
}

TEST_F(AuditLogSealTest, AnEntryEditedBeforeTheSealIsFoundInTheBackgroundAndStopsEveryWrite) {
  SealedLog();
  Tamper([](RawLog& raw) { EditEntry(raw, 3); });
  ASSERT_TRUE(Open().ok());  // entry 3 is sealed: the start does not look at it
  const uint64_t size = log_->size();
  std::string failure;
  absl::Status outcome = VerifyInBackground(&failure);
  ASSERT_TRUE(absl::IsDataLoss(outcome)) << outcome;
  EXPECT_TRUE(absl::StrContains(outcome.message(), "entry 3")) << outcome;
  EXPECT_EQ(failure, outcome.message());
  // The alarm is in the log; then nothing more is written, signed or sealed.
  EXPECT_EQ(log_->size(), size + 1);
  EXPECT_EQ(Count(v1::AUDIT_OUTCOME_REFUSED), 1u);
  absl::Status append = log_->Append(Entry("after"));
  EXPECT_FALSE(append.ok());
  EXPECT_TRUE(absl::StrContains(append.message(), "background verification")) << append;
  EXPECT_FALSE(log_->Checkpoint().ok());
  EXPECT_FALSE(log_->Seal().ok());
  // The seal went with the alarm: the next start verifies every entry and refuses the log.
  Close();
  absl::Status reopened = Open();
  ASSERT_TRUE(absl::IsDataLoss(reopened)) << reopened;
  EXPECT_TRUE(absl::StrContains(reopened.message(), "entry 3")) << reopened;
}

TEST_F(AuditLogSealTest, AnEntryEditedAfterTheSealIsRefusedAtStart) {
  SealedLog();
  Tamper([](RawLog& raw) { EditEntry(raw, 22); });
  absl::Status opened = Open();
  ASSERT_TRUE(absl::IsDataLoss(opened)) << opened;
  EXPECT_TRUE(absl::StrContains(opened.message(), "entry 22")) << opened;
}

TEST_F(AuditLogSealTest, AnEntryAppendedOutsideTheNodeAfterTheSealIsRefusedAtStart) {
  SealedLog();
  Tamper([](RawLog& raw) {
    v1::AuditEntry added = Entry("added");
    added.set_sequence(25);
    raw.Put(storage::kAuditEntries, audit_format::EntryKey(25), added.SerializeAsString());
  });
  absl::Status opened = Open();
  ASSERT_TRUE(absl::IsDataLoss(opened)) << opened;
  EXPECT_TRUE(absl::StrContains(opened.message(), "entry 25")) << opened;
}

// An administrator who copies the head over the seal skips nothing: the tail is then checked
// by the background pass instead of at start.
TEST_F(AuditLogSealTest, ASealMovedForwardOnlyMovesTheCheckToTheBackground) {
  SealedLog();
  Tamper([](RawLog& raw) {
    EditEntry(raw, 22);
    raw.Put(storage::kAuditHead, audit_format::kSealKey,
            raw.Get(storage::kAuditHead, audit_format::kHeadKey));
  });
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(log_->opening().sealed_entries(), 25u);
  absl::Status outcome = VerifyInBackground();
  ASSERT_TRUE(absl::IsDataLoss(outcome)) << outcome;
  EXPECT_TRUE(absl::StrContains(outcome.message(), "entry 22")) << outcome;
}

// A seal that is not the node's (another key, or garbage) or whose tree the stored nodes do not
// rebuild is ignored: the whole log is verified before serving.
TEST_F(AuditLogSealTest, ASealThatDoesNotHoldIsIgnored) {
  SealedLog();
  PrivateKey other = PrivateKey::Generate();
  v1::Checkpoint forged;
  forged.set_origin("agency-a");
  forged.set_tree_size(25);
  forged.set_root_hash(std::string(32, 'r'));
  for (const std::string& seal :
       {std::string("garbage"), SignCheckpoint(forged, other, "1").SerializeAsString(),
        SignCheckpoint(forged, key_, "1").SerializeAsString()}) {
    Tamper([&](RawLog& raw) { raw.Put(storage::kAuditHead, audit_format::kSealKey, seal); });
    ASSERT_TRUE(Open().ok());
    EXPECT_EQ(log_->opening().sealed_entries(), 0u);
    EXPECT_EQ(log_->opening().verified_entries(), 25u);
    EXPECT_FALSE(log_->opening().seal_ignored().empty());  // the node says why
  }
}

// Checkpoints are read by tree size from the seal on at start, and up to it in the background:
// one kept under another size than it claims is refused wherever it is.
TEST_F(AuditLogSealTest, ACheckpointMovedBelowTheSealIsFoundInTheBackground) {
  SealedLogWithACheckpointAt10();
  Tamper([](RawLog& raw) {
    raw.Put(storage::kAuditCheckpoints, audit_format::CheckpointKey(3),
            raw.Get(storage::kAuditCheckpoints, audit_format::CheckpointKey(10)));
  });
  ASSERT_TRUE(Open().ok());
  absl::Status outcome = VerifyInBackground();
  ASSERT_TRUE(absl::IsDataLoss(outcome)) << outcome;
  EXPECT_TRUE(absl::StrContains(outcome.message(), "out of place")) << outcome;
}

TEST_F(AuditLogSealTest, ACheckpointMovedAboveTheSealIsRefusedAtStart) {
  SealedLogWithACheckpointAt10();
  Tamper([](RawLog& raw) {
    raw.Put(storage::kAuditCheckpoints, std::string(8, '\xff'),
            raw.Get(storage::kAuditCheckpoints, audit_format::CheckpointKey(10)));
  });
  absl::Status opened = Open();
  ASSERT_TRUE(absl::IsDataLoss(opened)) << opened;
  EXPECT_TRUE(absl::StrContains(opened.message(), "out of place")) << opened;
}

// The node never seals beyond its durable head: its own seal beyond the head proves that the
// log lost entries, even when an older head was put back to cover what is left.
TEST_F(AuditLogSealTest, ASealBeyondTheHeadShowsATruncation) {
  ASSERT_TRUE(Open().ok());
  Append(20);
  Close();
  std::string head_at_20;
  Tamper([&](RawLog& raw) { head_at_20 = raw.Get(storage::kAuditHead, audit_format::kHeadKey); });
  ASSERT_TRUE(Open().ok());
  Append(5);
  ASSERT_TRUE(log_->Seal().ok());
  Close();
  Tamper([&](RawLog& raw) {
    for (uint64_t i = 20; i < 25; ++i)
      raw.Delete(storage::kAuditEntries, audit_format::EntryKey(i));
    raw.Put(storage::kAuditHead, audit_format::kHeadKey, head_at_20);
  });
  absl::Status opened = Open();
  ASSERT_TRUE(absl::IsDataLoss(opened)) << opened;
  EXPECT_TRUE(absl::StrContains(opened.message(), "truncated")) << opened;
  // An operator who accepts the truncation is not refused again by the stale seal.
  Close();
  absl::Status accepted = Open(4, /*accept=*/true);
  ASSERT_TRUE(accepted.ok()) << accepted;
  Close();
  absl::Status again = Open();
  EXPECT_TRUE(again.ok()) << again;
}

// Closing the log while the background pass runs stops it; the seal stays where it was.
TEST_F(AuditLogSealTest, ClosingStopsTheBackgroundPass) {
  ASSERT_TRUE(Open().ok());
  for (int i = 0; i < 20; ++i) {
    std::vector<v1::AuditEntry> batch(1000, Entry("a fairly ordinary request"));
    ASSERT_TRUE(log_->Append(batch).ok());
  }
  ASSERT_TRUE(log_->Seal().ok());
  Close();
  ASSERT_TRUE(Open().ok());
  ASSERT_EQ(log_->opening().sealed_entries(), 20000u);
  log_->VerifySealedInBackground(nullptr);
  log_->StopBackgroundVerification();
  absl::Status outcome = log_->AwaitBackgroundVerification();
  EXPECT_TRUE(outcome.ok() || absl::IsCancelled(outcome)) << outcome;
  Close();
  ASSERT_TRUE(Open().ok());
  EXPECT_EQ(log_->opening().sealed_entries(), 20000u);
}

}  // namespace
}  // namespace nexus
