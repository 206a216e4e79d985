#include "tests/test_support.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <sstream>
#include <thread>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "common/crypto.h"

namespace nexus::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = absl::StrCat(base != nullptr ? base : "/tmp", "/nexus-test-XXXXXX");
  char* made = mkdtemp(pattern.data());
  if (made == nullptr) std::abort();
  path_ = made;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

bool WaitFor(const std::function<bool()>& condition, absl::Duration timeout) {
  absl::Time deadline = absl::Now() + timeout;
  absl::Duration pause = absl::Milliseconds(1);
  while (true) {
    if (condition()) return true;
    if (absl::Now() > deadline) return false;
    std::this_thread::sleep_for(absl::ToChronoMilliseconds(pause));
    pause = std::min(pause * 2, absl::Milliseconds(50));
  }
}

const std::string& TestPki() {
  static const std::string* dir = [] {
    auto* path = new std::string(NEXUS_TEST_PKI_DIR);
    // ctest creates it once (fixture); a direct run of a test binary creates it here. The lock
    // keeps two test processes from generating it at the same time.
    std::filesystem::create_directories(*path);
    int lock = open((*path + ".lock").c_str(), O_CREAT | O_RDWR, 0600);
    flock(lock, LOCK_EX);
    if (!std::filesystem::exists(*path + "/extras/foreign.crt") ||
        !std::filesystem::exists(*path + "/agency-coord/signing.key")) {
      std::string output;
      int rc = RunCommand(absl::StrCat(NEXUS_SOURCE_DIR, "/certs/make-dev-pki.sh ", *path,
                                       " agency-a agency-b agency-c agency-coord --test-extras"),
                          &output);
      if (rc != 0) {
        std::fprintf(stderr, "make-dev-pki.sh failed: %s\n", output.c_str());
        std::abort();
      }
    }
    flock(lock, LOCK_UN);
    close(lock);
    return path;
  }();
  return *dir;
}

v1::Record SampleDraft(const std::vector<std::pair<v1::IndicatorType, std::string>>& indicators) {
  v1::Record record;
  record.set_tlp(v1::TLP_GREEN);
  record.mutable_distribution()->set_scope(v1::DISTRIBUTION_SCOPE_FEDERATION);
  record.set_case_reference("CASE-1");
  v1::Assessment* assessment = record.mutable_assessment();
  assessment->set_nexus_type(v1::NEXUS_TYPE_ALLIANCE);
  assessment->add_watch_points(v1::WATCH_POINT_CORRUPTION);
  assessment->set_source_reliability(v1::SOURCE_RELIABILITY_B);
  assessment->set_information_credibility(v1::INFORMATION_CREDIBILITY_2);
  for (const auto& [type, value] : indicators) {
    v1::Indicator* indicator = record.add_indicators();
    indicator->set_type(type);
    indicator->set_value(value);
  }
  record.mutable_tags()->add_values("test");
  record.set_summary("A sample record.");
  return record;
}

std::string WriteNodeConfig(const std::string& dir, const std::string& agency,
                            const std::string& extra) {
  const std::string& pki = TestPki();
  std::string config =
      absl::StrCat("agency_id: \"", agency, "\"\n", "listen_address: \"127.0.0.1:0\"\n",
                   "data_dir: \"", dir, "/data\"\n", "tls { certificate_file: \"", pki, "/", agency,
                   "/node.crt\" private_key_file: \"", pki, "/", agency, "/node.key\" ca_file: \"",
                   pki, "/ca.crt\" }\n", "signing_key_file: \"", pki, "/", agency,
                   "/signing.key\"\n", "signing_key_id: \"1\"\n");
  // agency-a and agency-b: France, region-west; agency-c: Germany, region-east. A police unit,
  // a counter-terrorism unit and a financial intelligence unit, each with a liaison contact.
  for (auto [member, country, group, sector] :
       {std::tuple{"agency-a", "FR", "region-west", "SECTOR_POLICE"},
        std::tuple{"agency-b", "FR", "region-west", "SECTOR_COUNTER_TERRORISM"},
        std::tuple{"agency-c", "DE", "region-east", "SECTOR_FINANCIAL_INTELLIGENCE"}}) {
    absl::StrAppend(&config, "agencies { id: \"", member, "\" country: \"", country,
                    "\" groups: \"", group, "\" sector: ", sector, " liaison: \"", member,
                    " liaison desk\" keys { key_id: \"1\" public_key_file: \"", pki, "/keys/",
                    member, ".pub\" } }\n");
  }
  config += extra;
  std::string path = dir + "/node.textproto";
  std::ofstream(path) << config;
  return path;
}

ReservedPort::ReservedPort() {
  // Below the ephemeral range (32768-60999 by default), above well-known and registered services
  // a developer may run (deploy/ uses 74xx and 75xx).
  constexpr int kFirst = 20000, kCount = 10000;
  static std::mt19937 random(std::random_device{}());
  for (int attempt = 0; attempt < 1000; ++attempt) {
    int port = kFirst + static_cast<int>(random() % kCount);
    // Close-on-exec: a node started meanwhile must not inherit (and so keep) another node's port.
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) std::abort();
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0) {
      fd_ = fd;
      port_ = port;
      return;
    }
    close(fd);
  }
  std::abort();  // a thousand ports in use: something is badly wrong
}

