#include "server/node.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/crypto.h"
#include "common/keyring.h"
#include "common/storage/rocksdb_store.h"
#include "server/admin_service.h"
#include "server/agency_service.h"
#include "server/audit_log.h"
#include "server/audit_service.h"
#include "server/authorization.h"
#include "server/commit_queue.h"
#include "server/cursor_cipher.h"
#include "server/federated_search.h"
#include "server/federation_service.h"
#include "server/link_detector.h"
#include "server/link_notice_intake.h"
#include "server/link_reads.h"
#include "server/log.h"
#include "server/metrics_endpoint.h"
#include "server/node_metrics.h"
#include "server/peer_links.h"
#include "server/peer_registry.h"
#include "server/peer_witness.h"
#include "server/policy_reoffers.h"
#include "server/record_publisher.h"
#include "server/record_search.h"
#include "server/record_store.h"
#include "server/record_trail.h"
#include "server/replication_intake.h"
#include "server/replication_source.h"
#include "server/shared_reads.h"
#include "server/sharing_gate.h"
#include "server/store_backup.h"
#include "server/taxii/taxii_api.h"
#include "server/taxii/taxii_endpoint.h"
#include "server/transport_refusals.h"

namespace nexus {
namespace {

absl::StatusOr<Keyring> LoadKeyring(const v1::NodeConfig& config) {
  Keyring keys;
  for (const v1::Agency& agency : config.agencies()) {
    for (const v1::AgencyKey& key : agency.keys()) {
      absl::StatusOr<PublicKey> public_key = PublicKey::FromPemFile(key.public_key_file());
      if (!public_key.ok()) {
        return absl::InvalidArgumentError(absl::StrCat("agency '", agency.id(), "' key '",
                                                       key.key_id(),
                                                       "': ", public_key.status().message()));
      }
      if (absl::Status s = keys.Add(agency.id(), key.key_id(), *public_key); !s.ok()) return s;
    }
  }
  return keys;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> ServerTls(const v1::TlsFiles& tls) {
  absl::StatusOr<std::string> ca = ReadFileToString(tls.ca_file());
  absl::StatusOr<std::string> cert = ReadFileToString(tls.certificate_file());
  absl::StatusOr<std::string> key = ReadFileToString(tls.private_key_file());
  for (const auto* file : {&ca, &cert, &key}) {
    if (!file->ok()) return file->status();
  }
  // Mutual TLS always: a client without a certificate from the federation CA never gets a call.
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = *ca;
  options.pem_key_cert_pairs.push_back({*key, *cert});
  return grpc::SslServerCredentials(options);
}

// What the node loaded, for its start-up audit entry: files and public key fingerprints, never
// secrets.
std::string StartDetail(const v1::NodeConfig& config, const std::string& source,
                        const Keyring& keys) {
  std::string detail =
      absl::StrCat("config ", source, "; listen ", config.listen_address(), "; data ",
                   config.data_dir(), "; tls cert ", config.tls().certificate_file(), "; ca ",
                   config.tls().ca_file(), "; signing key id ", config.signing_key_id(), "; keys:");
  for (const v1::Agency& agency : config.agencies()) {
    for (const v1::AgencyKey& key : agency.keys()) {
      const PublicKey* public_key = keys.Find(agency.id(), key.key_id());
      absl::StrAppend(
          &detail, " ", agency.id(), "/", key.key_id(), "=",
          public_key == nullptr ? "?" : HexEncode(public_key->RawBytes()).substr(0, 16));
    }
  }
  return detail;
}

}  // namespace

struct Node::Parts {
  v1::NodeConfig config;
  Keyring keys;
  policy::Federation federation;  // members and groups, as the configuration lists them
  std::unique_ptr<storage::Store> storage;
  std::unique_ptr<CommitQueue> commits;
  std::unique_ptr<AuditLog> audit;
  std::unique_ptr<RecordStore> store;
  std::unique_ptr<RecordPublisher> publisher;
  std::unique_ptr<SharingGate> sharing;
  std::unique_ptr<PolicyReoffers> reoffers;
  std::unique_ptr<CursorCipher> cursors;
  std::unique_ptr<Authorizer> authorizer;
  std::unique_ptr<SharedReads> reads;
  std::unique_ptr<LinkDetector> link_detector;  // finds the links alerts are made of
  std::unique_ptr<LinkReads> link_reads;
  std::unique_ptr<RecordSearch> search;
  std::unique_ptr<FederatedSearch> federated_search;
  std::unique_ptr<LinkNoticeIntake> link_notices;
  std::unique_ptr<PeerRegistry> peers;
  std::unique_ptr<PeerWitness> witness;
  std::unique_ptr<RecordTrail> trail;
  std::unique_ptr<ReplicationSource> replication_source;
  std::unique_ptr<ReplicationIntake> intake;
  std::unique_ptr<PeerLinks> links;
  std::unique_ptr<FederationServiceImpl> federation_service;
  std::unique_ptr<AgencyServiceImpl> agency_service;
  std::unique_ptr<AuditServiceImpl> audit_service;
  std::unique_ptr<StoreBackup> backup;
  std::unique_ptr<AdminServiceImpl> admin_service;
  std::unique_ptr<grpc::Server> server;
  std::unique_ptr<TaxiiApi> taxii;  // only when taxii.listen_address is set
  std::unique_ptr<TaxiiEndpoint> taxii_endpoint;
  std::unique_ptr<MetricsEndpoint> metrics;  // only when metrics.listen_address is set
  int port = 0;
  absl::Mutex shutdown_mu;
  bool shut_down ABSL_GUARDED_BY(shutdown_mu) = false;

