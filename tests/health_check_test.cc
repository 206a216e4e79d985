// `nexusctl health` against a real nexusd, with the node's own certificate as a container probe
// uses it: serving (exit 0) for the node and each service, "unknown service" (exit 1) for a name
// it does not serve, and no answer (exit 3) once it has stopped.
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

std::string Health(const std::string& address, const std::string& args) {
  const std::string& pki = testing::TestPki();
  return absl::StrCat(NEXUS_NEXUSCTL_PATH, " --target ", address, " --ca ", pki, "/ca.crt --cert ",
                      pki, "/agency-a/node.crt --key ", pki,
                      "/agency-a/node.key --timeout 5 health", args);
}

TEST(HealthCheckTest, TheNodesOwnCertificateAsksWhetherItServes) {
  testing::TempDir dir;
  testing::NexusdProcess node(testing::WriteNodeConfig(dir.path(), "agency-a"));
  ASSERT_TRUE(node.ok()) << node.ReadLog();
  std::string out;
  EXPECT_EQ(testing::RunCommand(Health(node.address(), ""), &out), 0) << out;
  EXPECT_EQ(out, "node: serving\n");
  for (const char* service :
       {"nexus.v1.AgencyService", "nexus.v1.AuditService", "nexus.v1.FederationService"}) {
    EXPECT_EQ(
        testing::RunCommand(Health(node.address(), absl::StrCat(" --service ", service)), &out), 0)
        << out;
    EXPECT_EQ(out, absl::StrCat(service, ": serving\n"));
  }
  EXPECT_EQ(testing::RunCommand(Health(node.address(), " --service nexus.v1.Nothing --json"), &out),
            1)
      << out;
  EXPECT_EQ(out, "{\"service\":\"nexus.v1.Nothing\",\"status\":\"unknown service\"}\n")
      << node.ReadLog();
  const std::string address = node.address();
  ASSERT_EQ(node.Stop(), 0) << node.ReadLog();
  EXPECT_EQ(testing::RunCommand(Health(address, ""), &out), 3) << out;
}

}  // namespace
}  // namespace nexus
