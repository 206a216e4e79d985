// A C++ client for a Nexus Exchange node's AgencyService, over mutual TLS.
//
// The header carries only protobuf message types; gRPC stays inside nexus_client.cc.
#ifndef NEXUS_CLIENT_NEXUS_CLIENT_H_
#define NEXUS_CLIENT_NEXUS_CLIENT_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/publish_options.h"
#include "nexus/v1/agency_service.pb.h"

namespace nexus {

struct ClientOptions {
  std::string target;     // "host:port" of the node
  std::string ca_file;    // PEM: the federation CA the node's certificate must chain to
  std::string cert_file;  // PEM: this client's certificate (its agency and role)
  std::string key_file;   // PEM: its private key
  absl::Duration timeout = absl::Seconds(30);  // per unary call
  int max_message_bytes = 4 * 1024 * 1024;
  // Keepalive ping period for long-lived streams (0: none); a node dialling its peers sets it.
  absl::Duration keepalive = absl::ZeroDuration();
  // Why the person calls (nexusctl --purpose, NEXUS_PURPOSE): sent with every call of the
  // channel and recorded in the node's audit entries. Empty: none.
  std::string purpose;
};

class NexusClient {
 public:
  // Reads the TLS files and prepares a channel; the first call connects.
  static absl::StatusOr<std::unique_ptr<NexusClient>> Create(const ClientOptions& options);
  ~NexusClient();

  // One result per record, in order. `options` (e.g. skip_unchanged, for importers) apply to
  // every record.
  absl::StatusOr<std::vector<v1::PublishResult>> Publish(const std::vector<v1::Record>& records,
                                                         const PublishOptions& options = {});
  // Sends `records` in batches of `batch_size` over one PublishStream, `options` with each.
  // `answered`, if given, is told after each batch how many records have their result.
  absl::StatusOr<std::vector<v1::PublishResult>> PublishStream(
      const std::vector<v1::Record>& records, size_t batch_size, const PublishOptions& options = {},
      const std::function<void(size_t answered)>& answered = nullptr);
  // `version` 0 asks for the latest.
  absl::StatusOr<v1::SignedRecord> Get(const std::string& id, uint64_t version);
  // The same, with the node's whole answer: the record, the peer node it came through, and any
  // other manifest its origin signed for the same id and version (equivocation).
  absl::StatusOr<v1::GetResponse> GetWithProvenance(const std::string& id, uint64_t version);
  // What a pull learned beside its records.
  struct PullInfo {
    // The agency of the node's TLS certificate (empty if it names none), known before the first
    // record: the server gives plain feed positions exactly when the caller's agency is the
    // node's, so a reader can tell which cursors it gets.
    std::string node_agency;
    uint64_t resume = 0;  // the cursor to resume after (past versions not returned, too)
    uint64_t unreadable_entries = 0;  // feed entries the node could not read: the answer has holes
    uint64_t calls = 0;               // Pull calls made (each call's work is bounded by the node)
  };
  // Calls `on_record` for each record after `request.since()`, until caught up, `request.limit()`
  // records, or it returns false. The node bounds each call's work; this makes as many calls as
  // it takes. `info` (if given) receives what else the node said.
  absl::Status Pull(const v1::PullRequest& request,
                    const std::function<bool(const v1::PullResponse&)>& on_record,
                    PullInfo* info = nullptr);
  absl::StatusOr<v1::SearchResponse> Search(const v1::SearchRequest& request);
  absl::StatusOr<v1::PublishResult> Revoke(const std::string& id, const std::string& reason);

  // Link alerts after `request.since()`, each to `on_alert` until it returns false; a `more`
  // message is followed by the next call. With `request.follow()` it returns only when
  // `on_alert` says stop or the node goes away. `resume` (if given) receives the cursor to
  // resume after.
  absl::Status Alerts(const v1::AlertsRequest& request,
                      const std::function<bool(const v1::Alert&)>& on_alert,
                      uint64_t* resume = nullptr);
  absl::Status AckAlert(const std::string& link_id);
  absl::StatusOr<v1::LinksResponse> Links(const v1::LinksRequest& request);

 private:
  struct Channel;
  explicit NexusClient(std::unique_ptr<Channel> channel);
  std::unique_ptr<Channel> channel_;
  absl::Duration timeout_;
};

}  // namespace nexus

#endif  // NEXUS_CLIENT_NEXUS_CLIENT_H_
