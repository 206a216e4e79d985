// A peer that sends bytes, not messages: on a Replicate stream the node opened, and on a Push
// stream the peer opened. Whatever does not decode (or is over the size limit) is refused,
// audited as RECEIVE / REFUSED naming the peer and the reason, and logged; a pusher is told why
// its stream ended; what came before is kept and the cursor resumes from it.
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/impl/rpc_method.h>
#include <grpcpp/support/method_handler.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "client/channel.h"
#include "common/record_seal.h"
#include "common/record_validation.h"
#include "common/uuid.h"
#include "nexus/v1/federation_service.pb.h"
#include "tests/federation_harness.h"
#include "tests/node_server_tls.h"

namespace nexus::testing {
namespace {

// Not a ReplicationBatch: a length-delimited field 1 that claims more bytes than follow.
const std::string kUndecodable("\x0a\xff\xff\x03garbage", 11);

grpc::ByteBuffer BytesOf(const std::string& bytes) {
  grpc::Slice slice(bytes.data(), bytes.size());
  return grpc::ByteBuffer(&slice, 1);
}

// FederationService.Replicate answered with raw bytes: the given messages in order, then the
// stream stays open until the caller goes away. Records the `since` of each call.
class RawReplicatePeer final : public grpc::Service {
 public:
  explicit RawReplicatePeer(std::vector<std::string> messages) : messages_(std::move(messages)) {
    AddMethod(new grpc::internal::RpcServiceMethod(
        "/nexus.v1.FederationService/Replicate", grpc::internal::RpcMethod::SERVER_STREAMING,
        new grpc::internal::ServerStreamingHandler<RawReplicatePeer, v1::ReplicateRequest,
                                                   grpc::ByteBuffer>(
            [](RawReplicatePeer* self, grpc::ServerContext* context,
               const v1::ReplicateRequest* request, grpc::ServerWriter<grpc::ByteBuffer>* writer) {
              return self->Replicate(context, *request, writer);
            },
            this)));
  }

  std::vector<uint64_t> calls() const {
    absl::MutexLock lock(&mu_);
    return calls_;
  }

 private:
  grpc::Status Replicate(grpc::ServerContext* context, const v1::ReplicateRequest& request,
                         grpc::ServerWriter<grpc::ByteBuffer>* writer) {
    {
      absl::MutexLock lock(&mu_);
      calls_.push_back(request.since());
    }
    for (size_t i = request.since(); i < messages_.size(); ++i) {
      if (!writer->Write(BytesOf(messages_[i]))) return grpc::Status::OK;
    }
    while (!context->IsCancelled())
      absl::SleepFor(absl::Milliseconds(50));  // until the caller ends it
    return grpc::Status::CANCELLED;
  }

