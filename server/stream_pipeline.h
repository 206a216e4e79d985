// Two stages of one stream, overlapped: the stream's own thread prepares message N+1 (the checks
// and signatures, on every core) while the pipeline's thread finishes message N (the durable
// write, the answer). Without it the cores idle while the disk syncs, and the disk while they
// work.
//
// Items are finished one at a time, in the order they were put. One item waits at most, so a
// stream holds at most three messages (one finishing, one waiting, one being prepared) and its
// memory stays bounded.
#ifndef NEXUS_SERVER_STREAM_PIPELINE_H_
#define NEXUS_SERVER_STREAM_PIPELINE_H_

#include <functional>
#include <optional>
#include <thread>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace nexus {

template <typename Item>
class StreamPipeline {
 public:
  // Finishes one item on the pipeline's thread; false stops the pipeline (no later item is
  // finished: they are dropped, and Put says so).
  using FinishFn = std::function<bool(Item item)>;
  // Told of each item put but never finished because the pipeline stopped before it, on the
  // thread that found it so: the stream may owe someone an answer or an audit entry for it.
  using DropFn = std::function<void(Item item)>;

  explicit StreamPipeline(FinishFn finish, DropFn drop = nullptr)
      : finish_(std::move(finish)), drop_(std::move(drop)), finisher_([this] { FinishLoop(); }) {}
  // Finishes what was put (Close) before it goes.
  ~StreamPipeline() { Close(); }
  StreamPipeline(const StreamPipeline&) = delete;
  StreamPipeline& operator=(const StreamPipeline&) = delete;

  // Waits until an item may be put without waiting: false if the pipeline stopped. A stream
  // asks before it reads its next message, so that it stops reading once finishing stopped.
  bool WaitForRoom() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &StreamPipeline::HasRoom));
    return !stopped_;
  }
  // Hands `item` over once the one before it was taken; false (the item dropped) if the
  // pipeline stopped.
  bool Put(Item item) ABSL_LOCKS_EXCLUDED(mu_) {
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &StreamPipeline::HasRoom));
      if (!stopped_) {
        waiting_ = std::move(item);
        return true;
      }
    }
    if (drop_) drop_(std::move(item));
    return false;
  }
  // Waits until every item put so far is finished (or the pipeline stopped): false if it
  // stopped. The pipeline takes more items afterwards.
  bool Drain() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(this, &StreamPipeline::Idle));
    return !stopped_;
  }
  // No more items: returns once every item put is finished or dropped, and the thread is gone.
  void Close() ABSL_LOCKS_EXCLUDED(mu_) {
    {
      absl::MutexLock lock(&mu_);
      closed_ = true;
    }
    if (finisher_.joinable()) finisher_.join();
  }

 private:
  bool HasRoom() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !waiting_.has_value() || stopped_;
  }
  bool Idle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return (!waiting_.has_value() && !finishing_) || stopped_;
  }
  bool Ready() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return waiting_.has_value() || closed_; }

  void FinishLoop() ABSL_LOCKS_EXCLUDED(mu_) {
    while (true) {
      std::optional<Item> next;
      {
        absl::MutexLock lock(&mu_);
        finishing_ = false;
        mu_.Await(absl::Condition(this, &StreamPipeline::Ready));
        if (!waiting_.has_value()) return;  // closed, and nothing waits
        next = std::exchange(waiting_, std::nullopt);
        finishing_ = true;
      }
      if (!finish_(*std::move(next))) break;
    }
    std::optional<Item> dropped;
    {
      absl::MutexLock lock(&mu_);
      stopped_ = true;
      finishing_ = false;
      dropped = std::exchange(waiting_, std::nullopt);  // its stream learns at Put or Drain
    }
    if (dropped.has_value() && drop_) drop_(*std::move(dropped));
  }

  const FinishFn finish_;
  const DropFn drop_;
  absl::Mutex mu_;
  std::optional<Item> waiting_ ABSL_GUARDED_BY(mu_);
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  std::thread finisher_;  // last: started once every member above is made
};

}  // namespace nexus

#endif  // NEXUS_SERVER_STREAM_PIPELINE_H_
