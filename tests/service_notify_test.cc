// A real nexusd under a service manager's readiness protocol (what systemd's Type=notify does):
// with NOTIFY_SOCKET set, it says READY=1 once it serves, RELOADING=1 then READY=1 around a
// SIGHUP policy reload, and STOPPING=1 on SIGTERM; the datagrams are read here from a socket of
// our own, as the manager reads them.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "absl/strings/match.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

// The next datagram within 20 s; "" if none came.
std::string Next(int fd) {
  pollfd ready{fd, POLLIN, 0};
  if (poll(&ready, 1, 20000) != 1) return "";
  char buffer[4096];
  const ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
  return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
}

TEST(ServiceNotifyTest, ReadyReloadingAndStoppingReachTheManagersSocket) {
  testing::TempDir dir;
  const std::string path = dir.File("notify.sock");
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  ASSERT_LT(path.size(), sizeof(address.sun_path));
  std::memcpy(address.sun_path, path.data(), path.size());
  ASSERT_EQ(bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0)
      << std::strerror(errno);

  setenv("NOTIFY_SOCKET", path.c_str(), 1);
  testing::NexusdProcess node(testing::WriteNodeConfig(dir.path(), "agency-a"));
  unsetenv("NOTIFY_SOCKET");
  ASSERT_TRUE(node.ok()) << node.ReadLog();
  const std::string ready = Next(fd);
  EXPECT_TRUE(absl::StartsWith(ready, "READY=1\n")) << ready;
  EXPECT_TRUE(absl::StrContains(ready, "STATUS=serving on " + node.address())) << ready;

  ASSERT_EQ(kill(node.pid(), SIGHUP), 0);
  const std::string reloading = Next(fd);
  EXPECT_TRUE(absl::StartsWith(reloading, "RELOADING=1\n")) << reloading;
  const std::string reloaded = Next(fd);
  EXPECT_TRUE(absl::StartsWith(reloaded, "READY=1\n")) << reloaded;

  EXPECT_EQ(node.Stop(), 0);
  const std::string stopping = Next(fd);
  EXPECT_TRUE(absl::StartsWith(stopping, "STOPPING=1\n")) << stopping;
  close(fd);
}

}  // namespace
}  // namespace nexus
