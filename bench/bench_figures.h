// What the benchmarks measure with: percentiles of a sample and a process's memory figures.
#ifndef NEXUS_BENCH_BENCH_FIGURES_H_
#define NEXUS_BENCH_BENCH_FIGURES_H_

#include <sys/types.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace nexus::bench {

// The value at fraction `p` (0.5: the median) of `values`, nearest rank below.
inline double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(p * (values.size() - 1))];
}

// A kB figure of /proc/PID/status ("VmHWM:" the peak resident set, "VmRSS:" the current one), in
// MiB; -1 if unreadable. `pid` 0: this process.
inline double StatusMiB(pid_t pid, const std::string& field) {
  std::ifstream status(pid == 0 ? std::string("/proc/self/status")
                                : absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field, 0) != 0) continue;
    std::string value(absl::StripAsciiWhitespace(line.substr(field.size())));
    double kib = 0;
    if (!absl::SimpleAtod(value.substr(0, value.find(' ')), &kib)) return -1;
    return kib / 1024;
  }
  return -1;
}

}  // namespace nexus::bench

#endif  // NEXUS_BENCH_BENCH_FIGURES_H_
