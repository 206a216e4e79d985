// Work that is mostly signatures (signing drafts, verifying received versions) spread over the
// machine's cores, for one batch at a time.
#ifndef NEXUS_SERVER_ON_CORES_H_
#define NEXUS_SERVER_ON_CORES_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace nexus {

// Runs `work(i)` for every i in [0, count), each exactly once, on up to as many threads as the
// machine has cores (at most 4; the calling thread is one of them), and returns when all are
// done. A batch of fewer than `min_per_thread` items per extra thread runs on the caller alone:
// starting a thread costs more than a few signatures. `work` must be safe to run concurrently
// for different i.
template <typename Work>
void ForEachOnCores(size_t count, size_t min_per_thread, const Work& work) {
  const size_t cores = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 4);
  const size_t threads = std::clamp<size_t>(count / std::max<size_t>(min_per_thread, 1), 1, cores);
  if (threads == 1) {
    for (size_t i = 0; i < count; ++i) work(i);
    return;
  }
  // Items are taken one at a time, so a slow item (a large record) does not hold up a share.
  std::atomic<size_t> next{0};
  auto run = [&] {
    for (size_t i = next.fetch_add(1); i < count; i = next.fetch_add(1)) work(i);
  };
  std::vector<std::thread> helpers;
  helpers.reserve(threads - 1);
  for (size_t t = 1; t < threads; ++t) helpers.emplace_back(run);
  run();
  for (std::thread& helper : helpers) helper.join();
}

}  // namespace nexus

#endif  // NEXUS_SERVER_ON_CORES_H_
