#include "server/record_publisher.h"

#include <limits>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/crypto.h"
#include "common/record_seal.h"
#include "common/record_validation.h"
#include "common/untrusted_text.h"
#include "common/uuid.h"
#include "server/log.h"
#include "server/on_cores.h"
#include "server/version_times.h"

namespace nexus {
namespace {

// A draft may lose a race with a concurrent update of the same record; it is then prepared again
// against the new latest version. Every round some writer wins, so the bound is only a guard.
constexpr int kMaxVersionRaces = 1000;

// Drafts per extra preparing thread: a thread costs about what signing a few drafts does.
constexpr size_t kMinDraftsPerThread = 16;

// `id` and `version` as the draft asked for them (empty and 0 for a new record), so that the
// refusal's audit entry names what was asked.
v1::PublishResult Rejected(absl::string_view id, const absl::Status& status, uint64_t version = 0) {
  v1::PublishResult result;
  result.set_outcome(v1::PUBLISH_OUTCOME_REJECTED);
  result.set_id(std::string(id));
  result.set_version(version);
  result.set_code(static_cast<int>(status.code()));
  result.set_error(std::string(status.message()));
  return result;
}

// Fills the audit entry of a publish or revoke that stored nothing: unchanged, or refused.
void DescribeUnstored(const v1::PublishResult& result, v1::AuditEntry& entry) {
  v1::AuditTarget* target = entry.add_targets();
  target->set_record_id(result.id());
  target->set_version(result.version());
  if (result.outcome() == v1::PUBLISH_OUTCOME_UNCHANGED) {
    entry.set_outcome(v1::AUDIT_OUTCOME_UNCHANGED);
  } else {
    entry.set_outcome(v1::AUDIT_OUTCOME_REFUSED);
    entry.set_code(result.code());
    entry.set_error(result.error());
  }
}

// Every refusal reaches the node log as well as the audit log; a batch of bad records logs its
// first few and counts the rest, so that one request cannot flood the log.
void LogRejections(const CallContext& call, v1::AuditAction action,
                   const std::vector<v1::PublishResult>& results) {
  constexpr int kMaxLogged = 8;
  int rejected = 0;
  for (const v1::PublishResult& result : results) {
    if (result.outcome() != v1::PUBLISH_OUTCOME_REJECTED) continue;
    if (++rejected > kMaxLogged) continue;
    const std::string name =
        absl::AsciiStrToLower(absl::StripPrefix(v1::AuditAction_Name(action), "AUDIT_ACTION_"));
    LogWarning(
        absl::StrCat("refused ", name, " of record ", result.id().empty() ? "(new)" : result.id(),
                     " request ", call.request_id, " by ", call.agency(), " from ",
                     call.actor.peer(), ": ", result.error()),
        LogFieldsOf(call, name, "refused",
                    absl::Status(static_cast<absl::StatusCode>(result.code()), "")));
  }
  if (rejected > kMaxLogged) {
    LogWarning(absl::StrCat("request ", call.request_id, ": ", rejected - kMaxLogged,
                            " more records refused (see the audit log)"));
  }
}

// Names in a distribution that are not members or groups of the federation would make a record
// that nobody can receive, silently: refused, naming the field and what exists.
absl::Status CheckNames(const google::protobuf::RepeatedPtrField<std::string>& agencies,
                        const google::protobuf::RepeatedPtrField<std::string>& named_groups,
                        absl::string_view field, const policy::Federation& federation) {
  for (int i = 0; i < agencies.size(); ++i) {
    if (federation.Known(agencies[i])) continue;
    std::vector<std::string> members;
    for (size_t a = 0; a < federation.agencies(); ++a) {
      members.push_back(federation.agency_id(static_cast<int>(a)));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        field, ".agencies[", i, "]: ", QuoteInput(agencies[i]),
        " is not a member of the federation (members: ", absl::StrJoin(members, ", "), ")"));
  }
  for (int i = 0; i < named_groups.size(); ++i) {
    if (federation.GroupIndex(named_groups[i]) >= 0) continue;
    std::vector<std::string> groups;
    for (size_t g = 0; g < federation.groups(); ++g) {
      groups.push_back(federation.group_name(static_cast<int>(g)));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(field, ".groups[", i, "]: ", QuoteInput(named_groups[i]),
                     " is not a group of the federation (groups: ",
                     groups.empty() ? "none" : absl::StrJoin(groups, ", "), ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckDistributionNames(const v1::Distribution& distribution,
                                    const policy::Federation& federation) {
  if (absl::Status s =
          CheckNames(distribution.agencies(), distribution.groups(), "distribution", federation);
      !s.ok()) {
    return s;
  }
  return CheckNames(distribution.hit_notices().agencies(), distribution.hit_notices().groups(),
                    "distribution.hit_notices", federation);
}

// The authored content alone: what decides whether two versions say the same thing.
std::string ContentOf(v1::Record record) {
  record.clear_id();
  record.clear_origin_agency();
  record.clear_version();
  record.clear_created_unix_micros();
  record.clear_modified_unix_micros();
  return record.SerializeAsString();
}

// The size of ContentOf(record), without copying the record: what the node adds (id, origin,
// version, times) is subtracted from the whole.
size_t ContentBytes(const v1::Record& record) {
  v1::Record added;
  added.set_id(record.id());
  added.set_origin_agency(record.origin_agency());
  added.set_version(record.version());
  added.set_created_unix_micros(record.created_unix_micros());
  added.set_modified_unix_micros(record.modified_unix_micros());
  return record.ByteSizeLong() - added.ByteSizeLong();
}

}  // namespace

struct RecordPublisher::Prepared {
  bool auto_version = false;
  v1::Record draft;  // kept to prepare again after a lost version race, or a recheck
  RecordWrite write;
  v1::PublishResult result;  // set when PrepareDraft returns false
  // A result decided from the store's state (unchanged, or refused for what is stored): the
  // record it read and that record's latest version then (0: none), to decide again at commit if
  // a commit in between stored another version of it.
  std::string decided_on;
  uint64_t decided_at_version = 0;
};

RecordPublisher::RecordPublisher(Options options, PrivateKey signing_key, const Keyring* keys,
                                 RecordStore* store, AuditLog* audit)
    : options_(std::move(options)),
      signing_key_(std::move(signing_key)),
      keys_(keys),
      store_(store),
      audit_(audit) {}

bool RecordPublisher::PrepareDraft(absl::string_view caller, v1::Record draft,
                                   const PublishOptions& options, Prepared& prepared) {
  const std::string id = draft.id();
  const uint64_t asked_version = draft.version();
  // The author's times (0: not given), kept to prepare again after a lost version race.
  const int64_t authored_created = draft.created_unix_micros();
  const int64_t authored_modified = draft.modified_unix_micros();
  prepared.write.minted_id = false;
  prepared.decided_on.clear();
  // An outcome that follows from the store's state keeps the draft, to be decided again at
  // commit if that state changed (see Commit).
  auto unstored = [&] {
    if (!prepared.decided_on.empty()) prepared.draft = draft;
    return false;
  };
  auto reject = [&](const absl::Status& status) {
    prepared.result = Rejected(id, status, asked_version);
    return unstored();
  };
  // What follows depends on record `on` being at version `latest` (0: absent).
  auto decided_from_store = [&](const std::string& on, uint64_t latest) {
    prepared.decided_on = on;
    prepared.decided_at_version = latest;
  };
  if (caller != options_.agency_id) {
    return reject(absl::PermissionDeniedError(
        absl::StrCat("agency '", caller, "' cannot publish on the node of agency '",
                     options_.agency_id, "': records are signed by their origin's own node")));
  }
  if (!draft.origin_agency().empty() && draft.origin_agency() != caller) {
    return reject(absl::PermissionDeniedError(absl::StrCat(
        "agency '", caller, "' cannot publish as ", QuoteInput(draft.origin_agency()))));
  }
  // Fields this node does not know would be signed and served unvalidated: drop them.
  draft.DiscardUnknownFields();
  // An empty list of tags or related records is not sealed (record_seal.cc), so it is no content
  // either: without it a draft compares equal to the version it would be stored as.
  if (draft.tags().values().empty()) draft.clear_tags();
  if (draft.related().ids().empty()) draft.clear_related();
  // The limit applies to what the author wrote, not to the id, version and times the node adds,
  // so that a record at the limit can still be revoked or retried.
  if (size_t bytes = ContentBytes(draft); bytes > options_.max_record_bytes) {
    return reject(absl::InvalidArgumentError(
        absl::StrCat("record is ", bytes, " bytes; the limit is ", options_.max_record_bytes)));
  }
  if (absl::Status valid = ValidateAndNormalize(draft); !valid.ok()) return reject(valid);
  if (options_.federation != nullptr) {
    if (absl::Status named = CheckDistributionNames(draft.distribution(), *options_.federation);
        !named.ok()) {
      return reject(named);
    }
  }

  uint64_t version = draft.version();
  std::optional<v1::RecordHeader> latest_header;  // of an update
  prepared.auto_version = version == 0;
  const std::string content_digest = DigestBytes(Sha256(ContentOf(draft)));
  if (draft.id().empty() && version == 0 && options.skip_unchanged) {
    // The same content pushed again (a file sent twice) is the record already stored.
    absl::StatusOr<std::optional<v1::PublishResult>> same = SameContent(draft, content_digest);
    if (!same.ok()) return reject(same.status());
    if (same->has_value()) {
      prepared.result = **same;
      decided_from_store(prepared.result.id(), prepared.result.version());
      return unstored();
    }
  }
  if (draft.id().empty()) {
    if (version > 1) {
      return reject(absl::InvalidArgumentError(
          absl::StrCat("version ", version, " given for a new record without an id")));
    }
    draft.set_id(NewUuid());
    prepared.write.minted_id = true;
    version = 1;
  } else if (absl::StatusOr<v1::SignedRecord> latest = store_->Get(draft.id(), 0); latest.ok()) {
    absl::StatusOr<OpenedRecord> stored = OpenRecord(*latest, *keys_);
    if (!stored.ok()) return reject(stored.status());
    const v1::RecordHeader& header = stored->header;
    decided_from_store(id, header.version());
    if (header.origin_agency() != caller) {
      return reject(absl::PermissionDeniedError(absl::StrCat("record ", id, " belongs to agency '",
                                                             header.origin_agency(),
                                                             "'; only its origin may update it")));
    }
    uint64_t latest_version = header.version();
    if (version == 0) version = latest_version + 1;
    if (version <= latest_version) {
      // A retried publish of a version already stored is a no-op; a different one is refused.
      absl::StatusOr<v1::SignedRecord> same = store_->Get(id, version);
      absl::StatusOr<OpenedRecord> opened =
          same.ok() ? OpenRecord(*same, *keys_) : absl::StatusOr<OpenedRecord>(same.status());
      draft.set_origin_agency(std::string(caller));
      if (opened.ok() && ContentOf(opened->record) == ContentOf(draft)) {
        prepared.result.set_outcome(v1::PUBLISH_OUTCOME_UNCHANGED);
        prepared.result.set_id(id);
        prepared.result.set_version(version);
        return unstored();
      }
      return reject(absl::AlreadyExistsError(absl::StrCat(
          "record ", id, " version ", version, " is already stored with different content; ",
          "the latest version is ", latest_version, ": publish version ", latest_version + 1,
          " (or leave version empty) to update")));
    }
    if (header.revoked()) {
      return reject(absl::FailedPreconditionError(
          absl::StrCat("record ", id, " is revoked; a revoked record cannot be updated")));
    }
    if (version != latest_version + 1) {
      return reject(absl::FailedPreconditionError(absl::StrCat(
          "record ", id, " version ", version, " skips versions: the latest is ", latest_version)));
    }
    if (options.skip_unchanged && prepared.auto_version) {
      draft.set_origin_agency(std::string(caller));
      if (ContentOf(stored->record) == ContentOf(draft)) {
        prepared.result.set_outcome(v1::PUBLISH_OUTCOME_UNCHANGED);
        prepared.result.set_id(id);
        prepared.result.set_version(latest_version);
        return unstored();
      }
    }
    latest_header = header;
  } else if (absl::IsNotFound(latest.status())) {
    if (version > 1) {
      decided_from_store(id, 0);
      return reject(absl::FailedPreconditionError(absl::StrCat(
          "record ", id, " does not exist here; its first version must be 1, not ", version)));
    }
    version = 1;
  } else {
    return reject(latest.status());
  }

  int64_t modified = authored_modified;
  if (options.source_times && prepared.auto_version && latest_header && modified != 0 &&
      modified <= latest_header->modified_unix_micros() &&
      latest_header->modified_unix_micros() < std::numeric_limits<int64_t>::max()) {
    // The source has not changed its time, but what we make of it has (a stricter TLP): a new
    // version just after the latest keeps the record's age.
    modified = latest_header->modified_unix_micros() + 1;
  }
  absl::StatusOr<VersionTimes> times = ChooseVersionTimes(
      authored_created, modified, latest_header ? &*latest_header : nullptr, absl::Now());
  if (!times.ok()) return reject(times.status());
  draft.set_origin_agency(std::string(caller));
  draft.set_version(version);
  draft.set_created_unix_micros(times->created_unix_micros);
  draft.set_modified_unix_micros(times->modified_unix_micros);
  RecordWrite& write = prepared.write;
  write.id = draft.id();
  write.version = version;
  write.origin = std::string(caller);
  write.indicators.clear();
  for (const v1::Indicator& indicator : draft.indicators()) {
    write.indicators.emplace_back(indicator.type(), indicator.normalized());
  }
  write.record = SealRecord(draft, signing_key_, options_.key_id);
  write.record_bytes = write.record.SerializeAsString();
  write.content_digest = draft.revoked() ? "" : content_digest;
  prepared.draft = std::move(draft);
  if (prepared.auto_version) prepared.draft.set_version(0);
  prepared.draft.set_created_unix_micros(authored_created);
  prepared.draft.set_modified_unix_micros(authored_modified);
  return true;
}

absl::StatusOr<std::optional<v1::PublishResult>> RecordPublisher::SameContent(
    const v1::Record& draft, const std::string& digest) const {
  absl::StatusOr<std::vector<std::string>> candidates = store_->RecordsWithContent(digest);
  if (!candidates.ok()) return candidates.status();
  const std::string content = ContentOf(draft);
  for (const std::string& id : *candidates) {
    absl::StatusOr<v1::SignedRecord> latest = store_->Get(id, 0);
    absl::StatusOr<OpenedRecord> opened =
        latest.ok() ? OpenRecord(*latest, *keys_) : absl::StatusOr<OpenedRecord>(latest.status());
    if (!opened.ok() || opened->header.revoked() ||
        opened->header.origin_agency() != options_.agency_id ||
        ContentOf(opened->record) != content) {
      continue;  // since updated, revoked, or not the same after all
    }
    v1::PublishResult result;
    result.set_outcome(v1::PUBLISH_OUTCOME_UNCHANGED);
    result.set_id(id);
    result.set_version(opened->header.version());
    return result;
  }
  return std::nullopt;
}

struct RecordPublisher::Batch::State {
  CallContext call;
  PublishOptions options;
  v1::AuditAction action = v1::AUDIT_ACTION_PUBLISH;
  std::string detail;
  std::vector<Prepared> prepared;
  std::vector<char> ready;  // prepared[i].write is to be stored; else prepared[i].result is final
  uint64_t store_at = 0;    // the store's last durable feed position before Prepare read it

  v1::AuditEntry EntryFor() const {
    v1::AuditEntry entry = call.Entry(action);
    entry.set_detail(detail);
    return entry;
  }
};

RecordPublisher::Batch::Batch() : state_(std::make_unique<State>()) {}
RecordPublisher::Batch::Batch(Batch&&) noexcept = default;
RecordPublisher::Batch& RecordPublisher::Batch::operator=(Batch&&) noexcept = default;
RecordPublisher::Batch::~Batch() = default;

std::vector<v1::PublishResult> RecordPublisher::Publish(const CallContext& call,
                                                        std::vector<v1::Record> drafts,
                                                        const PublishOptions& options,
                                                        v1::AuditAction action,
                                                        absl::string_view detail) {
  return Commit(Prepare(call, std::move(drafts), options, action, detail));
}

RecordPublisher::Batch RecordPublisher::Prepare(const CallContext& call,
                                                std::vector<v1::Record> drafts,
                                                const PublishOptions& options,
                                                v1::AuditAction action, absl::string_view detail) {
  Batch batch;
  Batch::State& state = *batch.state_;
  state.call = call;
  state.options = options;
  state.action = action;
  state.detail = std::string(detail);
  state.prepared.resize(drafts.size());
  state.ready.assign(drafts.size(), 0);
  state.store_at = store_->last_cursor();
  // Preparing a draft is mostly its signature: the drafts of a batch are prepared on every core.
  // Each writes only its own slot; what they read (the store, the keys) is safe to share.
  ForEachOnCores(drafts.size(), kMinDraftsPerThread, [&](size_t i) {
    state.ready[i] = PrepareDraft(call.agency(), std::move(drafts[i]), options, state.prepared[i]);
  });
  return batch;
}

void RecordPublisher::Recheck(Batch& batch) {
  Batch::State& state = *batch.state_;
  // Whether `id`'s latest version is still `version` (0: none): versions only grow, so whether
  // the next one is absent (a point read, mostly answered by the filters).
  auto still_latest = [&](const std::string& id, uint64_t version) {
    return !store_->Holds(id, version + 1);
  };
  for (size_t i = 0; i < state.prepared.size(); ++i) {
    Prepared& p = state.prepared[i];
    if (!state.ready[i]) {
      if (p.decided_on.empty()) continue;  // decided by the draft alone
      if (still_latest(p.decided_on, p.decided_at_version)) continue;
      state.ready[i] = PrepareDraft(state.call.agency(), std::move(p.draft), state.options, p);
    } else if (!p.write.minted_id) {
      // Prepared as the next version of what was the latest: if a commit since stored another,
      // prepared again now, so that the store does not refuse it first (an audited refusal of a
      // draft that then succeeds would give it two entries).
      if (still_latest(p.write.id, p.write.version - 1)) continue;
      state.ready[i] = PrepareDraft(state.call.agency(), p.draft, state.options, p);
    } else if (state.options.skip_unchanged && p.auto_version && !p.write.content_digest.empty()) {
      // A new record whose content a commit since may have stored (this stream's request before).
      absl::StatusOr<std::optional<v1::PublishResult>> same =
          SameContent(p.draft, p.write.content_digest);
      if (same.ok() && same->has_value()) {
        p.result = **std::move(same);
        state.ready[i] = false;
      }
    }
  }
}

std::vector<v1::PublishResult> RecordPublisher::Commit(Batch batch) {
  Batch::State& state = *batch.state_;
  const std::string& caller = state.call.agency();
  std::vector<Prepared>& prepared = state.prepared;
  std::vector<v1::PublishResult> results(prepared.size());
  std::vector<bool> audited(prepared.size(), false);  // by the store, in the batch of the write
  std::vector<size_t> pending;                        // indexes of drafts ready to store
  if (store_->last_cursor() != state.store_at) Recheck(batch);
  for (size_t i = 0; i < prepared.size(); ++i) {
    if (state.ready[i]) {
      prepared[i].write.audit = state.EntryFor();
      pending.push_back(i);
    } else {
      results[i] = std::move(prepared[i].result);
    }
  }
  for (int attempt = 0; !pending.empty(); ++attempt) {
    std::vector<RecordWrite> writes;
    writes.reserve(pending.size());
    for (size_t i : pending) writes.push_back(std::move(prepared[i].write));
    std::vector<WriteOutcome> outcomes = store_->Write(std::move(writes));
    std::vector<size_t> retry;
    for (size_t k = 0; k < pending.size(); ++k) {
      size_t i = pending[k];
      Prepared& p = prepared[i];
      const WriteOutcome& outcome = outcomes[k];
      audited[i] = outcome.audited;
      if (outcome.status.ok()) {
        results[i].set_outcome(v1::PUBLISH_OUTCOME_STORED);
        results[i].set_id(p.draft.id());
        results[i].set_version(p.write.version);
        results[i].set_cursor(outcome.cursor);
      } else if (absl::IsAborted(outcome.status) && attempt < kMaxVersionRaces) {
        // Another writer stored this record's next version first. Prepared again, an automatic
        // version moves on, and an explicit one becomes an idempotent no-op or a clear refusal.
        if (PrepareDraft(caller, p.draft, state.options, p)) {
          p.write.audit = state.EntryFor();
          retry.push_back(i);
        } else {
          audited[i] = false;  // the final outcome below needs its own entry
          results[i] = std::move(p.result);
        }
      } else {
        results[i] = Rejected(p.draft.id(), outcome.status, p.write.version);
      }
    }
    pending = std::move(retry);
  }
  LogRejections(state.call, state.action, results);
  // Stored versions (and refusals at commit) were audited in their own batch; the rest now.
  std::vector<v1::AuditEntry> entries;
  for (size_t i = 0; i < results.size(); ++i) {
    const v1::PublishResult& result = results[i];
    if (audited[i]) continue;
    v1::AuditEntry& entry = entries.emplace_back(state.EntryFor());
    DescribeUnstored(result, entry);
  }
  if (absl::Status s = audit_->Append(std::move(entries)); !s.ok()) {
    // Without its audit entry a refusal must not be reported as handled.
    for (v1::PublishResult& result : results) {
      if (result.outcome() != v1::PUBLISH_OUTCOME_STORED) {
        result = Rejected(result.id(), s, result.version());
      }
    }
  }
  return results;
}

v1::PublishResult RecordPublisher::Revoke(const CallContext& call, absl::string_view id,
                                          absl::string_view reason) {
  const std::string detail = reason.empty() ? "" : absl::StrCat("reason: ", reason);
  const std::string& caller = call.agency();
  v1::PublishResult result;
  absl::StatusOr<v1::SignedRecord> latest = store_->Get(id, 0);
  absl::StatusOr<OpenedRecord> opened =
      latest.ok() ? OpenRecord(*latest, *keys_) : absl::StatusOr<OpenedRecord>(latest.status());
  if (!opened.ok()) {
    result = Rejected(id, opened.status());
  } else if (opened->header.origin_agency() != caller) {
    result = Rejected(id, absl::PermissionDeniedError(absl::StrCat(
                              "record ", id, " belongs to agency '", opened->header.origin_agency(),
                              "'; only its origin may revoke it")));
  } else if (opened->header.revoked()) {
    result.set_outcome(v1::PUBLISH_OUTCOME_UNCHANGED);
    result.set_id(std::string(id));
    result.set_version(opened->header.version());
  } else {
    v1::Record next = std::move(opened->record);
    next.set_revoked(true);
    // Signed with the version, so that every recipient is told why.
    next.set_revocation_reason(std::string(reason));
    next.set_version(opened->header.version() + 1);
    // A revoke happens now: the record keeps its created time, the version gets the clock's.
    next.clear_created_unix_micros();
    next.clear_modified_unix_micros();
    for (v1::Indicator& indicator : *next.mutable_indicators()) indicator.clear_normalized();
    std::vector<v1::PublishResult> results =
        Publish(call, {std::move(next)}, {}, v1::AUDIT_ACTION_REVOKE, detail);
    return std::move(results[0]);
  }
  v1::AuditEntry entry = call.Entry(v1::AUDIT_ACTION_REVOKE);
  entry.set_detail(detail);
  result.set_id(std::string(id));
  DescribeUnstored(result, entry);
  if (absl::Status s = audit_->Append(std::move(entry)); !s.ok()) return Rejected(id, s);
  return result;
}

}  // namespace nexus
