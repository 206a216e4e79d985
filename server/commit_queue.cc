#include "server/commit_queue.h"

#include <algorithm>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

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

  void Stage(storage::Batch& batch) const {
    if (borrowed != nullptr) {
      (*borrowed)(batch);
    } else {
      owned(batch);
    }
  }
};

CommitQueue::CommitQueue(storage::Store* store) : store_(store) {
  absl::MutexLock lock(&mu_);  // the writer reads writer_id_ under mu_ only after this
  writer_ = std::thread([this] { WriterLoop(); });
  writer_id_ = writer_.get_id();
}

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
  if (Enqueue(job)) {
    while (!waiter.done) waiter.cv.Wait(&mu_);
  }
  return waiter.status;
}

void CommitQueue::CommitAsync(StageFn stage, DoneFn done) {
  Job job;
  job.owned = std::move(stage);
  job.done = std::move(done);
  absl::MutexLock lock(&mu_);
  Enqueue(job);
}

void CommitQueue::Fail(absl::Status reason) {
  absl::MutexLock lock(&mu_);
  if (write_error_.ok()) write_error_ = std::move(reason);
}

void CommitQueue::RemoveParticipant(CommitParticipant* participant) {
  absl::MutexLock lock(&mu_);
  participants_.erase(std::remove(participants_.begin(), participants_.end(), participant),
                      participants_.end());
  // A batch already taken holds its own copy of the list: wait until that one is done with it.
  const uint64_t taken = started_;
  while (finished_ < taken) finished_cv_.Wait(&mu_);
}

bool CommitQueue::Enqueue(Job& job) {
  const bool waits_for_itself = job.waiter != nullptr && std::this_thread::get_id() == writer_id_;
  if (!stopping_ && !waits_for_itself) {
    queue_.push_back(std::move(job));
    queued_.Signal();
    return true;
  }
  const absl::Status refused = absl::FailedPreconditionError(
      stopping_ ? "the commit queue is stopping: nothing more is written"
                : "a waiting commit from the commit queue's own writer thread (a stage "
                  "function or a completion) would wait for itself");
  if (job.waiter != nullptr) {
    job.waiter->status = refused;
    job.waiter->done = true;
  }
  if (job.done) {
    DoneFn done = std::move(job.done);
    mu_.Unlock();  // a completion runs without the queue's lock, as the writer runs it
    done(refused);
    mu_.Lock();
  }
  return false;
}

CommitQueue::Stats CommitQueue::stats() const {
  absl::MutexLock lock(&mu_);
  Stats stats = stats_;
  stats.failed = !write_error_.ok();
  return stats;
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
      ++started_;
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
      ++finished_;
      finished_cv_.SignalAll();
    }
  }
}

absl::Status CommitQueue::Write(std::vector<Job>& jobs,
                                const std::vector<CommitParticipant*>& participants) {
  for (CommitParticipant* participant : participants) participant->BeginBatch();
  std::unique_ptr<storage::Batch> batch = store_->NewBatch();
  for (const Job& job : jobs) job.Stage(*batch);
  for (CommitParticipant* participant : participants) participant->FinishBatch(*batch);
  // Acknowledged means durable.
  const absl::Time began = absl::Now();
  absl::Status s = store_->Write(*batch, /*sync=*/true);
  write_seconds_.Observe(absl::Now() - began);
  for (CommitParticipant* participant : participants) participant->EndBatch(s.ok());
  return s.ok() ? absl::OkStatus()
                : absl::InternalError(absl::StrCat("store write: ", s.message()));
}

}  // namespace nexus
