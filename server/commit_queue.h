// Group commit: concurrent writers hand in staging functions; one of them (the leader) runs every
// queued function into a single WriteBatch and writes it with sync = true, so that many small
// durable writes cost one fsync. Participants (RecordStore, AuditLog) keep per-batch state, told
// when a batch begins and whether it became durable.
#ifndef NEXUS_SERVER_COMMIT_QUEUE_H_
#define NEXUS_SERVER_COMMIT_QUEUE_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <vector>

#include "absl/status/status.h"

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
  // The batch was written durably (true) or not at all (false).
  virtual void EndBatch(bool durable) = 0;
};

class CommitQueue {
 public:
  using StageFn = std::function<void(rocksdb::WriteBatch& batch)>;

  explicit CommitQueue(rocksdb::DB* db) : db_(db) {}
  // Participants are registered before the first Commit and outlive the queue's use.
  void AddParticipant(CommitParticipant* participant) { participants_.push_back(participant); }

  // Runs `stage` (possibly on another writer's thread, always in arrival order and never
  // concurrently with another stage) and returns once the batch holding its writes is durable.
  absl::Status Commit(const StageFn& stage);

  // Batches written and jobs they carried, since the queue was made: their ratio is the mean
  // group size, the figure that shows how well group commit amortizes fsyncs.
  struct Stats {
    uint64_t batches = 0;
    uint64_t jobs = 0;
  };
  Stats stats() const;

 private:
  struct Job;
  void Lead(const std::vector<Job*>& jobs);

  rocksdb::DB* db_;
  std::vector<CommitParticipant*> participants_;
  mutable std::mutex mu_;
  std::deque<Job*> queue_;  // the front job's writer is the leader
  Stats stats_;             // guarded by mu_
};

}  // namespace nexus

#endif  // NEXUS_SERVER_COMMIT_QUEUE_H_
