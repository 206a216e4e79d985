// A seeded source of random choices for the property tests: a failing seed replays exactly.
#ifndef NEXUS_TESTS_SEEDED_RANDOM_H_
#define NEXUS_TESTS_SEEDED_RANDOM_H_

#include <cstddef>
#include <cstdint>
#include <random>

namespace nexus::testing {

class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : engine_(seed) {}
  int Below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(engine_); }
  bool Chance(int percent) { return Below(100) < percent; }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(N)];
  }
  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
};

}  // namespace nexus::testing

#endif  // NEXUS_TESTS_SEEDED_RANDOM_H_
