// A progress line for long commands (import, audit verify of millions of entries), redrawn in
// place on standard error at most twice a second, and only when standard error is a terminal:
// a script or a log file gets the result alone.
#ifndef NEXUS_CLIENT_CLI_TERMINAL_PROGRESS_H_
#define NEXUS_CLIENT_CLI_TERMINAL_PROGRESS_H_

#include <unistd.h>

#include <cstdio>
#include <functional>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace nexus {

class TerminalProgress {
 public:
  // `line` says how far the command is, given the time since it began.
  explicit TerminalProgress(std::function<std::string(absl::Duration elapsed)> line)
      : line_(std::move(line)), tty_(isatty(fileno(stderr)) == 1), start_(absl::Now()) {}
  ~TerminalProgress() { Done(); }

  void Tick() {
    if (!tty_) return;
    const absl::Time now = absl::Now();
    if (now - last_ < absl::Milliseconds(500)) return;
    last_ = now;
    std::fprintf(stderr, "\r\033[K%s", line_(now - start_).c_str());
    drawn_ = true;
  }
  // Clears the line, so that the result is printed on a clean one.
  void Done() {
    if (drawn_) std::fprintf(stderr, "\r\033[K");
    drawn_ = false;
  }
  absl::Duration elapsed() const { return absl::Now() - start_; }

 private:
  std::function<std::string(absl::Duration)> line_;
  bool tty_;
  bool drawn_ = false;
  absl::Time start_;
  absl::Time last_ = absl::InfinitePast();
};

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_TERMINAL_PROGRESS_H_