  // Signs a checkpoint every interval while the node runs.
  std::thread checkpointer;
  absl::Mutex checkpoint_mu;
  bool stopping ABSL_GUARDED_BY(checkpoint_mu) = false;

  void RunCheckpointer(absl::Duration interval) ABSL_LOCKS_EXCLUDED(checkpoint_mu) {
    while (true) {
      {
        absl::MutexLock lock(&checkpoint_mu);
        if (checkpoint_mu.AwaitWithTimeout(absl::Condition(&stopping), interval)) return;
      }
      absl::StatusOr<v1::SignedCheckpoint> checkpoint = audit->Checkpoint();
      if (!checkpoint.ok()) LogError(absl::StrCat("checkpoint: ", checkpoint.status().message()));
      // So that a crash leaves little to verify before the next start serves.
      if (absl::Status sealed = audit->Seal(); !sealed.ok() && checkpoint.ok()) {
        LogError(absl::StrCat("seal: ", sealed.message()));
      }
    }
  }
};

Node::Node(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Node::~Node() { Shutdown(absl::Seconds(5)); }

absl::StatusOr<std::unique_ptr<Node>> Node::Start(const v1::NodeConfig& config,
                                                  const std::string& config_source,
                                                  StartOptions start_options) {
  auto parts = std::make_unique<Parts>();
  parts->config = config;
  absl::StatusOr<Keyring> keys = LoadKeyring(config);
  if (!keys.ok()) return keys.status();
  parts->keys = *std::move(keys);

  absl::StatusOr<PrivateKey> signing_key = PrivateKey::FromPemFile(config.signing_key_file());
  if (!signing_key.ok()) return signing_key.status();
  const PublicKey* listed = parts->keys.Find(config.agency_id(), config.signing_key_id());
  if (listed == nullptr || listed->RawBytes() != signing_key->public_key().RawBytes()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "signing_key_file ", config.signing_key_file(), " does not match the public key listed ",
        "for agency '", config.agency_id(), "' key '", config.signing_key_id(), "'"));
  }
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> tls = ServerTls(config.tls());
  if (!tls.ok()) return tls.status();

