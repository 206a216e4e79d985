// The service manager's readiness protocol (systemd's sd_notify, Type=notify): when the node's
// environment names a socket in NOTIFY_SOCKET, the node says there when it serves (READY=1), when
// it reloads its policy (RELOADING=1, then READY=1) and when it stops (STOPPING=1). Without the
// variable nothing is sent. Written against the protocol (a datagram to a Unix socket, "@" for
// the abstract namespace), so that no libsystemd is needed.
#ifndef NEXUS_SERVER_SERVICE_NOTIFY_H_
#define NEXUS_SERVER_SERVICE_NOTIFY_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace nexus {

// Sends `state` ("READY=1\nSTATUS=...") to the socket NOTIFY_SOCKET names. OK without the
// variable; an error naming the socket if it cannot be reached (the caller logs it: a node
// serves whether or not its manager hears of it).
absl::Status NotifyServiceManager(absl::string_view state);

}  // namespace nexus

#endif  // NEXUS_SERVER_SERVICE_NOTIFY_H_
