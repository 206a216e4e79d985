#include "server/commit_queue.h"

#include "absl/strings/str_cat.h"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"

namespace nexus {
namespace {
// Most jobs one leader takes: bounds one batch and the wait of the first writer in it.
constexpr size_t kMaxJobsPerBatch = 512;
}  // namespace

struct CommitQueue::Job {
  const StageFn* stage;
  absl::Status status;
  bool done = false;
  // Each writer waits on its own condition, so a finished batch wakes exactly the writers it
  // covered and the next leader, not every writer queued.
  absl::CondVar cv;
};

absl::Status CommitQueue::Commit(const StageFn& stage) {
  Job job;
  job.stage = &stage;
  std::vector<Job*> jobs;
  std::vector<CommitParticipant*> participants;
  {
    absl::MutexLock lock(&mu_);
    queue_.push_back(&job);
    while (!job.done && queue_.front() != &job) job.cv.Wait(&mu_);
    if (job.done) return job.status;
    if (!write_error_.ok()) {
      // Not led: fail this job alone and hand over, so that every queued writer learns it.
      queue_.pop_front();
      if (!queue_.empty()) queue_.front()->cv.Signal();
      return write_error_;
    }
    // This writer leads: it commits its own job and those queued behind it so far. The jobs
    // stay in the queue until written, so later writers wait rather than lead concurrently.
    jobs.assign(queue_.begin(), queue_.begin() + std::min(queue_.size(), kMaxJobsPerBatch));
    participants = participants_;
  }
  Lead(jobs, participants);
  absl::MutexLock lock(&mu_);
  if (!job.status.ok() && write_error_.ok()) {
    write_error_ = absl::InternalError(absl::StrCat(
        job.status.message(),
        "; the store is in an unknown state (the batch may be partly written), so no later write "
        "is accepted: restart the node so that it verifies its audit log"));
    for (Job* failed : jobs) failed->status = write_error_;
  }
  ++stats_.batches;
  stats_.jobs += jobs.size();
  for (Job* done : jobs) {
    done->done = true;
    queue_.pop_front();
    if (done != &job) done->cv.Signal();
  }
  if (!queue_.empty()) queue_.front()->cv.Signal();  // the next leader
  return job.status;
}

void CommitQueue::Fail(absl::Status reason) {
  absl::MutexLock lock(&mu_);
  if (write_error_.ok()) write_error_ = std::move(reason);
}

CommitQueue::Stats CommitQueue::stats() const {
  absl::MutexLock lock(&mu_);
  return stats_;
}

void CommitQueue::Lead(const std::vector<Job*>& jobs,
                       const std::vector<CommitParticipant*>& participants) {
  for (CommitParticipant* participant : participants) participant->BeginBatch();
  rocksdb::WriteBatch batch;
  for (Job* job : jobs) (*job->stage)(batch);
  for (CommitParticipant* participant : participants) participant->FinishBatch(batch);
  rocksdb::WriteOptions options;
  options.sync = true;  // acknowledged means durable
  rocksdb::Status s = db_->Write(options, &batch);
  absl::Status status =
      s.ok() ? absl::OkStatus() : absl::InternalError(absl::StrCat("store write: ", s.ToString()));
  for (CommitParticipant* participant : participants) participant->EndBatch(s.ok());
  for (Job* job : jobs) job->status = status;
}

}  // namespace nexus