  absl::StatusOr<std::unique_ptr<storage::RocksDbStore>> storage =
      storage::RocksDbStore::Open(config.data_dir());
  if (!storage.ok()) return storage.status();
  parts->storage = *std::move(storage);
  parts->commits = std::make_unique<CommitQueue>(parts->storage.get());
  AuditLog::Options audit_options{config.agency_id(), config.signing_key_id()};
  audit_options.accept_unverified = start_options.accept_unverified_audit_log;
  audit_options.keys = &parts->keys;
  if (uint64_t limit = config.audit().verify_before_serving_max_entries(); limit > 0) {
    audit_options.verify_before_serving_max_entries = limit;
  }
  absl::Time verify_start = absl::Now();
  absl::StatusOr<std::unique_ptr<AuditLog>> audit =
      AuditLog::Open(parts->storage.get(), parts->commits.get(), *signing_key, audit_options);
  if (!audit.ok()) return audit.status();
  parts->audit = *std::move(audit);
  if (const std::string& ignored = parts->audit->opening().seal_ignored(); !ignored.empty()) {
    LogWarning(absl::StrCat("audit log seal not used (", ignored,
                            "): every entry is verified before serving"));
  }
  if (uint64_t sealed = parts->audit->opening().sealed_entries(); sealed > 0) {
    LogInfo(absl::StrCat("audit log of ", parts->audit->size(), " entries: entries ", sealed,
                         " on (after the seal) verified in ",
                         absl::FormatDuration(absl::Now() - verify_start), "; entries 0 to ",
                         sealed - 1, " are verified in the background while the node serves"));
  } else {
    LogInfo(absl::StrCat("audit log of ", parts->audit->size(), " entries verified in ",
                         absl::FormatDuration(absl::Now() - verify_start)));
  }
  parts->store =
      std::make_unique<RecordStore>(parts->storage.get(), parts->commits.get(), parts->audit.get());
  parts->federation = policy::Federation(config.agencies());
  parts->publisher = std::make_unique<RecordPublisher>(
      RecordPublisher::Options{config.agency_id(), config.signing_key_id(),
                               config.limits().max_record_bytes(), &parts->federation},
      *std::move(signing_key), &parts->keys, parts->store.get(), parts->audit.get());
  absl::StatusOr<CursorCipher> cursors = CursorCipher::Open(parts->storage.get());
  if (!cursors.ok()) return cursors.status();
  parts->cursors = std::make_unique<CursorCipher>(*std::move(cursors));
  parts->sharing = std::make_unique<SharingGate>(parts->config, parts->audit.get());
  std::vector<std::string> peer_agencies;
  for (const v1::Peer& peer : config.peers()) peer_agencies.push_back(peer.agency_id());
  parts->reoffers =
      std::make_unique<PolicyReoffers>(parts->storage.get(), std::move(peer_agencies));
  parts->sharing->OnRulesInstalled([reoffers = parts->reoffers.get(),
                                    store = parts->store.get()](const v1::PolicyInForce& rules) {
    return reoffers->RulesInForce(rules, store->last_cursor());
  });
  parts->authorizer = std::make_unique<Authorizer>(parts->config, parts->audit.get());
  parts->reads =
      std::make_unique<SharedReads>(config.agency_id(), parts->store.get(), parts->sharing.get(),
                                    parts->audit.get(), parts->cursors.get());
  parts->link_detector =
      std::make_unique<LinkDetector>(parts->storage.get(), parts->store.get(), parts->cursors.get(),
                                     LinkDetector::Options::From(config.links()));
  parts->link_reads = std::make_unique<LinkReads>(config.agency_id(), parts->reads.get(),
                                                  parts->store.get(), parts->link_detector.get(),
                                                  parts->audit.get(), parts->cursors.get());
  parts->search = std::make_unique<RecordSearch>(config.agency_id(), config.limits(),
                                                 parts->store.get(), parts->reads.get());
  parts->federated_search = std::make_unique<FederatedSearch>(parts->config, parts->search.get(),
                                                              &parts->keys, parts->audit.get());
  parts->agency_service = std::make_unique<AgencyServiceImpl>(
      parts->config, parts->store.get(), parts->publisher.get(), parts->audit.get(),
      parts->reads.get(), parts->search.get(), parts->federated_search.get(),
      parts->link_reads.get(), parts->cursors.get(), parts->authorizer.get());
  parts->peers = std::make_unique<PeerRegistry>(parts->config);
  parts->witness =
      std::make_unique<PeerWitness>(parts->storage.get(), &parts->keys, parts->audit.get());
  absl::StatusOr<TrustedCertificates> trusted =
      TrustedCertificates::FromPemFile(config.tls().ca_file());
  if (!trusted.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("tls.ca_file: ", trusted.status().message()));
  }
  parts->trail = std::make_unique<RecordTrail>(parts->config, *std::move(trusted),
                                               parts->store.get(), parts->audit.get(),
                                               parts->witness.get(), parts->authorizer.get());
  parts->replication_source = std::make_unique<ReplicationSource>(
      parts->store.get(), parts->reads.get(), parts->cursors.get(), parts->peers.get(),
      parts->reoffers.get(),
      config.limits().max_message_bytes() == 0 ? 4 * 1024 * 1024
                                               : config.limits().max_message_bytes());
  parts->intake =
      std::make_unique<ReplicationIntake>(parts->config, &parts->keys, parts->store.get());
  parts->federation_service = std::make_unique<FederationServiceImpl>(
      parts->config, FederationServiceImpl::Parts{
                         parts->authorizer.get(), parts->store.get(), parts->audit.get(),
                         parts->replication_source.get(), parts->intake.get(), parts->peers.get(),
                         parts->witness.get(), parts->reoffers.get(), parts->federated_search.get(),
                         parts->link_reads.get(), parts->trail.get(), parts->link_detector.get()});
  parts->link_notices = std::make_unique<LinkNoticeIntake>(
      parts->config, parts->intake.get(), parts->link_detector.get(), parts->audit.get());
  parts->links = std::make_unique<PeerLinks>(
      parts->config,
      PeerLinks::Parts{parts->store.get(), parts->intake.get(), parts->replication_source.get(),
                       parts->peers.get(), parts->witness.get(), parts->audit.get(),
                       parts->link_notices.get()});
  parts->audit_service = std::make_unique<AuditServiceImpl>(
      parts->config, parts->audit.get(), parts->authorizer.get(), parts->trail.get());
  parts->backup =
      std::make_unique<StoreBackup>(config.backup().directory(), config.data_dir(),
                                    parts->storage.get(), parts->store.get(), parts->audit.get());
  parts->admin_service = std::make_unique<AdminServiceImpl>(
      parts->config, parts->sharing.get(), parts->store.get(), parts->audit.get(),
      parts->authorizer.get(), parts->backup.get());

