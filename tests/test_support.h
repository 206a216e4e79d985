// Shared by tests and benchmarks: temporary directories, the test PKI, loopback ports reserved
// before a node starts, a real nexusd process, and waiting on a condition with a deadline (never a
// bare sleep).
#ifndef NEXUS_TESTS_TEST_SUPPORT_H_
#define NEXUS_TESTS_TEST_SUPPORT_H_

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "client/nexus_client.h"
#include "nexus/v1/record.pb.h"

namespace nexus::testing {

// A fresh directory under $TMPDIR, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// Polls `condition` until it holds or `timeout` passes; returns whether it held.
bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout = absl::Seconds(20));

// The test PKI (certs/make-dev-pki.sh with --test-extras) for agencies "agency-a",
// "agency-b", "agency-c" and "agency-coord" (a regional coordinator, for federation tests),
// created on first use. Returns its directory.
const std::string& TestPki();

// A well-formed draft record with one indicator of each given value (phone numbers by default).
v1::Record SampleDraft(const std::vector<std::pair<v1::IndicatorType, std::string>>& indicators = {
                           {v1::INDICATOR_TYPE_PHONE, "+33 6 12 34 56 78"}});

// Writes a node configuration for `agency` into `dir` using the test PKI; returns its path. The
// federation: agency-a and agency-b (FR, group region-west), agency-c (DE, group region-east).
std::string WriteNodeConfig(const std::string& dir, const std::string& agency,
                            const std::string& extra = "");

// WriteNodeConfig for a node whose sharing policy is `policy_text` (written beside the config).
std::string WriteNodeConfigWithPolicy(const std::string& dir, const std::string& agency,
                                      const std::string& policy_text);

// A loopback port for a node, chosen before any node starts so that peers can name each other,
// and kept across the node's restarts. It is drawn from below the kernel's ephemeral range
// (ip_local_port_range), where neither outgoing connections nor port-0 binds ever land, and held
// by a bound socket until Release(): the node is about to bind it itself (nexusd does not share a
// port: it sets no SO_REUSEPORT).
class ReservedPort {
 public:
  ReservedPort();
  ~ReservedPort() { Release(); }
  ReservedPort(const ReservedPort&) = delete;
  ReservedPort& operator=(const ReservedPort&) = delete;
  int port() const { return port_; }
  std::string address() const;  // "127.0.0.1:<port>"
  void Release();

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A real nexusd process, started from a config file, stopped on destruction.
class NexusdProcess {
 public:
  // Starts nexusd and waits until it serves (or exits). Check ok() and address().
  explicit NexusdProcess(const std::string& config_path,
                         const std::vector<std::string>& extra_args = {});
  ~NexusdProcess();

  bool ok() const { return !address_.empty(); }
  pid_t pid() const { return pid_; }
  const std::string& address() const { return address_; }
  const std::string& log_path() const { return log_path_; }
  std::string ReadLog() const;
  // SIGTERM and wait; returns the exit status (as from waitpid), or -1 if it had to be killed.
  int Stop();
  void Kill();  // SIGKILL, no cleanup: a crash

 private:
  pid_t pid_ = -1;
  std::string address_;
  std::string log_path_;
  std::string ready_path_;
};

// The port of the TAXII endpoint a node's log names ("TAXII 2.1 discovery at https://…:PORT/");
// 0 if it names none.
int TaxiiPortFromLog(const std::string& log);

// Client options for `agency`'s certificate `role` ("analyst", "auditor", "node") against
// `address`; for "expired" and "foreign" the test extras of agency-a.
ClientOptions ClientFor(const std::string& address, const std::string& agency,
                        const std::string& role = "analyst");
// The same from a PKI that certs/make-dev-pki.sh made in `pki` (no test extras), for benchmarks
// whose members are not the test federation's.
ClientOptions ClientInPki(const std::string& pki, const std::string& address,
                          const std::string& agency, const std::string& role = "analyst");

// Runs a command line through /bin/sh; returns its exit code and fills `output` (stdout+stderr;
// a redirection in `command` takes its stdout elsewhere).
int RunCommand(const std::string& command, std::string* output);

// Ed25519 signatures per second of one core over a manifest-sized message: the best of three
// one-second runs, so that a noisy neighbour does not flatter a benchmark's ratio to it.
double Ed25519SigningRate();

}  // namespace nexus::testing

#endif  // NEXUS_TESTS_TEST_SUPPORT_H_
