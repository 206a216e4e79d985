#include "server/peer_links.h"

#include <grpcpp/client_context.h>

#include <atomic>
#include <random>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "client/channel.h"
#include "common/crypto.h"
#include "nexus/v1/federation_service.grpc.pb.h"
#include "server/federation_streams.h"
#include "server/log.h"
#include "server/peer_channel.h"

namespace nexus {
namespace {

// A connection that stayed up this long (or delivered anything) resets the back-off.
constexpr absl::Duration kHealthyConnection = absl::Seconds(10);
constexpr absl::Duration kFirstRetry = absl::Milliseconds(200);
constexpr absl::Duration kWitnessCallDeadline = absl::Seconds(10);

absl::Duration Seconds(uint32_t value, uint32_t otherwise) {
  return absl::Seconds(value == 0 ? otherwise : value);
}

// The caller of what a link receives or serves, as its audit entries name it: the peer.
CallContext PeerCall(const v1::Peer& peer) {
  CallContext call;
  call.actor.set_agency_id(peer.agency_id());
  call.actor.set_role("node");
  call.actor.set_peer(peer.address());
  call.request_id = HexEncode(RandomBytes(8));
  return call;
}

}  // namespace

struct PeerLinks::Link {
  Kind kind;
  v1::Peer peer;
  std::shared_ptr<grpc::Channel> channel;
  std::shared_ptr<v1::FederationService::Stub> stub;
  bool delivered = false;  // the last connection received or sent something
};

PeerLinks::PeerLinks(const v1::NodeConfig& config, Parts parts) : config_(config), parts_(parts) {}

PeerLinks::~PeerLinks() { Stop(); }

void PeerLinks::Start() {
  const std::vector<std::string> followed = LinkNoticeIntake::PeersFollowed(config_);
  for (const v1::Peer& peer : config_.peers()) {
    if (peer.address().empty()) continue;
    absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenPeerChannel(config_, peer);
    if (!channel.ok()) {
      LogError(absl::StrCat("peer '", peer.agency_id(), "': ", channel.status().message()));
      parts_.registry->Failed(peer.agency_id(), channel.status());
      continue;
    }
    auto stub = std::shared_ptr<v1::FederationService::Stub>(
        v1::FederationService::NewStub(*channel).release());
    auto add = [&](Kind kind) {
      links_.push_back(std::make_unique<Link>(Link{kind, peer, *channel, stub}));
    };
    const v1::Peer::Direction direction = peer.direction();
    if (direction == v1::Peer::DIRECTION_PULL || direction == v1::Peer::DIRECTION_PULL_AND_PUSH) {
      add(Kind::kPull);
    }
    if (direction == v1::Peer::DIRECTION_PUSH || direction == v1::Peer::DIRECTION_PULL_AND_PUSH) {
      add(Kind::kPush);
    }
    add(Kind::kWitness);
    if (std::find(followed.begin(), followed.end(), peer.agency_id()) != followed.end()) {
      add(Kind::kNotices);
    }
  }
  for (auto& link : links_) threads_.emplace_back([this, raw = link.get()] { Run(*raw); });
}

void PeerLinks::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (grpc::ClientContext* context : calls_) context->TryCancel();
  }
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

bool PeerLinks::WaitOrStop(absl::Duration delay) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithTimeout(absl::Condition(&stopping_), delay);
  return stopping_;
}

bool PeerLinks::Track(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return false;
  calls_.push_back(context);
  return true;
}

void PeerLinks::Untrack(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  calls_.erase(std::remove(calls_.begin(), calls_.end(), context), calls_.end());
}

