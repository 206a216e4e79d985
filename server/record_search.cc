#include "server/record_search.h"

#include <set>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/record_seal.h"
#include "policy/redaction.h"
#include "server/decision_summary.h"
#include "server/log.h"
#include "server/request_checks.h"
#include "server/search_keys.h"

namespace nexus {

RecordSearch::RecordSearch(std::string agency_id, const v1::Limits& limits,
                           const RecordStore* store, const SharedReads* reads)
    : agency_id_(std::move(agency_id)), limits_(limits), store_(store), reads_(reads) {}

absl::StatusOr<v1::SearchResponse> RecordSearch::Search(const std::string& reader,
                                                        const v1::SearchRequest& request,
                                                        v1::AuditEntry& entry) const {
  if (absl::Status s = CheckRequest(request); !s.ok()) return s;
  absl::StatusOr<std::vector<SearchKey>> keys = SearchKeys(request.type(), request.value());
  if (!keys.ok()) return keys.status();
  uint32_t limit = limits_.max_search_hits();
  if (request.limit() != 0 && request.limit() < limit) limit = request.limit();

  // A record is a hit when its latest version carries a key (and is not revoked, unless asked).
  // Work stops at the limit: each id is decided once, on the first key its latest version
  // carries, however many of its versions the index holds.
  v1::SearchResponse response;
  std::set<std::string, std::less<>> decided;
  DecisionSummary decisions;
  const bool other = reader != agency_id_;
  size_t bytes = 0;
  absl::Status failed;
  const SearchKey* key = nullptr;  // the key being looked up
  auto visit = [&](absl::string_view id, uint64_t) {
    if (decided.contains(id)) return true;
    absl::StatusOr<v1::SignedRecord> latest = store_->Get(id, 0);
    if (absl::IsNotFound(latest.status())) {
      // A damaged index key (no such record) is reported and passed over, never the end of a
      // search. A key naming a record that does not carry the value is caught below.
      LogWarning(absl::StrCat("store damaged: an indicator index key names record '",
                              absl::CHexEscape(id), "', which is not stored; skipped"));
      return true;
    }
    if (!latest.ok()) {
      failed = latest.status();
      return false;
    }
    absl::StatusOr<v1::RecordHeader> header = PeekHeader(*latest);
    // The record itself must carry the key: an index key alone (planted, or of an older
    // version) is no evidence. Such an id stays undecided: its latest version may carry
    // another of the keys.
    if (!header.ok() || !RecordStore::CarriesIndicator(*latest, key->type, key->normalized)) {
      return true;
    }
    decided.emplace(id);
    // A record the reader may not see, or whose matching indicator it may not see, is no hit:
    // neither the hits nor their count may reveal it.
    SharingGate::Shared shared = reads_->Share(reader, *latest);
    if (std::optional<v1::HitNotice> notice = reads_->HitNoticeFor(shared, *latest, key->type)) {
      // Not the record: that this node holds one, from whom, and whom to ask.
      if (header->revoked() && !request.include_revoked()) return true;
      if (response.hit_notices_size() >= static_cast<int>(limit)) {
        response.set_truncated(true);
        return false;
      }
      decisions.Sent(std::move(shared.audit));
      AddTarget(entry, *latest);
      *response.add_hit_notices() = *std::move(notice);
      return true;
    }
    if (!shared.permit || policy::WithholdsIndicator(shared.decision.withheld, key->type)) {
      if (other) decisions.NotSent(shared.audit);
      return true;
    }
    if (header->revoked() && !request.include_revoked()) {
      // Not a hit, but said: the value is also in a revoked record the reader may see.
      response.set_revoked_hits(response.revoked_hits() + 1);
      if (other) decisions.NotSent(shared.audit);
      return true;
    }
    *latest = std::move(shared.record);
    bytes += latest->ByteSizeLong();
    if (response.hits_size() >= static_cast<int>(limit) ||
        bytes + 1024 > limits_.max_message_bytes()) {
      response.set_truncated(true);
      return false;
    }
    if (other) decisions.Sent(std::move(shared.audit));
    AddTarget(entry, *latest);
    v1::SearchHit* hit = response.add_hits();
    *hit->mutable_record() = *std::move(latest);
    hit->set_matched_type(key->type);
    hit->set_normalized(key->normalized);
    hit->set_received_from(std::string(store_->ReceivedVia(id, header->version())));
    for (v1::WithheldNote& note : shared.notes) *hit->add_withheld() = std::move(note);
    return true;
  };
  for (const SearchKey& each : *keys) {
    key = &each;
    absl::Status s = store_->FindIndicator(key->type, key->normalized, visit);
    if (!s.ok()) failed = s;
    if (!failed.ok()) {
      decisions.MoveInto(entry);
      return failed;
    }
    if (response.truncated()) break;
  }
  // No record holds the value: take the lookup and the decision a hidden holder would cost.
  if (decided.empty()) reads_->DecideOnDecoy(reader, 1);
  decisions.MoveInto(entry);
  entry.set_count(response.hits_size() + response.hit_notices_size());
  return response;
}

}  // namespace nexus
