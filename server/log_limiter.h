// The node log's flood guard: a token bucket of lines. A burst of `burst` lines passes, then
// `per_second` lines a second; what is dropped is counted, and the next line that passes says how
// many were dropped before it, so that a flood (a peer sending garbage, a client hammering a
// refused call) costs the log a bounded rate and loses no count. The audit log is not limited:
// every refusal is there in full.
#ifndef NEXUS_SERVER_LOG_LIMITER_H_
#define NEXUS_SERVER_LOG_LIMITER_H_

#include <algorithm>
#include <cstdint>

#include "absl/time/time.h"

namespace nexus {

class LogLimiter {
 public:
  LogLimiter(double burst, double per_second)
      : burst_(burst), per_second_(per_second), tokens_(burst) {}

  struct Verdict {
    bool pass = false;
    uint64_t dropped_before = 0;  // lines dropped since the last that passed (when it passes)
  };

  // Whether a line at `now` passes. Not thread-safe: the logger calls it under its lock.
  Verdict Admit(absl::Time now) {
    if (last_ != absl::InfinitePast()) {
      tokens_ = std::min(burst_, tokens_ + absl::ToDoubleSeconds(now - last_) * per_second_);
    }
    last_ = std::max(last_, now);
    Verdict verdict;
    if (tokens_ < 1) {
      ++dropped_;
      return verdict;
    }
    tokens_ -= 1;
    verdict.pass = true;
    verdict.dropped_before = dropped_;
    dropped_ = 0;
    return verdict;
  }

  // Lines dropped since the last that passed, now reported elsewhere (a last word at shutdown):
  // the next line that passes does not count them again.
  uint64_t TakeDropped() {
    const uint64_t dropped = dropped_;
    dropped_ = 0;
    return dropped;
  }

 private:
  double burst_;
  double per_second_;
  double tokens_;
  absl::Time last_ = absl::InfinitePast();
  uint64_t dropped_ = 0;
};

}  // namespace nexus

#endif  // NEXUS_SERVER_LOG_LIMITER_H_
