// A record's trail at each node it passed through, with real nodes: the origin's log says it was
// sent to the peer, the peer's that it was received from the origin and read there.
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/federation_harness.h"

namespace nexus::testing {
namespace {

// `nexusctl audit trail ID` at `node`, as its own auditor; returns the exit code.
int Trail(const FederationNode& node, const std::string& id, std::string* output) {
  const std::string& pki = TestPki();
  return RunCommand(absl::StrCat(NEXUS_NEXUSCTL_PATH, " --target ", node.address(), " --ca ", pki,
                                 "/ca.crt --cert ", pki, "/", node.agency(), "/auditor.crt --key ",
                                 pki, "/", node.agency(), "/auditor.key audit trail ", id),
                    output);
}

TEST(AuditTrailFederationTest, TheOriginSaysWhereTheRecordWentAndThePeerWhereItCameFrom) {
  FederationNode c(kAgencyC), b(kAgencyB);
  c.set_policy(kEverythingToAgencyB);
  c.AddPeer(InboundPeer(kAgencyB));
  b.AddPeer(PullPeer(kAgencyC, c.address()));
  ASSERT_EQ(c.Start(), absl::OkStatus());
  ASSERT_EQ(b.Start(), absl::OkStatus());
  auto published =
      PublishAll(c, {FederationDraft("traced", v1::TLP_GREEN, v1::DISTRIBUTION_SCOPE_FEDERATION)});
  ASSERT_TRUE(published.ok()) << published.status();
  const std::string id = (*published)[0].id();
  ASSERT_TRUE(WaitFor([&] { return b.Get(id, 0).ok(); })) << b.ReadLog();

  std::string output;
  ASSERT_EQ(Trail(c, id, &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "published v1 by agency-c/analyst")) << output;
  EXPECT_TRUE(absl::StrContains(output, "sent v1 to agency-b (replication to its node)")) << output;
  EXPECT_TRUE(absl::StrContains(output, "sent to: agency-b")) << output;
  ASSERT_EQ(Trail(b, id, &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "received v1 from agency-c (replication)")) << output;
  EXPECT_TRUE(absl::StrContains(output, "get v1 answered to agency-b/analyst")) << output;
  EXPECT_TRUE(absl::StrContains(output, "received from: agency-c")) << output;
}

}  // namespace
}  // namespace nexus::testing
