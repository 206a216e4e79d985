// What the benchmarks measure with: percentiles of a sample, a process's memory and CPU figures,
// and the bytes sent on loopback.
#ifndef NEXUS_BENCH_BENCH_FIGURES_H_
#define NEXUS_BENCH_BENCH_FIGURES_H_

#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>
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

// The CPU time (user + system, in seconds) a process has used so far, from /proc/PID/stat; -1 if
// unreadable.
inline double CpuSeconds(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  if (!std::getline(stat, line)) return -1;
  // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
  const size_t end = line.rfind(')');
  if (end == std::string::npos) return -1;
  std::istringstream fields(line.substr(end + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {  // utime is field 14, stime 15
    double value = 0;
    if (i >= 14 && absl::SimpleAtod(field, &value)) ticks += value;
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Bytes sent on the loopback interface since boot (/proc/net/dev), by every process on the
// machine; -1 if unreadable.
inline double LoopbackBytesSent() {
  std::ifstream dev("/proc/net/dev");
  std::string line;
  while (std::getline(dev, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos || absl::StripAsciiWhitespace(line.substr(0, colon)) != "lo") {
      continue;
    }
    std::istringstream fields(line.substr(colon + 1));
    double value = 0;
    for (int i = 0; i < 9 && fields >> value; ++i) {  // 8 receive figures, then bytes sent
    }
    return value;
  }
  return -1;
}

}  // namespace nexus::bench

#endif  // NEXUS_BENCH_BENCH_FIGURES_H_