  // Configuration and keys are in the log before the first call can be served.
  v1::AuditEntry started;
  started.mutable_actor()->set_node(true);
  started.mutable_actor()->set_agency_id(config.agency_id());
  started.set_action(v1::AUDIT_ACTION_NODE_START);
  started.set_outcome(v1::AUDIT_OUTCOME_OK);
  started.set_detail(StartDetail(config, config_source, parts->keys));
  // What the log was found to be is part of the signed log itself: a recovery or an upgrade
  // cannot be removed from its history without breaking the tree.
  *started.mutable_log_opening() = parts->audit->opening();
  if (const std::string& reason = parts->audit->opening().accepted_failure(); !reason.empty()) {
    LogError(absl::StrCat("starting with an audit log that failed verification (",
                          "--accept-unverified-audit-log): ", reason));
  }
  if (parts->audit->opening().upgraded_from_checkpoints_only()) {
    LogInfo("the audit log was written before signed heads; from now on every commit signs one");
  }
  if (absl::Status s = parts->audit->Append(std::move(started)); !s.ok()) return s;
  if (absl::Status s = parts->sharing->LoadAtStart(); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("sharing policy refused:\n", s.message()));
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.listen_address(), *tls, &parts->port);
  builder.SetMaxReceiveMessageSize(static_cast<int>(config.limits().max_message_bytes()));
  builder.SetMaxSendMessageSize(static_cast<int>(config.limits().max_message_bytes()));
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> recorders;
  recorders.push_back(TransportRefusalRecorder(parts->audit.get()));
  builder.experimental().SetInterceptorCreators(std::move(recorders));
  builder.RegisterService(parts->agency_service.get());
  builder.RegisterService(parts->audit_service.get());
  builder.RegisterService(parts->admin_service.get());
  builder.RegisterService(parts->federation_service.get());
  // Replication streams live for days: pings notice a peer that vanished; peers may ping often.
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 5000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Pushed replication streams run ahead by several batches (see client/channel.cc).
  builder.AddChannelArgument(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 4 << 20);
  // A second node started on the same address must fail, not share the port with the first.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  parts->server = builder.BuildAndStart();
  if (parts->server == nullptr || parts->port == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", config.listen_address(), " (in use, or not local?)"));
  }
  parts->server->GetHealthCheckService()->SetServingStatus("nexus.v1.AgencyService", true);
  parts->server->GetHealthCheckService()->SetServingStatus("nexus.v1.AuditService", true);
  parts->server->GetHealthCheckService()->SetServingStatus("nexus.v1.FederationService", true);
  if (!config.taxii().listen_address().empty()) {
    parts->taxii = std::make_unique<TaxiiApi>(
        parts->config, parts->store.get(), parts->publisher.get(), parts->audit.get(),
        parts->reads.get(), parts->cursors.get(), parts->authorizer.get());
    absl::StatusOr<std::unique_ptr<TaxiiEndpoint>> endpoint =
        TaxiiEndpoint::Start(config.taxii(), config.tls(), parts->taxii.get());
    if (!endpoint.ok()) {
      parts->server->Shutdown();
      return endpoint.status();
    }
    parts->taxii_endpoint = *std::move(endpoint);
    const std::string& listen = config.taxii().listen_address();
    LogInfo(absl::StrCat("TAXII 2.1 discovery at https://", listen.substr(0, listen.rfind(':')),
                         ":", parts->taxii_endpoint->port(), "/taxii2/ (mutual TLS)"));
  }
  if (!config.metrics().listen_address().empty()) {
    NodeMetricsSources sources;
    sources.federation.agency_id = config.agency_id();
    sources.federation.store = parts->store.get();
    sources.federation.registry = parts->peers.get();
    sources.federation.witness = parts->witness.get();
    sources.federation.source = parts->replication_source.get();
    sources.federation.reoffers = parts->reoffers.get();
    sources.federation.link_detector =
        config.links().disabled() ? nullptr : parts->link_detector.get();
    sources.audit = parts->audit.get();
    sources.commits = parts->commits.get();
    sources.storage = parts->storage.get();
    absl::StatusOr<std::unique_ptr<MetricsEndpoint>> metrics = MetricsEndpoint::Start(
        config.metrics().listen_address(), [sources] { return RenderNodeMetrics(sources); });
    if (!metrics.ok()) {
      if (parts->taxii_endpoint != nullptr) parts->taxii_endpoint->Stop();
      parts->server->Shutdown();
      return metrics.status();
    }
    parts->metrics = *std::move(metrics);
    LogInfo(absl::StrCat("Prometheus metrics at ", parts->metrics->url()));
  }
  parts->links->Start();
  if (!config.links().disabled()) parts->link_detector->Start();
  parts->audit->VerifySealedInBackground(
      [server = parts->server.get(), start = absl::Now(),
       sealed = parts->audit->opening().sealed_entries()](const absl::Status& outcome) {
        if (outcome.ok()) {
          LogInfo(absl::StrCat("audit log: the ", sealed,
                               " sealed entries verified in the background in ",
                               absl::FormatDuration(absl::Now() - start)));
          return;
        }
        // The log was altered: nothing more is written, so nothing can be served; health says so.
        LogError(outcome.message());
        server->GetHealthCheckService()->SetServingStatus(false);
      });
  uint32_t interval = config.audit().checkpoint_interval_seconds();
  parts->checkpointer = std::thread([raw = parts.get(), interval] {
    raw->RunCheckpointer(absl::Seconds(interval == 0 ? 60 : interval));
  });
  LogInfo(absl::StrCat("node of agency '", config.agency_id(), "' serving on ",
                       parts->config.listen_address(), " (port ", parts->port, "), store ",
                       config.data_dir(), ", ", parts->keys.size(),
                       " federation keys, last cursor ", parts->store->last_cursor()));
  return std::unique_ptr<Node>(new Node(std::move(parts)));
}