void PeerLinks::Run(Link& link) {
  const absl::Duration max_retry = Seconds(config_.federation().max_retry_seconds(), 30);
  const absl::Duration witness_interval =
      Seconds(config_.federation().witness_interval_seconds(), 10);
  std::mt19937_64 random(std::random_device{}());
  int failures = 0;
  while (true) {
    const absl::Time started = absl::Now();
    link.delivered = false;
    absl::Status how = link.kind == Kind::kPull      ? Pull(link)
                       : link.kind == Kind::kPush    ? Push(link)
                       : link.kind == Kind::kNotices ? Notices(link)
                                                     : Witness(link);
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    if (link.delivered || absl::Now() - started >= kHealthyConnection) failures = 0;
    absl::Duration delay = witness_interval;
    if (!how.ok()) {
      // The peer's status is its replication's; a notices stream's failure is logged only.
      if (link.kind != Kind::kNotices) parts_.registry->Failed(link.peer.agency_id(), how);
      if (failures < 3 || failures % 20 == 0) {  // a long outage does not flood the log
        LogWarning(absl::StrCat("peer '", link.peer.agency_id(), "' at ", link.peer.address(),
                                link.kind == Kind::kPull      ? " (pull)"
                                : link.kind == Kind::kPush    ? " (push)"
                                : link.kind == Kind::kNotices ? " (link notices)"
                                                              : " (witness)",
                                ": ", how.ToString(), "; retrying"));
      }
      // Capped exponential back-off with jitter, so that peers recovering together do not
      // reconnect in lockstep.
      absl::Duration backoff = std::min(kFirstRetry * (1 << std::min(failures, 16)), max_retry);
      std::uniform_real_distribution<double> jitter(0.5, 1.0);
      delay = backoff * jitter(random);
      ++failures;
    } else if (link.kind != Kind::kWitness) {
      delay = kFirstRetry;  // a stream the peer closed cleanly (its restart): reconnect soon
    }
    if (WaitOrStop(delay)) return;
  }
}

absl::Status PeerLinks::Pull(Link& link) {
  CallContext call = PeerCall(link.peer);
  absl::StatusOr<std::unique_ptr<IntakeSession>> session =
      IntakeSession::Open(parts_.intake, parts_.store, parts_.registry, call);
  if (!session.ok()) return session.status();
  grpc::ClientContext context;
  if (!Track(&context)) return absl::OkStatus();
  v1::ReplicateRequest request;
  request.set_since((*session)->cursor());
  request.set_heartbeat_seconds(config_.federation().heartbeat_seconds());
  std::unique_ptr<grpc::ClientReader<grpc::ByteBuffer>> reader =
      OpenReplicateAsBytes(link.channel.get(), &context, request);
  reader->WaitForInitialMetadata();
  absl::Status how = CheckPeerIdentity(context, link.peer);
  if (!how.ok()) {
    // A call that failed before any handshake (peer down) is reported as such.
    context.TryCancel();
    absl::Status finished = FromGrpc(reader->Finish());
    Untrack(&context);
    if (!finished.ok() && !absl::IsCancelled(finished)) how = finished;
    return (*session)->Finish(how);
  }
  parts_.registry->Established(link.peer.agency_id());
  grpc::ByteBuffer message;
  v1::ReplicationBatch batch;
  while (how.ok() && reader->Read(&message)) {
    how = (*session)->TakeBytes(MessageBytes(message), batch);
    if (how.ok() && batch.versions_size() > 0) link.delivered = true;
  }
  if (!how.ok()) context.TryCancel();
  absl::Status finished = FromGrpc(reader->Finish());
  Untrack(&context);
  if (how.ok()) {
    how = finished;
    // gRPC ended the call over what the peer sent (a message over the size limit, a frame it
    // could not read): as much a refusal of the peer's bytes as one that does not decode.
    if (absl::IsResourceExhausted(finished) || absl::IsInternal(finished)) {
      (void)(*session)->RefuseStream(finished);  // returns `finished`, kept in `how`
    }
  }
  return (*session)->Finish(how);
}

