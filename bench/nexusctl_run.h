// One run of nexusctl as its own process, timed as a whole, for the benchmarks that measure a
// command as an operator runs it: wall time, and peak RSS from wait4.
#ifndef NEXUS_BENCH_NEXUSCTL_RUN_H_
#define NEXUS_BENCH_NEXUSCTL_RUN_H_

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace nexus {

struct NexusctlRun {
  int exit_code = -1;
  double seconds = 0;
  long max_rss_kib = 0;
  double cpu_seconds = 0;  // user + system, from wait4
};

// Runs nexusctl (NEXUS_NEXUSCTL_PATH) with `args`, its output to the file `log`.
inline NexusctlRun RunNexusctl(const std::vector<std::string>& args, const std::string& log) {
  NexusctlRun run;
  absl::Time start = absl::Now();
  pid_t pid = fork();
  if (pid == 0) {
    FILE* out = std::fopen(log.c_str(), "w");
    dup2(fileno(out), 1);
    dup2(fileno(out), 2);
    std::vector<char*> argv = {const_cast<char*>(NEXUS_NEXUSCTL_PATH)};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  struct rusage usage;
  wait4(pid, &status, 0, &usage);
  run.seconds = absl::ToDoubleSeconds(absl::Now() - start);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.max_rss_kib = usage.ru_maxrss;
  run.cpu_seconds = usage.ru_utime.tv_sec + usage.ru_utime.tv_usec / 1e6 + usage.ru_stime.tv_sec +
                    usage.ru_stime.tv_usec / 1e6;
  return run;
}

}  // namespace nexus

#endif  // NEXUS_BENCH_NEXUSCTL_RUN_H_
