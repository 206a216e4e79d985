#include "server/shared_reads.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/crypto.h"
#include "common/record_seal.h"
#include "common/uuid.h"
#include "policy/redaction.h"
#include "server/decision_summary.h"
#include "server/withheld_notes.h"

namespace nexus {
namespace {

// A record of ordinary shape, sealed with a throwaway key, that no store holds.
v1::SignedRecord DecoyRecord(const std::string& origin) {
  v1::Record record;
  record.set_id(NewUuid());
  record.set_origin_agency(origin);
  record.set_version(1);
  record.set_tlp(v1::TLP_AMBER);
  record.mutable_distribution()->set_scope(v1::DISTRIBUTION_SCOPE_FEDERATION);
  record.set_case_reference("decoy");
  v1::Assessment& assessment = *record.mutable_assessment();
  assessment.set_nexus_type(v1::NEXUS_TYPE_ALLIANCE);
  assessment.set_source_reliability(v1::SOURCE_RELIABILITY_B);
  assessment.set_information_credibility(v1::INFORMATION_CREDIBILITY_2);
  for (const char* phone : {"+22370000001", "+22370000002"}) {
    v1::Indicator& indicator = *record.add_indicators();
    indicator.set_type(v1::INDICATOR_TYPE_PHONE);
    indicator.set_value(phone);
    indicator.set_normalized(phone);
  }
  record.set_summary(std::string(160, 'x'));
  return SealRecord(record, PrivateKey::Generate(), "decoy");
}

}  // namespace

void AddTarget(v1::AuditEntry& entry, const v1::SignedRecord& record) {
  absl::StatusOr<v1::RecordHeader> header = PeekHeader(record);
  if (!header.ok()) return;
  v1::AuditTarget* target = entry.add_targets();
  target->set_record_id(header->id());
  target->set_version(header->version());
  target->set_tlp(header->tlp());
}

SharedReads::SharedReads(std::string agency_id, const RecordStore* store,
                         const SharingGate* sharing, AuditLog* audit, const CursorCipher* cursors)
    : agency_id_(std::move(agency_id)),
      store_(store),
      sharing_(sharing),
      audit_(audit),
      cursors_(cursors),
      decoy_(DecoyRecord(agency_id_)),
      decoy_id_(PeekHeader(decoy_)->id()) {}

void SharedReads::DecideOnDecoy(const std::string& reader, int lookups) const {
  for (int i = 0; i < lookups; ++i) (void)store_->Get(decoy_id_, 0);
  (void)Share(reader, decoy_);
}

std::optional<v1::HitNotice> SharedReads::HitNoticeFor(const SharingGate::Shared& shared,
                                                       const v1::SignedRecord& record,
                                                       v1::IndicatorType matched) const {
  if (shared.permit || !shared.decision.hit_notice) return std::nullopt;
  absl::StatusOr<v1::RecordHeader> header = PeekHeader(record);
  if (!header.ok()) return std::nullopt;
  v1::HitNotice notice;
  notice.set_holder(agency_id_);
  notice.set_origin_agency(header->origin_agency());
  notice.set_reference(absl::StrCat("HN-", cursors_->Reference("hit", header->id())));
  notice.set_matched_type(matched);
  if (const v1::Agency* origin = sharing_->Member(header->origin_agency())) {
    notice.set_origin_sector(origin->sector());
    notice.set_liaison(origin->liaison());
  }
  return notice;
}

SharingGate::Shared SharedReads::Share(const std::string& recipient, const v1::SignedRecord& record,
                                       const policy::SharingPolicy* under) const {
  SharingGate::Shared shared = Decide(recipient, record, under);
  if (shared.permit && under == nullptr) AddNotes(record, shared);
  return shared;
}

void SharedReads::AddNotes(const v1::SignedRecord& held, SharingGate::Shared& shared) const {
  shared.notes = NotesOfRedaction(held, shared.record, agency_id_);
  // Parts already absent when the record reached this node: what the peer it came from said.
  absl::StatusOr<v1::RecordHeader> header = PeekHeader(held);
  if (!header.ok() || header->origin_agency() == agency_id_) return;
  for (v1::WithheldNote& note : store_->UpstreamNotes(header->id(), header->version())) {
    shared.notes.push_back(std::move(note));
  }
}

SharingGate::Shared SharedReads::Decide(const std::string& recipient,
                                        const v1::SignedRecord& record,
                                        const policy::SharingPolicy* under) const {
  SharingGate::Shared shared = sharing_->Share(recipient, record, under);
  if (!shared.permit || recipient == agency_id_) return shared;
  absl::StatusOr<v1::RecordHeader> header = PeekHeader(record);
  if (!header.ok()) return SharingGate::Shared();
  // Most versions served are their record's latest: one index seek says so, without reading it.
  absl::StatusOr<uint64_t> latest_version = store_->LatestVersion(header->id());
  if (!latest_version.ok() || *latest_version == header->version()) return shared;
  absl::StatusOr<v1::SignedRecord> latest = store_->Get(header->id(), *latest_version);
  absl::StatusOr<v1::RecordHeader> latest_header =
      latest.ok() ? PeekHeader(*latest) : absl::StatusOr<v1::RecordHeader>(latest.status());
  if (!latest_header.ok() || latest_header->version() == header->version()) return shared;
  SharingGate::Shared now = sharing_->Share(recipient, *latest, under);
  if (!now.permit) {
    now.audit.set_record_id(header->id());
    now.audit.set_version(header->version());
    now.audit.add_rules(absl::StrCat("latest-version:", latest_header->version()));
    now.record.Clear();
    return now;
  }
  shared.decision.withheld |= now.decision.withheld;
  policy::ApplyRedaction(shared.decision.withheld, shared.record);
  return shared;
}

std::vector<v1::Recipient> SharedReads::Recipients(
    const v1::SignedRecord& record,
    const std::function<bool(const std::string& agency)>& is_peer) const {
  std::vector<v1::Recipient> recipients;
  absl::StatusOr<OpenedRecord> opened = DecodeStoredRecord(record);
  for (const std::string& agency : sharing_->members()) {
    if (agency == agency_id_) continue;
    if (opened.ok() && agency == opened->header.origin_agency()) continue;  // it has it
    SharingGate::Shared shared = Share(agency, record);
    v1::Recipient& recipient = recipients.emplace_back();
    recipient.set_agency_id(agency);
    recipient.set_effect(shared.audit.effect());
    *recipient.mutable_reasons() = shared.audit.rules();
    recipient.set_peer(is_peer(agency));
    if (!shared.permit && opened.ok()) {
      recipient.set_named_but_denied(sharing_->Names(opened->record.distribution(), agency));
    }
  }
  return recipients;
}

absl::StatusOr<SharedReads::FeedEnd> SharedReads::ServeFeed(
    const CallContext& call, v1::AuditAction action, const FeedScan& scan,
    const std::function<absl::Status(Page&)>& deliver) const {
  // The node's own agency reads everything it holds; only what leaves for another agency needs
  // its decisions in the log.
  const bool own = call.agency() == agency_id_;
  Page page;
  DecisionSummary decisions;
  uint64_t considered = 0;
  uint64_t scanned = 0;      // positions considered by the whole scan
  bool bounded = false;      // stopped by the bound
  bool full_before = false;  // stopped before a version that did not fit
  size_t page_bytes = 0;
  uint64_t page_from = scan.since;
  uint32_t sent = 0;
  bool any_page = false;
  std::vector<uint64_t> skipped;  // damaged feed positions passed over since the last page
  absl::Status failure;
  // Audits the page (which records go to whom, from which positions, by which decisions), then
  // hands it over.
  auto flush = [&](uint64_t through) {
    any_page = true;
    v1::AuditEntry entry = call.Entry(action);
    entry.set_detail(absl::StrCat(scan.what, scan.reoffer ? "re-offer after a policy change: " : "",
                                  "feed positions ", page_from, " to ", through, "; ", considered,
                                  " records considered"));
    if (!skipped.empty()) {
      // Damaged feed entries are passed over, never silently: the page's entry names them.
      entry.set_detail(absl::StrCat(
          entry.detail(), "; skipped ", skipped.size(), " damaged feed entries at positions ",
          absl::StrJoin(skipped.begin(), skipped.begin() + std::min<size_t>(skipped.size(), 16),
                        ","),
          skipped.size() > 16 ? ",..." : ""));
      page.unreadable = skipped.size();
      skipped.clear();
    }
    entry.set_count(page.versions.size());
    for (const SharedVersion& version : page.versions) AddTarget(entry, version.record);
    decisions.MoveInto(entry);
    entry.set_outcome(v1::AUDIT_OUTCOME_OK);
    page.considered = considered;
    considered = 0;
    if (absl::Status s = audit_->Append(std::move(entry)); !s.ok()) {
      failure = absl::UnavailableError("the audit log cannot record this call");
      return false;
    }
    page.through = through;
    if (absl::Status s = deliver(page); !s.ok()) {
      failure = s;
      return false;
    }
    page.versions.clear();
    page.unreadable = 0;
    page_bytes = 0;
    page_from = through;
    return true;
  };
  uint64_t last_seen = scan.since;
  absl::Status read = store_->ScanFeed(
      scan.since,
      [&](uint64_t position, const v1::SignedRecord& record) {
        if (scan.cancelled && scan.cancelled()) {
          failure = absl::CancelledError("the read was cancelled by the client");
          return false;
        }
        if (scan.until != 0 && position > scan.until) return false;
        const uint64_t seen_before = last_seen;
        last_seen = position;
        ++considered;
        ++scanned;
        SharingGate::Shared shared = Share(call.agency(), record);
        std::string held_back;
        if (shared.permit && scan.hold_back) held_back = scan.hold_back(position, shared.record);
        if (shared.permit && held_back.empty() && scan.previous != nullptr) {
          // Sent before, with at least as much disclosed: the peer holds it already.
          SharingGate::Shared before = Share(call.agency(), record, scan.previous);
          if (before.permit && before.decision.withheld.SubsetOf(shared.decision.withheld)) {
            held_back = "reoffer:sent-before";
          }
        }
        if (!held_back.empty()) shared.audit.add_rules(held_back);
        const bool send = shared.permit && held_back.empty();
        if (send && scan.fits && !scan.fits(shared.record)) {
          // Left for the next answer: as if the scan had not reached it (damaged entries
          // passed over on the way are named by the answer that reads past them).
          last_seen = seen_before;
          std::erase_if(skipped, [&](uint64_t p) { return p > seen_before; });
          --considered;
          --scanned;
          full_before = true;
          return false;
        }
        if (!own) {
          // Only what left the node is listed; the rest is counted, so the entry stays bounded.
          if (send) {
            decisions.Sent(std::move(shared.audit));
          } else {
            decisions.NotSent(shared.audit);
          }
        }
        if (send) {
          page_bytes += shared.record.ByteSizeLong();
          page.versions.push_back({position, std::move(shared.record), std::move(shared.notes)});
          ++sent;
        }
        bool at_limit = scan.limit != 0 && sent >= scan.limit;
        bounded = scan.slack != 0 && scanned > scan.slack + uint64_t{scan.per_sent} * sent;
        bool full = page.versions.size() >= scan.page_records ||
                    (scan.page_bytes != 0 && page_bytes >= scan.page_bytes);
        if (full || at_limit) {
          if (!flush(position)) return false;
        }
        return !at_limit && !bounded;
      },
      &skipped);
  if (!failure.ok()) return failure;
  if (!read.ok()) return read;
  if (!page.versions.empty() || considered > 0 || !skipped.empty() ||
      (!any_page && scan.audit_empty)) {
    if (!flush(last_seen)) return failure;
  }
  // The bound reached on the feed's last position is the end all the same.
  return FeedEnd{last_seen, full_before || (bounded && last_seen < store_->last_cursor())};
}

}  // namespace nexus
