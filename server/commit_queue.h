// Group commit: writers hand in staging functions; one writer thread runs every queued function
// into a single batch (common/storage/batch.h) and writes it with sync = true, so that many small
// durable writes cost one fsync. Participants (RecordStore, AuditLog) keep per-batch state, told
// when a batch begins and whether it became durable.
//
// The writer thread is the only leader, so no writer waits for a hand-over of leadership, and
// while it writes one batch the next one gathers. A caller either waits for its batch (Commit)
// or hands over a completion and returns at once (CommitAsync): a caller with many appends in
// flight parks no thread per append.
#ifndef NEXUS_SERVER_COMMIT_QUEUE_H_
#define NEXUS_SERVER_COMMIT_QUEUE_H_

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "common/storage/store.h"
#include "server/latency_histogram.h"

namespace nexus {

class CommitParticipant {
 public:
  virtual ~CommitParticipant() = default;
  // The writer starts staging a new batch.
  virtual void BeginBatch() = 0;
  // Every stage function of the batch has run; the participant may add its last writes (the
  // audit log's signed tree head) before the batch is written.
  virtual void FinishBatch(storage::Batch& batch) { (void)batch; }
  // The batch was written durably (true) or not at all (false).
  virtual void EndBatch(bool durable) = 0;
};

class CommitQueue {
 public:
  using StageFn = std::function<void(storage::Batch& batch)>;
  // Told whether the batch holding a commit's writes is durable. Runs on the writer thread: it
  // must not block, nor wait for another commit (it may queue one with CommitAsync).
  using DoneFn = std::function<void(const absl::Status& status)>;

  // Starts the writer thread. `store` must outlive the queue.
  explicit CommitQueue(storage::Store* store);
  // Stops the writer thread once every queued commit is written (or failed).
  ~CommitQueue();
  CommitQueue(const CommitQueue&) = delete;
  CommitQueue& operator=(const CommitQueue&) = delete;

  // Participants are registered before the first commit, and each is removed before it is
  // destroyed. RemoveParticipant returns once no batch uses `participant`.
  // REQUIRES (RemoveParticipant): not called on the writer thread.
  void AddParticipant(CommitParticipant* participant) ABSL_LOCKS_EXCLUDED(mu_);
  void RemoveParticipant(CommitParticipant* participant) ABSL_LOCKS_EXCLUDED(mu_);

  // Runs `stage` on the writer thread (in arrival order, never concurrently with another stage)
  // and returns once the batch holding its writes is durable. Called after the queue began to
  // stop, or from the writer thread (a stage function or a completion), it fails at once with
  // FailedPrecondition instead of waiting forever. A failed write is sticky (as
  // LevelDB's bg_error_): the batch may have partly reached the WAL or memtable, so staging more
  // from the durable frontier could reuse sequence numbers and overwrite entries, tree nodes or
  // the head. After one failure every commit fails with it.
  absl::Status Commit(const StageFn& stage) ABSL_LOCKS_EXCLUDED(mu_);
  // As Commit, but returns at once; `done` is called on the writer thread once the batch is
  // durable or failed (or at once, on the caller's thread, if the queue is stopping).
  void CommitAsync(StageFn stage, DoneFn done) ABSL_LOCKS_EXCLUDED(mu_);
  // Makes every later commit fail with `reason`, as a failed write does: for a store found
  // altered while the node runs, on which nothing more may be built. The first reason stays.
  void Fail(absl::Status reason) ABSL_LOCKS_EXCLUDED(mu_);

  // Batches written and jobs they carried, since the queue was made: their ratio is the mean
  // group size, the figure that shows how well group commit amortizes fsyncs.
  struct Stats {
    uint64_t batches = 0;
    uint64_t jobs = 0;
    bool failed = false;  // a write failed: nothing more is written until a restart
  };
  Stats stats() const ABSL_LOCKS_EXCLUDED(mu_);
  // How long each batch's durable write took (the write-ahead log and its fsync).
  const LatencyHistogram& write_seconds() const { return write_seconds_; }

 private:
  struct Job;
  struct Waiter;
  // Queues `job`, or answers it at once (false) if it can never be written: the queue is
  // stopping, or a Commit comes from the writer thread itself (it would wait for itself).
  bool Enqueue(Job& job) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void WriterLoop() ABSL_LOCKS_EXCLUDED(mu_);
  // Stages and writes `jobs` as one batch, on the writer thread, without mu_.
  absl::Status Write(std::vector<Job>& jobs, const std::vector<CommitParticipant*>& participants);

  storage::Store* const store_;
  mutable absl::Mutex mu_;
  absl::CondVar queued_;  // signalled when a job is queued or the queue stops
  std::vector<CommitParticipant*> participants_ ABSL_GUARDED_BY(mu_);
  std::deque<Job> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // Batches taken and batches done with (participants told, completions run): a participant
  // removed while batch n is in use waits for finished_ to reach n, not for an idle queue.
  uint64_t started_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t finished_ ABSL_GUARDED_BY(mu_) = 0;
  absl::CondVar finished_cv_;
  std::thread::id writer_id_ ABSL_GUARDED_BY(mu_);
  Stats stats_ ABSL_GUARDED_BY(mu_);
  // The first failed write's status; once set, no batch is written again in this process.
  absl::Status write_error_ ABSL_GUARDED_BY(mu_);
  LatencyHistogram write_seconds_;
  std::thread writer_;  // last: started once every member above is made
};

}  // namespace nexus

#endif  // NEXUS_SERVER_COMMIT_QUEUE_H_