std::string Node::address() const {
  const std::string& listen = parts_->config.listen_address();
  return absl::StrCat(listen.substr(0, listen.rfind(':')), ":", parts_->port);
}

void Node::Shutdown(absl::Duration grace) {
  absl::MutexLock lock(&parts_->shutdown_mu);
  if (parts_->shut_down) return;
  parts_->shut_down = true;
  parts_->server->GetHealthCheckService()->SetServingStatus(false);
  // Replication streams run until told: end them first, then the links this node opened.
  parts_->federation_service->Stop();
  parts_->links->Stop();
  parts_->link_detector->Stop();
  if (parts_->taxii_endpoint != nullptr) parts_->taxii_endpoint->Stop();
  if (parts_->metrics != nullptr) parts_->metrics->Stop();
  parts_->server->Shutdown(std::chrono::system_clock::now() + absl::ToChronoSeconds(grace));
  parts_->server->Wait();
  {
    absl::MutexLock lock(&parts_->checkpoint_mu);
    parts_->stopping = true;
  }
  parts_->checkpointer.join();
  const bool cut_short = parts_->audit->StopBackgroundVerification();
  v1::AuditEntry stopped;
  if (cut_short) {
    // The seal stays where it was, so the next start verifies those entries again.
    stopped.set_detail(absl::StrCat("the background verification of the ",
                                    parts_->audit->opening().sealed_entries(),
                                    " sealed entries was stopped before it ended; the next start "
                                    "verifies them again"));
    LogWarning(stopped.detail());
  }
  stopped.mutable_actor()->set_node(true);
  stopped.mutable_actor()->set_agency_id(parts_->config.agency_id());
  stopped.set_action(v1::AUDIT_ACTION_NODE_STOP);
  stopped.set_outcome(v1::AUDIT_OUTCOME_OK);
  absl::Status recorded = parts_->audit->Append(std::move(stopped));
  absl::StatusOr<v1::SignedCheckpoint> checkpoint = parts_->audit->Checkpoint();
  // The next start verifies only what follows this before serving, if every entry was verified.
  if (absl::Status sealed = parts_->audit->Seal(); !sealed.ok() && recorded.ok()) {
    LogError(absl::StrCat("audit log seal: ", sealed.message()));
  }
  if (!recorded.ok() || !checkpoint.ok()) {
    LogError(absl::StrCat("final audit entry or checkpoint failed: ",
                          recorded.ok() ? checkpoint.status().message() : recorded.message()));
  }
  // Close RocksDB after the last call has finished and the log is sealed.
  parts_->links.reset();
  parts_->link_detector.reset();
  parts_->publisher.reset();
  parts_->store.reset();
  parts_->audit.reset();
  parts_->commits.reset();
  parts_->storage.reset();
  LogInfo(absl::StrCat("node stopped; audit log sealed at ",
                       checkpoint.ok() ? "a checkpoint" : "no checkpoint", "; store closed"));
}

void Node::Wait() { parts_->server->Wait(); }

absl::Status Node::ReloadPolicy() {
  CallContext node;
  node.actor.set_node(true);
  node.actor.set_agency_id(parts_->config.agency_id());
  node.request_id = "sighup";
  return parts_->sharing->Reload(node).status();
}

}  // namespace nexus
