// The real nexusctl binary exits with the same code for the same outcome whatever the command
// (client/cli/exit_codes.h): a command line it cannot run (2), a node that is not there (3), and
// a node that fails (INTERNAL: 3) or refuses (PERMISSION_DENIED: 1) every call it is asked.
#include <arpa/inet.h>
#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/cli/exit_codes.h"
#include "common/crypto.h"
#include "tests/node_server_tls.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

// A node that answers every call of every service with one status code. It presents agency-a's
// node certificate and requires a client certificate of the federation, as nexusd does, so that
// nexusctl gets as far as a real call.
class FailingNode {
 public:
  explicit FailingNode(grpc::StatusCode code) : service_(code) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", testing::NodeServerCredentials("agency-a"), &port_);
    builder.RegisterCallbackGenericService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~FailingNode() { server_->Shutdown(); }

  bool ok() const { return server_ != nullptr && port_ != 0; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  class Service : public grpc::CallbackGenericService {
   public:
    explicit Service(grpc::StatusCode code) : code_(code) {}
    grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext*) override {
      class Reactor : public grpc::ServerGenericBidiReactor {
       public:
        explicit Reactor(grpc::StatusCode code) { Finish(grpc::Status(code, "injected failure")); }
        void OnDone() override { delete this; }
      };
      return new Reactor(code_);
    }

   private:
    const grpc::StatusCode code_;
  };

  Service service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

// A loopback port nothing listens on: bound (so that nothing else takes it) but not listening,
// so a connection is refused at once.
class ClosedPort {
 public:
  ClosedPort() : fd_(socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof(address);
    if (bind(fd_, reinterpret_cast<sockaddr*>(&address), size) == 0 &&
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) == 0) {
      port_ = ntohs(address.sin_port);
    }
  }
  ~ClosedPort() { close(fd_); }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  int fd_;
  int port_ = 0;
};

constexpr char kRecordId[] = "00000000-0000-4000-8000-000000000000";

class NexusctlExitCodesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    bundle_ = dir_.File("bundle.json");
    std::ofstream(bundle_)
        << R"({"type":"bundle","id":"bundle--2a4c8bd2-2c4d-4b9b-8d3e-0f5f5a1b2c3d",
"objects":[{"type":"indicator","spec_version":"2.1",
"id":"indicator--0e8f1a8a-7d2a-4b1c-9c3e-1f2a3b4c5d6e","created":"2025-01-02T03:04:05.000Z",
"modified":"2025-01-02T03:04:05.000Z","valid_from":"2025-01-02T03:04:05Z","pattern_type":"stix",
"pattern":"[ipv4-addr:value = '203.0.113.7']"}]})";
  }

  // nexusctl with agency-a's analyst certificate against `address`.
  int Run(const std::string& address, const std::string& args, std::string* output) {
    const std::string& pki = testing::TestPki();
    return testing::RunCommand(
        absl::StrCat(NEXUS_NEXUSCTL_PATH, " --target ", address, " --ca ", pki, "/ca.crt --cert ",
                     pki, "/agency-a/analyst.crt --key ", pki, "/agency-a/analyst.key --keys ", pki,
                     "/keys --timeout 10 ", args),
        output);
  }

  // Commands that each make a call to the node, across every command group.
  std::vector<std::string> CallingCommands() const {
    return {absl::StrCat("get ", kRecordId),
            "pull",
            "search +33612345678",
            "alerts",
            "audit tail",
            "audit verify",
            absl::StrCat("audit trail ", kRecordId),
            "audit verify --peer agency-b",
            absl::StrCat("import stix ", bundle_, " --tlp green --nexus-type alliance"),
            "export stix",
            absl::StrCat("policy explain --record ", kRecordId, " --recipient agency-b"),
            "policy reload",
            "federation status",
            "federation heads agency-b"};
  }

  testing::TempDir dir_;
  std::string bundle_;
};

TEST_F(NexusctlExitCodesTest, AWrongCommandLineIsTwoInEveryCommand) {
  ClosedPort port;
  const std::string policy =
      std::string(NEXUS_SOURCE_DIR) + "/policy/examples/police-to-region.textproto";
  for (const std::string& args : {
           std::string("frobnicate"),
           std::string("get"),
           std::string("pull --since not-a-cursor"),
           std::string("audit frobnicate"),
           std::string("audit prove not-an-index"),
           absl::StrCat("audit verify --offline ", dir_.path()),  // whose log: --agency missing
           std::string("import stix"),
           absl::StrCat("import stix ", bundle_, " --tlp purple"),
           std::string("export stix --since not-a-cursor"),
           absl::StrCat("policy check ", policy),  // --config missing
           std::string("policy frobnicate"),
           std::string("federation frobnicate"),
           std::string("federation heads"),
       }) {
    std::string out;
    EXPECT_EQ(Run(port.address(), args, &out), kExitUsage) << args << "\n" << out;
    EXPECT_TRUE(absl::StartsWith(out, "nexusctl")) << args << "\n" << out;
  }
}

TEST_F(NexusctlExitCodesTest, ANodeThatIsNotThereIsThreeInEveryCommand) {
  ClosedPort port;
  for (const std::string& args : CallingCommands()) {
    std::string out;
    EXPECT_EQ(Run(port.address(), args, &out), kExitUnavailable) << args << "\n" << out;
  }
}

TEST_F(NexusctlExitCodesTest, AnInternalErrorOfTheNodeIsThreeInEveryCommand) {
  FailingNode node(grpc::StatusCode::INTERNAL);
  ASSERT_TRUE(node.ok());
  for (const std::string& args : CallingCommands()) {
    std::string out;
    EXPECT_EQ(Run(node.address(), args, &out), kExitUnavailable) << args << "\n" << out;
    EXPECT_TRUE(absl::StrContains(out, "injected failure")) << args << "\n" << out;
  }
}

TEST_F(NexusctlExitCodesTest, ARefusalOfTheNodeIsOneInEveryCommand) {
  FailingNode node(grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(node.ok());
  for (const std::string& args : CallingCommands()) {
    std::string out;
    EXPECT_EQ(Run(node.address(), args, &out), kExitRefused) << args << "\n" << out;
    EXPECT_TRUE(absl::StrContains(out, "injected failure")) << args << "\n" << out;
  }
}

}  // namespace
}  // namespace nexus