void ReservedPort::Release() {
  if (fd_ >= 0) close(fd_);
  fd_ = -1;
}

std::string ReservedPort::address() const { return absl::StrCat("127.0.0.1:", port_); }

NexusdProcess::NexusdProcess(const std::string& config_path,
                             const std::vector<std::string>& extra_args) {
  std::string dir = std::filesystem::path(config_path).parent_path().string();
  log_path_ = dir + "/nexusd.log";
  ready_path_ = dir + "/nexusd.ready";
  std::filesystem::remove(ready_path_);
  pid_ = fork();
  if (pid_ == 0) {
    int log = open(log_path_.c_str(), O_CREAT | O_WRONLY | O_APPEND, 0600);
    dup2(log, STDOUT_FILENO);
    dup2(log, STDERR_FILENO);
    std::vector<const char*> argv = {"nexusd", "--config", config_path.c_str(), "--ready-file",
                                     ready_path_.c_str()};
    for (const std::string& arg : extra_args) argv.push_back(arg.c_str());
    argv.push_back(nullptr);
    execv(NEXUS_NEXUSD_PATH, const_cast<char* const*>(argv.data()));
    _exit(127);
  }
  bool exited = false;
  WaitFor([&] {
    if (std::filesystem::exists(ready_path_)) return true;
    int status;
    exited = waitpid(pid_, &status, WNOHANG) == pid_;
    return exited;
  });
  if (exited) {
    pid_ = -1;
    return;
  }
  std::ifstream ready(ready_path_);
  std::getline(ready, address_);
}

NexusdProcess::~NexusdProcess() {
  if (pid_ > 0) Stop();
}

std::string NexusdProcess::ReadLog() const {
  std::ifstream in(log_path_);
  std::stringstream out;
  out << in.rdbuf();
  return out.str();
}

int NexusdProcess::Stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int status = -1;
  bool exited = WaitFor([&] { return waitpid(pid_, &status, WNOHANG) == pid_; }, absl::Seconds(30));
  if (!exited) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    status = -1;
  }
  pid_ = -1;
  return status;
}

void NexusdProcess::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  int status;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

ClientOptions ClientFor(const std::string& address, const std::string& agency,
                        const std::string& role) {
  const std::string& pki = TestPki();
  if (role != "expired" && role != "foreign") return ClientInPki(pki, address, agency, role);
  ClientOptions options = ClientInPki(pki, address, agency);
  options.cert_file = absl::StrCat(pki, "/extras/", role, ".crt");
  options.key_file = absl::StrCat(pki, "/extras/", role, ".key");
  return options;
}

ClientOptions ClientInPki(const std::string& pki, const std::string& address,
                          const std::string& agency, const std::string& role) {
  ClientOptions options;
  options.target = address;
  options.ca_file = pki + "/ca.crt";
  options.cert_file = absl::StrCat(pki, "/", agency, "/", role, ".crt");
  options.key_file = absl::StrCat(pki, "/", agency, "/", role, ".key");
  options.timeout = absl::Seconds(20);
  return options;
}

int RunCommand(const std::string& command, std::string* output) {
  // Braces: a redirection inside `command` (e.g. "> out.json") applies to it alone, and
  // stderr still comes back in `output`.
  FILE* pipe = popen(("{ " + command + "\n} 2>&1").c_str(), "r");
  if (pipe == nullptr) return -1;
  output->clear();
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), pipe)) > 0) output->append(buf, n);
  int status = pclose(pipe);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string WriteNodeConfigWithPolicy(const std::string& dir, const std::string& agency,
                                      const std::string& policy_text) {
  const std::string policy = dir + "/policy.textproto";
  std::ofstream(policy) << policy_text;
  return WriteNodeConfig(dir, agency, absl::StrCat("policy_file: \"", policy, "\"\n"));
}

int TaxiiPortFromLog(const std::string& log) {
  std::smatch found;
  if (!std::regex_search(log, found,
                         std::regex("TAXII 2\\.1 discovery at https://[^ ]*:([0-9]+)/"))) {
    return 0;
  }
  return std::stoi(found[1].str());
}

double Ed25519SigningRate() {
  PrivateKey key = PrivateKey::Generate();
  std::string message(420, 'm');
  double best = 0;
  for (int run = 0; run < 3; ++run) {
    int count = 0;
    absl::Time start = absl::Now();
    absl::Duration elapsed;
    do {
      for (int i = 0; i < 100; ++i) {
        message[i % message.size()] = static_cast<char>(count + i);
        std::string signature = key.Sign(message);
      }
      count += 100;
      elapsed = absl::Now() - start;
    } while (elapsed < absl::Seconds(1));
    best = std::max(best, count / absl::ToDoubleSeconds(elapsed));
  }
  return best;
}

}  // namespace nexus::testing
