// A queue of bounded length between threads: a producer that gets ahead blocks instead of
// growing the queue, and either side can close it to tell the other to stop.
#ifndef NEXUS_COMMON_STORAGE_BOUNDED_QUEUE_H_
#define NEXUS_COMMON_STORAGE_BOUNDED_QUEUE_H_

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

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
  bool Push(T item) {
    std::unique_lock lock(mu_);
    not_full_.wait(lock, [this] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  // The oldest item, waiting while the queue is empty and open. Items pushed before Close() are
  // still handed out; nullopt once the queue is closed and empty.
  std::optional<T> Pop() {
    std::unique_lock lock(mu_);
    not_empty_.wait(lock, [this] { return closed_ || !items_.empty(); });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  // Wakes every waiter; later pushes fail. Idempotent.
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_full_.notify_all();
    not_empty_.notify_all();
  }

 private:
  const size_t capacity_;
  // The standard mutex rather than absl::Mutex: ThreadSanitizer intercepts pthread locks, but not
  // Debian's uninstrumented abseil, and reported the hand-over of items between a reading thread
  // and its consumer as a race (tests/tsan.sh). Everything below is guarded by mu_.
  std::mutex mu_;
  std::condition_variable not_full_;
  std::condition_variable not_empty_;
  std::deque<T> items_;
  bool closed_ = false;
};

}  // namespace nexus

#endif  // NEXUS_COMMON_STORAGE_BOUNDED_QUEUE_H_
