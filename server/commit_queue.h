// Group commit: concurrent writers hand in staging functions; one of them (the leader) runs every
// queued function into a single WriteBatch and writes it with sync = true, so that many small
// durable writes cost one fsync. Participants (RecordStore, AuditLog) keep per-batch state, told
// when a batch begins and whether it became durable.
#ifndef NEXUS_SERVER_COMMIT_QUEUE_H_
#define NEXUS_SERVER_COMMIT_QUEUE_H_

#include <deque>
#include <functional>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"

namespace rocksdb {
class DB;
class WriteBatch;
}  // namespace rocksdb

namespace nexus {

class CommitParticipant {
 public:
  virtual ~CommitParticipant() = default;
  // A leader starts staging a new batch.
  virtual void BeginBatch() = 0;
  // Every stage function of the batch has run; the participant may add its last writes (the
  // audit log's signed tree head) before the batch is written.
  virtual void FinishBatch(rocksdb::WriteBatch& batch) { (void)batch; }
  // The batch was written durably (true) or not at all (false).
  virtual void EndBatch(bool durable) = 0;
};

class CommitQueue {
 public:
  using StageFn = std::function<void(rocksdb::WriteBatch& batch)>;

  explicit CommitQueue(rocksdb::DB* db) : db_(db) {}
  // Participants are registered before the first Commit and outlive the queue's use.
  void AddParticipant(CommitParticipant* participant) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    participants_.push_back(participant);
  }

  // Runs `stage` (possibly on another writer's thread, always in arrival order and never
  // concurrently with another stage) and returns once the batch holding its writes is durable.
  // A failed write is sticky (as LevelDB's bg_error_): the batch may have partly reached the WAL
  // or memtable, so staging more from the durable frontier could reuse sequence numbers and
  // overwrite entries, tree nodes or the head. After one failure every Commit fails with it.
  absl::Status Commit(const StageFn& stage) ABSL_LOCKS_EXCLUDED(mu_);
  // Makes every later Commit fail with `reason`, as a failed write does: for a store found
  // altered while the node runs, on which nothing more may be built. The first reason stays.
  void Fail(absl::Status reason) ABSL_LOCKS_EXCLUDED(mu_);

  // Batches written and jobs they carried, since the queue was made: their ratio is the mean
  // group size, the figure that shows how well group commit amortizes fsyncs.
  struct Stats {
    uint64_t batches = 0;
    uint64_t jobs = 0;
  };
  Stats stats() const ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Job;
  // Runs on the leader's thread without mu_: only one leader exists at a time, since the
  // leader's job stays at the front of queue_ until Lead returns.
  void Lead(const std::vector<Job*>& jobs, const std::vector<CommitParticipant*>& participants);

  rocksdb::DB* db_;
  mutable absl::Mutex mu_;
  std::vector<CommitParticipant*> participants_ ABSL_GUARDED_BY(mu_);
  std::deque<Job*> queue_ ABSL_GUARDED_BY(mu_);  // the front job's writer is the leader
  Stats stats_ ABSL_GUARDED_BY(mu_);
  // The first failed write's status; once set, no batch is written again in this process.
  absl::Status write_error_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nexus

#endif  // NEXUS_SERVER_COMMIT_QUEUE_H_
