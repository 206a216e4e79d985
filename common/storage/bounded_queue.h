// A queue of bounded length between threads: a producer that gets ahead blocks instead of
// growing the queue, and either side can close it to tell the other to stop.
#ifndef NEXUS_COMMON_STORAGE_BOUNDED_QUEUE_H_
#define NEXUS_COMMON_STORAGE_BOUNDED_QUEUE_H_

#include <cstddef>
#include <deque>
#include <optional>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace nexus {

template <typename T>
class BoundedQueue {
 public:
  // REQUIRES: capacity > 0.
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}
  BoundedQueue(const BoundedQueue&) = delete;
  BoundedQueue& operator=(const BoundedQueue&) = delete;

  // Appends `item`, waiting while the queue is full. Returns false, dropping the item, if the
  // queue is closed (before or while waiting): the consumer has stopped.
  bool Push(T item) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    while (!closed_ && items_.size() >= capacity_) not_full_.Wait(&mu_);
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.Signal();
    return true;
  }

  // The oldest item, waiting while the queue is empty and open. Items pushed before Close() are
  // still handed out; nullopt once the queue is closed and empty.
  std::optional<T> Pop() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    while (!closed_ && items_.empty()) not_empty_.Wait(&mu_);
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.Signal();
    return item;
  }

  // Wakes every waiter; later pushes fail. Idempotent.
  void Close() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    closed_ = true;
    not_full_.SignalAll();
    not_empty_.SignalAll();
  }

 private:
  const size_t capacity_;
  // Condition variables rather than Mutex::Await: the predicates then run only in our code with
  // the lock held, never in another thread's Unlock.
  absl::Mutex mu_;
  absl::CondVar not_full_;
  absl::CondVar not_empty_;
  std::deque<T> items_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace nexus

#endif  // NEXUS_COMMON_STORAGE_BOUNDED_QUEUE_H_