  std::vector<std::string> messages_;
  mutable absl::Mutex mu_;
  std::vector<uint64_t> calls_ ABSL_GUARDED_BY(mu_);
};

// `service` on a loopback port over mutual TLS with agency-c's node certificate.
class RawPeerServer {
 public:
  explicit RawPeerServer(grpc::Service* service) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", NodeServerCredentials("agency-c"), &port_);
    builder.RegisterService(service);
    server_ = builder.BuildAndStart();
  }
  ~RawPeerServer() {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  }
  bool ok() const { return server_ != nullptr && port_ > 0; }
  std::string address() const { return absl::StrCat("127.0.0.1:", port_); }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

// One honest batch of agency-c's, as its node would serve it, with cursor `cursor`.
std::string HonestBatch(std::string* id, uint64_t cursor = 1) {
  v1::Record record = FederationDraft("honest", v1::TLP_GREEN, v1::DISTRIBUTION_SCOPE_FEDERATION);
  EXPECT_TRUE(ValidateAndNormalize(record).ok());
  record.set_id(NewUuid());
  record.set_origin_agency(kAgencyC);
  record.set_version(1);
  const int64_t now = absl::ToUnixMicros(absl::Now());
  record.set_created_unix_micros(now);
  record.set_modified_unix_micros(now);
  *id = record.id();
  v1::ReplicationBatch batch;
  *batch.add_versions()->mutable_record() =
      SealRecord(record, *PrivateKey::FromPemFile(TestPki() + "/agency-c/signing.key"), "1");
  batch.set_cursor(cursor);
  return batch.SerializeAsString();
}

// The refused RECEIVE entries of agency-c at `node` whose error contains `why`.
size_t RefusedReceives(const FederationNode& node, const std::string& why) {
  v1::AuditFilter filter;
  filter.set_action(v1::AUDIT_ACTION_RECEIVE);
  filter.set_outcome(v1::AUDIT_OUTCOME_REFUSED);
  absl::StatusOr<std::vector<v1::AuditEntry>> entries = node.AuditEntries(filter);
  if (!entries.ok()) return 0;
  size_t count = 0;
  for (const v1::AuditEntry& entry : *entries) {
    count += entry.actor().agency_id() == kAgencyC && absl::StrContains(entry.error(), why);
  }
  return count;
}

TEST(HostilePeerBytesTest, UndecodableBytesOnReplicateAreRefusedAuditedAndLoggedAfterWhatCame) {
  std::string honest_id;
  RawReplicatePeer peer({HonestBatch(&honest_id), kUndecodable});
  RawPeerServer server(&peer);
  ASSERT_TRUE(server.ok());
  FederationNode a(kAgencyA);
  a.AddPeer(PullPeer(kAgencyC, server.address()));
  ASSERT_EQ(a.Start(), absl::OkStatus());
  // The honest batch before the bytes is stored; the bytes are refused and audited.
  ASSERT_TRUE(WaitFor([&] { return a.Get(honest_id, 0).ok(); })) << a.ReadLog();
  ASSERT_TRUE(WaitFor([&] { return RefusedReceives(a, "does not decode") >= 1; })) << a.ReadLog();
  EXPECT_TRUE(absl::StrContains(a.ReadLog(), "does not decode as a nexus.v1.ReplicationBatch"))
      << a.ReadLog();
  // The node comes back from its durable cursor: after the honest batch, never from the start.
  ASSERT_TRUE(WaitFor([&] { return peer.calls().size() >= 2; }, absl::Seconds(30)));
  EXPECT_EQ(peer.calls()[0], 0u);
  EXPECT_EQ(peer.calls()[1], 1u);
  a.Stop();
}

TEST(HostilePeerBytesTest, AMessageOverTheLimitOnReplicateIsRefusedAndAudited) {
  // 5 MiB of one bytes field: over the node's 4 MiB message limit, whatever it decodes to.
  v1::ReplicationBatch huge;
  huge.add_versions()->mutable_record()->set_manifest(std::string(5 << 20, 'x'));
  RawReplicatePeer peer({huge.SerializeAsString()});
  RawPeerServer server(&peer);
  ASSERT_TRUE(server.ok());
  FederationNode a(kAgencyA);
  a.AddPeer(PullPeer(kAgencyC, server.address()));
  ASSERT_EQ(a.Start(), absl::OkStatus());
  ASSERT_TRUE(WaitFor([&] { return RefusedReceives(a, "larger than max") >= 1; })) << a.ReadLog();
  a.Stop();
}

// agency-c's node pushing to agency-a's, speaking the protocol with raw bytes.
class RawPusher {
 public:
  explicit RawPusher(const std::string& address) {
    ClientOptions options = ClientFor(address, kAgencyC, "node");
    options.max_message_bytes = 16 << 20;
    channel_ = *OpenChannel(options);
    static const grpc::internal::RpcMethod kPush("/nexus.v1.FederationService/Push",
                                                 grpc::internal::RpcMethod::BIDI_STREAMING);
    stream_.reset(grpc::internal::ClientReaderWriterFactory<grpc::ByteBuffer, v1::PushAck>::Create(
        channel_.get(), kPush, &context_));
  }
  // Reads the receiver's first acknowledgement, sends `bytes` (then, with `close`, closes its
  // side cleanly), reads to the end.
  grpc::Status SendAndFinish(const std::string& bytes, bool close = false) {
    return SendAllAndFinish({bytes}, close);
  }
  // The same with several messages sent one after another without waiting, keeping the cursor
  // of every acknowledgement after the first in `acks`.
  grpc::Status SendAllAndFinish(const std::vector<std::string>& messages, bool close = false,
                                std::vector<uint64_t>* acks = nullptr) {
    v1::PushAck ack;
    if (!stream_->Read(&ack)) return stream_->Finish();
    for (const std::string& bytes : messages) stream_->Write(BytesOf(bytes));
    if (close) stream_->WritesDone();
    while (stream_->Read(&ack)) {
      if (acks != nullptr) acks->push_back(ack.cursor());
    }
    return stream_->Finish();
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReaderWriter<grpc::ByteBuffer, v1::PushAck>> stream_;
};

TEST(HostilePeerBytesTest, APusherSendingUndecodableBytesIsToldWhyAndAudited) {
  FederationNode a(kAgencyA);
  a.AddPeer(InboundPeer(kAgencyC));
  ASSERT_EQ(a.Start(), absl::OkStatus());
  grpc::Status ended = RawPusher(a.address()).SendAndFinish(kUndecodable);
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << ended.error_message();
  EXPECT_TRUE(absl::StrContains(ended.error_message(), "does not decode")) << ended.error_message();
  EXPECT_EQ(RefusedReceives(a, "does not decode"), 1u);
  EXPECT_TRUE(absl::StrContains(a.ReadLog(), "does not decode")) << a.ReadLog();
  a.Stop();
}

TEST(HostilePeerBytesTest, WhatAPusherSentBeforeUndecodableBytesIsStoredAndAcknowledged) {
  FederationNode a(kAgencyA);
  a.AddPeer(InboundPeer(kAgencyC));
  ASSERT_EQ(a.Start(), absl::OkStatus());
  // Ten batches sent without waiting: the node checks one while it stores the one before, and
  // the bytes after them end the stream only once all ten are durable.
  std::vector<std::string> ids(10);
  std::vector<std::string> messages;
  for (size_t i = 0; i < ids.size(); ++i) messages.push_back(HonestBatch(&ids[i], i + 1));
  messages.push_back(kUndecodable);
  std::vector<uint64_t> acks;
  grpc::Status ended = RawPusher(a.address()).SendAllAndFinish(messages, false, &acks);
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << ended.error_message();
  // Each batch is acknowledged once durable, in order.
  EXPECT_EQ(acks.size(), ids.size());
  EXPECT_TRUE(std::is_sorted(acks.begin(), acks.end()));
  ASSERT_FALSE(acks.empty());
  EXPECT_EQ(acks.back(), ids.size());
  for (const std::string& id : ids) EXPECT_TRUE(a.Get(id, 0).ok()) << id;
  absl::StatusOr<v1::FederationStatusResponse> status = a.FederationStatus();
  ASSERT_TRUE(status.ok()) << status.status();
  bool listed = false;
  for (const v1::PeerStatus& peer : status->peers()) {
    if (peer.agency_id() != kAgencyC) continue;
    listed = true;
    EXPECT_EQ(peer.received().cursor(), ids.size());
    EXPECT_EQ(peer.received().received(), ids.size());
  }
  EXPECT_TRUE(listed);
  EXPECT_EQ(RefusedReceives(a, "does not decode"), 1u);
  // The log keeps the stream's order: the refusal comes after every batch stored before it.
  v1::AuditFilter receives;
  receives.set_action(v1::AUDIT_ACTION_RECEIVE);
  absl::StatusOr<std::vector<v1::AuditEntry>> entries = a.AuditEntries(receives);
  ASSERT_TRUE(entries.ok()) << entries.status();
  ASSERT_FALSE(entries->empty());
  EXPECT_EQ(entries->back().outcome(), v1::AUDIT_OUTCOME_REFUSED) << entries->back().DebugString();
  EXPECT_TRUE(absl::StrContains(entries->back().error(), "does not decode"));
  a.Stop();
}

TEST(HostilePeerBytesTest, APusherThatClosesCleanlyIsNoRefusal) {
  FederationNode a(kAgencyA);
  a.AddPeer(InboundPeer(kAgencyC));
  ASSERT_EQ(a.Start(), absl::OkStatus());
  v1::ReplicationBatch heartbeat;
  heartbeat.set_caught_up(true);
  grpc::Status ended = RawPusher(a.address()).SendAndFinish(heartbeat.SerializeAsString(), true);
  EXPECT_TRUE(ended.ok()) << ended.error_message();
  EXPECT_EQ(RefusedReceives(a, ""), 0u);
  a.Stop();
}

TEST(HostilePeerBytesTest, APusherSendingAMessageOverTheLimitIsToldWhy) {
  FederationNode a(kAgencyA);
  a.AddPeer(InboundPeer(kAgencyC));
  ASSERT_EQ(a.Start(), absl::OkStatus());
  grpc::Status ended = RawPusher(a.address()).SendAndFinish(std::string(5 << 20, 'x'));
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << ended.error_message();
  // The node cannot tell this from a lost connection (gRPC does not say), and records what it
  // knows: the peer, and that the stream ended without a clean close, over its limit or lost.
  ASSERT_TRUE(WaitFor([&] { return RefusedReceives(a, "a message over this node's limit") >= 1; }))
      << a.ReadLog();
  a.Stop();
}

}  // namespace
}  // namespace nexus::testing