absl::Status PeerLinks::Push(Link& link) {
  CallContext call = PeerCall(link.peer);
  grpc::ClientContext context;
  if (!Track(&context)) return absl::OkStatus();
  std::unique_ptr<grpc::ClientReaderWriter<v1::ReplicationBatch, v1::PushAck>> stream =
      link.stub->Push(&context);
  stream->WaitForInitialMetadata();
  absl::Status how = CheckPeerIdentity(context, link.peer);
  if (!how.ok()) {
    context.TryCancel();
    absl::Status finished = FromGrpc(stream->Finish());
    Untrack(&context);
    return !finished.ok() && !absl::IsCancelled(finished) ? finished : how;
  }
  v1::PushAck ack;
  if (how.ok() && !stream->Read(&ack)) how = absl::UnavailableError("the peer sent no cursor");
  if (how.ok()) {
    // The peer acknowledges each batch once durable; reading the acknowledgements on their own
    // thread notices a stream that ended while this one waits for new versions.
    std::atomic<bool> closed{false};
    std::atomic<uint64_t> witnessed{ack.witnessed_size()};
    std::thread acks([&] {
      v1::PushAck next;
      while (stream->Read(&next)) {
        link.delivered = true;
        witnessed = next.witnessed_size();
      }
      closed = true;
    });
    // The peer cannot dial this node, so this node's audit head rides on the stream's
    // heartbeats, once per witness interval, for the peer to witness.
    const absl::Duration witness_interval =
        Seconds(config_.federation().witness_interval_seconds(), 10);
    absl::Time head_sent = absl::InfinitePast();
    parts_.registry->BeginServing(link.peer.agency_id());
    how = parts_.source->Serve(
        call, ack.cursor(), Seconds(config_.federation().heartbeat_seconds(), 5),
        [&](const v1::ReplicationBatch& batch) {
          if (batch.versions_size() > 0 || absl::Now() - head_sent < witness_interval) {
            return stream->Write(batch);
          }
          v1::ReplicationBatch beat = batch;
          absl::StatusOr<v1::AuditHeadResponse> head =
              HeadForWitness(*parts_.audit, witnessed.load());
          if (head.ok()) *beat.mutable_audit_head() = *std::move(head);
          head_sent = absl::Now();
          return stream->Write(beat);
        },
        [&] {
          absl::MutexLock lock(&mu_);
          return stopping_ || closed.load();
        });
    parts_.registry->EndServing(link.peer.agency_id(), how);
    stream->WritesDone();
    if (!how.ok() || !closed) context.TryCancel();
    acks.join();
  }
  absl::Status finished = FromGrpc(stream->Finish());
  Untrack(&context);
  if (how.ok() || absl::IsCancelled(how)) return finished.ok() ? how : finished;
  return how;
}

absl::Status PeerLinks::Witness(Link& link) {
  v1::PeerWitness state = parts_.witness->State(link.peer.agency_id());
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + kWitnessCallDeadline));
  if (!Track(&context)) return absl::OkStatus();
  v1::AuditHeadRequest request;
  request.set_since_size(state.tree_size());
  v1::AuditHeadResponse response;
  absl::Status status = FromGrpc(link.stub->AuditHead(&context, request, &response));
  Untrack(&context);
  if (status.ok()) status = CheckPeerIdentity(context, link.peer);
  if (!status.ok()) return status;
  std::vector<std::string> proof(response.consistency_proof().begin(),
                                 response.consistency_proof().end());
  absl::StatusOr<v1::PeerWitness> checked =
      parts_.witness->Check(link.peer.agency_id(), response.head(), proof);
  return checked.status();
}

absl::Status PeerLinks::Notices(Link& link) {
  CallContext call = PeerCall(link.peer);
  grpc::ClientContext context;
  if (!Track(&context)) return absl::OkStatus();
  v1::AlertsRequest request;
  request.set_since(parts_.notices->Cursor(link.peer.agency_id()));
  request.set_follow(true);
  std::unique_ptr<grpc::ClientReader<v1::Alert>> reader = link.stub->LinkNotices(&context, request);
  reader->WaitForInitialMetadata();
  absl::Status how = CheckPeerIdentity(context, link.peer);
  if (how.ok()) {
    v1::Alert alert;
    while (how.ok() && reader->Read(&alert)) {
      link.delivered = true;
      how = parts_.notices->Take(call, std::move(alert));
      alert.Clear();
    }
  }
  if (!how.ok()) context.TryCancel();
  absl::Status finished = FromGrpc(reader->Finish());
  Untrack(&context);
  if (how.ok()) return finished;
  // A call that failed before any handshake (peer down) is reported as such.
  if (!finished.ok() && !absl::IsCancelled(finished)) return finished;
  return how;
}

}  // namespace nexus
