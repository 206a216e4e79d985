// The connections this node opens to its peers, each on its own thread, for as long as it runs:
//   pull  a Replicate stream from the peer, its batches taken by an IntakeSession;
//   push  a Push stream to the peer, served by the ReplicationSource as Replicate would be;
//   witness  every witness_interval, the peer's signed audit head with a consistency proof;
//   notices  a LinkNotices stream from a peer whose links this node follows (a coordinator's),
//            each alert taken by the LinkNoticeIntake.
// A link that fails is retried with capped, jittered exponential back-off, from the durable
// cursor; nothing is forgotten. Before any message is trusted the peer's certificate must name
// the configured agency with role "node".
#ifndef NEXUS_SERVER_PEER_LINKS_H_
#define NEXUS_SERVER_PEER_LINKS_H_

#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "nexus/v1/node_config.pb.h"
#include "server/link_notice_intake.h"
#include "server/peer_registry.h"
#include "server/peer_witness.h"
#include "server/record_store.h"
#include "server/replication_intake.h"
#include "server/replication_source.h"

namespace grpc {
class ClientContext;
}  // namespace grpc

namespace nexus {

class PeerLinks {
 public:
  struct Parts {
    RecordStore* store;
    ReplicationIntake* intake;
    const ReplicationSource* source;
    PeerRegistry* registry;
    PeerWitness* witness;
    const AuditLog* audit;  // this node's, whose head a pushed-to peer witnesses
    LinkNoticeIntake* notices;
  };
  // Every pointer must outlive this.
  PeerLinks(const v1::NodeConfig& config, Parts parts);
  ~PeerLinks();  // Stop()

  // Starts a thread per link.
  void Start();
  // Cancels every open call and joins the threads.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  enum class Kind { kPull, kPush, kWitness, kNotices };
  struct Link;
  void Run(Link& link);
  // One connection's life; returns how it ended.
  absl::Status Pull(Link& link);
  absl::Status Push(Link& link);
  absl::Status Witness(Link& link);
  absl::Status Notices(Link& link);
  // Waits `delay` or until Stop; returns whether the node is stopping.
  bool WaitOrStop(absl::Duration delay) ABSL_LOCKS_EXCLUDED(mu_);
  // Registers the call so that Stop can cancel it; false if stopping already.
  bool Track(grpc::ClientContext* context) ABSL_LOCKS_EXCLUDED(mu_);
  void Untrack(grpc::ClientContext* context) ABSL_LOCKS_EXCLUDED(mu_);

  v1::NodeConfig config_;
  Parts parts_;
  std::vector<std::unique_ptr<Link>> links_;
  std::vector<std::thread> threads_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<grpc::ClientContext*> calls_ ABSL_GUARDED_BY(mu_);
};

}  // namespace nexus

#endif  // NEXUS_SERVER_PEER_LINKS_H_
