// Counting an unbounded set of keys in bounded memory, for the busiest records and the most
// given purposes of an audit report over any number of entries.
//
// The space-saving algorithm (Metwally, Agrawal, El Abbadi, 2005): at most `capacity` keys are
// kept; a key that arrives when every slot is taken replaces the least counted key and inherits
// its count, which it may not have earned (`overcount`). Every key counted more often than
// total / capacity is kept, and a kept key's true count lies in [count - overcount, count].
// Exact while no more than `capacity` distinct keys were added.
#ifndef NEXUS_CLIENT_CLI_TOP_COUNTER_H_
#define NEXUS_CLIENT_CLI_TOP_COUNTER_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace nexus {

class TopCounter {
 public:
  struct Item {
    std::string key;
    uint64_t count = 0;      // an upper bound of the key's true count
    uint64_t overcount = 0;  // at most this much of `count` belongs to evicted keys
  };

  explicit TopCounter(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // Counts `key` `n` more times; returns the key it evicted to make room, if it did.
  std::optional<std::string> Add(const std::string& key, uint64_t n = 1) {
    total_ += n;
    auto it = slot_of_.find(key);
    if (it != slot_of_.end()) {
      Slot& slot = slots_[it->second];
      by_count_.erase({slot.count, it->second});
      slot.count += n;
      by_count_.insert({slot.count, it->second});
      return std::nullopt;
    }
    if (slots_.size() < capacity_) {
      slots_.push_back(Slot{key, n, 0});
      slot_of_.emplace(key, slots_.size() - 1);
      by_count_.insert({n, slots_.size() - 1});
      return std::nullopt;
    }
    // The least counted slot (ties: the one filled first) takes the new key and its count.
    const auto least = *by_count_.begin();
    by_count_.erase(by_count_.begin());
    Slot& slot = slots_[least.second];
    std::optional<std::string> evicted = std::move(slot.key);
    slot_of_.erase(*evicted);
    slot = Slot{key, least.first + n, least.first};
    slot_of_.emplace(key, least.second);
    by_count_.insert({slot.count, least.second});
    ++evictions_;
    return evicted;
  }

  // The `n` most counted keys, most counted first (ties by key).
  std::vector<Item> Top(size_t n) const {
    std::vector<Item> top;
    for (const Slot& slot : slots_) top.push_back(Item{slot.key, slot.count, slot.overcount});
    auto order = [](const Item& a, const Item& b) {
      return a.count != b.count ? a.count > b.count : a.key < b.key;
    };
    const size_t kept = std::min(n, top.size());
    std::partial_sort(top.begin(), top.begin() + static_cast<ptrdiff_t>(kept), top.end(), order);
    top.resize(kept);
    return top;
  }

  bool exact() const { return evictions_ == 0; }
  uint64_t evictions() const { return evictions_; }
  uint64_t total() const { return total_; }
  size_t kept() const { return slots_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  struct Slot {
    std::string key;
    uint64_t count = 0;
    uint64_t overcount = 0;
  };
  size_t capacity_;
  uint64_t total_ = 0;
  uint64_t evictions_ = 0;
  std::vector<Slot> slots_;
  std::unordered_map<std::string, size_t> slot_of_;
  // (count, slot): ordered by count without comparing keys, which share long prefixes (ids).
  std::set<std::pair<uint64_t, size_t>> by_count_;
};

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_TOP_COUNTER_H_
