#include "server/commit_queue.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace nexus {
namespace {
// Most jobs one batch takes: bounds one batch and the wait of the first writer in it.
constexpr size_t kMaxJobsPerBatch = 512;
}  // namespace

// A caller of Commit, waiting on a condition of its own: a written batch wakes exactly the
// callers it covered.
struct CommitQueue::Waiter {
  absl::Status status;
  bool done = false;
  absl::CondVar cv;
};

struct CommitQueue::Job {
  const StageFn* borrowed = nullptr;  // Commit's, alive while its caller waits
  StageFn owned;                      // CommitAsync's
  Waiter* waiter = nullptr;           // Commit
  DoneFn done;                        // CommitAsync

  void Stage(rocksdb::WriteBatch& batch) const {
    if (borrowed != nullptr) {
      (*borrowed)(batch);
    } else {
      owned(batch);
    }
  }
};

CommitQueue::CommitQueue(rocksdb::DB* db) : db_(db), writer_([this] { WriterLoop(); }) {}

CommitQueue::~CommitQueue() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    queued_.Signal();
  }
  writer_.join();
}

void CommitQueue::AddParticipant(CommitParticipant* participant) {
  absl::MutexLock lock(&mu_);
  participants_.push_back(participant);
}

absl::Status CommitQueue::Commit(const StageFn& stage) {
  Waiter waiter;
  Job job;
  job.borrowed = &stage;
  job.waiter = &waiter;
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(job));
  queued_.Signal();
  while (!waiter.done) waiter.cv.Wait(&mu_);
  return waiter.status;
}

void CommitQueue::CommitAsync(StageFn stage, DoneFn done) {
  Job job;
  job.owned = std::move(stage);
  job.done = std::move(done);
  absl::MutexLock lock(&mu_);
  queue_.push_back(std::move(job));
  queued_.Signal();
}

void CommitQueue::Fail(absl::Status reason) {
  absl::MutexLock lock(&mu_);
  if (write_error_.ok()) write_error_ = std::move(reason);
}

void CommitQueue::RemoveParticipant(CommitParticipant* participant) {
  absl::MutexLock lock(&mu_);
  participants_.erase(std::remove(participants_.begin(), participants_.end(), participant),
                      participants_.end());
  // The batch being written holds its own copy of the list: wait until it is done with it.
  while (writing_) written_.Wait(&mu_);
}

CommitQueue::Stats CommitQueue::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void CommitQueue::WriterLoop() {
  std::vector<Job> jobs;
  while (true) {
    std::vector<CommitParticipant*> participants;
    absl::Status earlier_failure;
    {
      absl::MutexLock lock(&mu_);
      while (queue_.empty() && !stopping_) queued_.Wait(&mu_);
      if (queue_.empty()) return;  // stopping, and every queued commit has its answer
      // Everything queued while the last batch was written goes into this one.
      const auto end = queue_.begin() + std::min(queue_.size(), kMaxJobsPerBatch);
      jobs.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(end));
      queue_.erase(queue_.begin(), end);
      participants = participants_;
      earlier_failure = write_error_;
      writing_ = true;
    }
    // After a failure nothing is staged: every job fails with the first failure.
    absl::Status status = earlier_failure.ok() ? Write(jobs, participants) : earlier_failure;
    {
      absl::MutexLock lock(&mu_);
      if (earlier_failure.ok()) {
        if (!status.ok() && write_error_.ok()) {
          write_error_ = absl::InternalError(absl::StrCat(
              status.message(),
              "; the store is in an unknown state (the batch may be partly written), so no later "
              "write is accepted: restart the node so that it verifies its audit log"));
        }
        if (!status.ok()) status = write_error_;
        ++stats_.batches;
        stats_.jobs += jobs.size();
      }
      for (Job& job : jobs) {
        if (job.waiter == nullptr) continue;
        job.waiter->status = status;
        job.waiter->done = true;
        job.waiter->cv.Signal();  // the waiter returns (and its Waiter goes) once mu_ is free
      }
    }
    for (Job& job : jobs) {
      if (job.done) job.done(status);
    }
    jobs.clear();
    {
      // Only now is the batch done with its participants: a completion may still touch the
      // participant that queued it (the audit log counts its appends in flight).
      absl::MutexLock lock(&mu_);
      writing_ = false;
      written_.SignalAll();
    }
  }
}

absl::Status CommitQueue::Write(std::vector<Job>& jobs,
                                const std::vector<CommitParticipant*>& participants) {
  for (CommitParticipant* participant : participants) participant->BeginBatch();
  rocksdb::WriteBatch batch;
  for (const Job& job : jobs) job.Stage(batch);
  for (CommitParticipant* participant : participants) participant->FinishBatch(batch);
  rocksdb::WriteOptions options;
  options.sync = true;  // acknowledged means durable
  rocksdb::Status s = db_->Write(options, &batch);
  for (CommitParticipant* participant : participants) participant->EndBatch(s.ok());
  return s.ok() ? absl::OkStatus()
                : absl::InternalError(absl::StrCat("store write: ", s.ToString()));
}

}  // namespace nexus
