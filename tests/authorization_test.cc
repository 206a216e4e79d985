// The authorization table covers every RPC: a missing row would stop the node at its first call.
#include "server/authorization.h"

#include <gtest/gtest.h>

namespace nexus {
namespace {

TEST(AuthorizationTest, EveryRpcHasARule) {
  for (int rpc = 0; rpc <= static_cast<int>(Rpc::kLast); ++rpc) {
    EXPECT_TRUE(HasAuthorizationRule(static_cast<Rpc>(rpc))) << "Rpc value " << rpc;
  }
}

}  // namespace
}  // namespace nexus
