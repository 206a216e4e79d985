// The publish path: validate -> version -> seal -> store. Also revoke, which is a publish of a
// new version with `revoked` set.
#ifndef NEXUS_SERVER_RECORD_PUBLISHER_H_
#define NEXUS_SERVER_RECORD_PUBLISHER_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/crypto.h"
#include "common/keyring.h"
#include "common/publish_options.h"
#include "nexus/v1/agency_service.pb.h"
#include "policy/federation.h"
#include "server/audit_log.h"
#include "server/call_context.h"
#include "server/record_store.h"

namespace nexus {

class RecordPublisher {
 public:
  struct Options {
    std::string agency_id;  // this node's agency: the origin of everything it signs
    std::string key_id;
    size_t max_record_bytes = 256 * 1024;
    // The federation's members and groups: a distribution may name no other (null: unchecked).
    const policy::Federation* federation = nullptr;
  };
  // `signing_key` signs as `options.agency_id`. `keys`, `store` and `audit` must outlive this.
  RecordPublisher(Options options, PrivateKey signing_key, const Keyring* keys, RecordStore* store,
                  AuditLog* audit);

  // Publishes `drafts` on behalf of `call` (its agency is the one in the client's certificate).
  // Returns one result per draft, in order; a bad draft is rejected alone. Every draft gets an
  // audit entry, durable before this returns. A draft's created and modified times are kept
  // when given, else set from the clock (rules in version_times.h).
  std::vector<v1::PublishResult> Publish(const CallContext& call, std::vector<v1::Record> drafts,
                                         const PublishOptions& options = {},
                                         v1::AuditAction action = v1::AUDIT_ACTION_PUBLISH,
                                         absl::string_view detail = "");

  // Publish in two halves, so that a stream can validate and sign its next batch (on every core)
  // while this one is committed: Prepare reads the store but writes nothing; Commit stores what
  // was prepared, in order. A draft prepared against a latest version that a commit in between
  // replaced is prepared again at commit (the version race Publish already handles), so the
  // results equal a Publish's of the same batch at commit time.
  class Batch;
  Batch Prepare(const CallContext& call, std::vector<v1::Record> drafts,
                const PublishOptions& options = {},
                v1::AuditAction action = v1::AUDIT_ACTION_PUBLISH, absl::string_view detail = "");
  std::vector<v1::PublishResult> Commit(Batch batch);

  // Stores a new version of `id` with `revoked` set, modified now (or just after the latest
  // version, if that is later). Only the origin agency may revoke. `reason` goes into the audit
  // entry.
  v1::PublishResult Revoke(const CallContext& call, absl::string_view id,
                           absl::string_view reason = "");

 private:
  struct Prepared;
  // Validates and seals one draft, or fills `result` with why not / that it is unchanged. Safe to
  // run concurrently for different drafts (it writes only `prepared`).
  bool PrepareDraft(absl::string_view caller, v1::Record draft, const PublishOptions& options,
                    Prepared& prepared);
  // Decides again, before its commit, what `batch` decided from a store that has changed since:
  // each draft whose outcome or version depended on a record's latest version that is no longer
  // the latest, and each new record that skip_unchanged would now find stored.
  void Recheck(Batch& batch);
  // An own, live record whose latest version has `draft`'s authored content (SHA-256 `digest`),
  // as an UNCHANGED result; none if there is no such record.
  absl::StatusOr<std::optional<v1::PublishResult>> SameContent(const v1::Record& draft,
                                                               const std::string& digest) const;

  Options options_;
  PrivateKey signing_key_;
  const Keyring* keys_;
  RecordStore* store_;
  AuditLog* audit_;
};

// A batch between RecordPublisher::Prepare and Commit: the call it is for and each draft's
// prepared write or final result. Movable only.
class RecordPublisher::Batch {
 public:
  Batch(Batch&&) noexcept;
  Batch& operator=(Batch&&) noexcept;
  ~Batch();

 private:
  friend class RecordPublisher;
  Batch();
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace nexus

#endif  // NEXUS_SERVER_RECORD_PUBLISHER_H_
