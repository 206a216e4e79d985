#include "server/link_reads.h"

#include <algorithm>
#include <deque>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/indicator_normalizer.h"
#include "common/record_seal.h"
#include "common/record_validation.h"
#include "common/untrusted_text.h"
#include "common/uuid.h"

namespace nexus {
namespace {

// A change the reader passes over does not count against it beyond this, plus four per alert
// it receives: a call's time says little of how many links it may not see.
constexpr uint64_t kScanSlack = 256;
constexpr uint64_t kScanPerSent = 4;
constexpr size_t kPageAlerts = 64;
// A link chart's bounds: the records it starts from (a case), and the links it holds.
constexpr uint64_t kCaseScanPositions = 200000;
constexpr size_t kChartLinks = 500;

enum class Seen { kNone, kNotice, kFull };

bool CrimeSector(v1::Sector sector) {
  switch (sector) {
    case v1::SECTOR_POLICE:
    case v1::SECTOR_CUSTOMS:
    case v1::SECTOR_BORDER:
    case v1::SECTOR_FINANCIAL_INTELLIGENCE:
    case v1::SECTOR_PROSECUTION:
    case v1::SECTOR_PRISONS_AND_PROBATION:
      return true;
    default:
      return false;
  }
}

bool TerrorSector(v1::Sector sector) {
  return sector == v1::SECTOR_COUNTER_TERRORISM || sector == v1::SECTOR_INTELLIGENCE;
}

std::string SectorText(v1::Sector sector) {
  std::string name(absl::StripPrefix(v1::Sector_Name(sector), "SECTOR_"));
  std::transform(name.begin(), name.end(), name.begin(),
                 [](char c) { return c == '_' ? '-' : absl::ascii_tolower(c); });
  return name;
}

// Whether a disclosed indicator of `side` is the selector (or an address in its range).
bool Discloses(const std::vector<v1::Indicator>& disclosed, const v1::Selector& selector) {
  return std::any_of(disclosed.begin(), disclosed.end(), [&](const v1::Indicator& indicator) {
    return indicator.type() == selector.type() &&
           (MatchesKey(indicator.type(), indicator.normalized(), selector.value()) ||
            RangeContains(selector.type(), selector.value(), indicator.normalized()));
  });
}

}  // namespace

std::string LinkKind(v1::Sector a, v1::Sector b, bool* crime_terror) {
  *crime_terror = (CrimeSector(a) && TerrorSector(b)) || (TerrorSector(a) && CrimeSector(b));
  // In the sectors' order, whichever record is `a`: one kind of link reads the same everywhere.
  if (b < a) std::swap(a, b);
  return absl::StrCat(SectorText(a), " ↔ ", SectorText(b));
}

LinkReads::LinkReads(std::string agency_id, const SharedReads* reads, const RecordStore* store,
                     LinkDetector* links, AuditLog* audit, const CursorCipher* cursors)
    : agency_id_(std::move(agency_id)),
      reads_(reads),
      store_(store),
      links_(links),
      audit_(audit),
      cursors_(cursors) {}

bool LinkReads::FoundHereToo(const v1::Alert& received) const {
  if (!received.a().has_record() || !received.b().has_record()) return false;
  absl::StatusOr<v1::RecordHeader> a = PeekHeader(received.a().record());
  absl::StatusOr<v1::RecordHeader> b = PeekHeader(received.b().record());
  if (!a.ok() || !b.ok()) return false;
  absl::StatusOr<std::vector<v1::Link>> links = links_->LinksOf(a->id());
  if (!links.ok()) return false;
  return std::any_of(links->begin(), links->end(), [&](const v1::Link& link) {
    return link.record_a() == b->id() || link.record_b() == b->id();
  });
}

std::vector<v1::Indicator> LinkReads::DisclosedIn(const std::string& reader, const std::string& id,
                                                  uint64_t version) const {
  absl::StatusOr<v1::SignedRecord> then = store_->Get(id, version);
  if (!then.ok()) return {};
  SharingGate::Shared shared = reads_->Share(reader, *then);
  if (!shared.permit) return {};
  absl::StatusOr<OpenedRecord> opened = DecodeStoredRecord(shared.record);
  if (!opened.ok() || opened->header.revoked()) return {};
  return {opened->record.indicators().begin(), opened->record.indicators().end()};
}

std::optional<v1::Alert> LinkReads::AlertFor(const std::string& reader,
                                             const v1::LinkChange& change) const {
  v1::Alert alert;
  if (!change.received_alert().empty()) {
    // A peer's link, decided there for this node's agency: told to its analysts only.
    if (reader != agency_id_ || !alert.ParseFromString(change.received_alert()))
      return std::nullopt;
    // A link between two records this node links itself is told once, as this node's own.
    if (FoundHereToo(alert)) return std::nullopt;
    alert.clear_cursor();
    alert.set_acknowledged(links_->Acknowledged(reader, alert.link_id()));
    return alert;
  }
  alert.set_event(change.event());
  alert.set_time_unix_micros(change.time_unix_micros());
  alert.set_found_at(agency_id_);
  if (change.event() == v1::LINK_EVENT_FREQUENT_SELECTOR) {
    // Its value may come from records others may not see: the node's own analysts only.
    if (reader != agency_id_) return std::nullopt;
    *alert.mutable_frequent() = change.frequent();
    alert.set_frequent_records(change.frequent_records());
    return alert;
  }
  const v1::Link& link = change.link();
  if (link.selectors().empty()) return std::nullopt;
  alert.set_link_id(link.id());
  const v1::IndicatorType matched = link.selectors(0).type();
  // What each side the reader sees in full discloses to it, in the version the change was
  // decided on: a later version that dropped the selector (the change that closed the link)
  // does not unsay what was shared then. Get gives the reader that version as it is shared now.
  std::vector<std::vector<v1::Indicator>> disclosed;
  auto side = [&](const std::string& id, uint64_t version, v1::LinkSide& out) {
    absl::StatusOr<v1::SignedRecord> latest = store_->Get(id, 0);
    if (!latest.ok()) return Seen::kNone;
    SharingGate::Shared shared = reads_->Share(reader, *latest);
    if (shared.permit) {
      absl::StatusOr<OpenedRecord> opened = DecodeStoredRecord(shared.record);
      if (!opened.ok()) return Seen::kNone;
      out.set_origin_agency(opened->header.origin_agency());
      if (opened->record.has_assessment()) {
        out.set_nexus_type(opened->record.assessment().nexus_type());
        *out.mutable_watch_points() = opened->record.assessment().watch_points();
      }
      out.set_case_reference(opened->record.case_reference());
      if (version == opened->header.version()) {
        disclosed.emplace_back(opened->record.indicators().begin(),
                               opened->record.indicators().end());
      } else {
        disclosed.push_back(DisclosedIn(reader, id, version));
      }
      *out.mutable_record() = std::move(shared.record);
    } else if (std::optional<v1::HitNotice> notice =
                   reads_->HitNoticeFor(shared, *latest, matched)) {
      out.set_origin_agency(notice->origin_agency());
      *out.mutable_hit_notice() = *std::move(notice);
    } else {
      return Seen::kNone;
    }
    if (const v1::Agency* origin = reads_->Member(out.origin_agency())) {
      out.set_sector(origin->sector());
    }
    return out.has_record() ? Seen::kFull : Seen::kNotice;
  };
  const Seen a = side(link.record_a(), link.version_a(), *alert.mutable_a());
  if (a == Seen::kNone) return std::nullopt;
  const Seen b = side(link.record_b(), link.version_b(), *alert.mutable_b());
  if (b == Seen::kNone || (a != Seen::kFull && b != Seen::kFull)) return std::nullopt;
  // A shared value is told only when every record the reader sees shows it: that two records
  // share it says what each carries, and one side may have it withheld. With none left, the link
  // itself would tell of a withheld value: nothing is told.
  for (const v1::Selector& selector : link.selectors()) {
    if (std::all_of(disclosed.begin(), disclosed.end(),
                    [&](const auto& shown) { return Discloses(shown, selector); })) {
      *alert.add_selectors() = selector;
    }
  }
  if (alert.selectors().empty()) return std::nullopt;
  bool crime_terror = false;
  alert.set_kind(LinkKind(alert.a().sector(), alert.b().sector(), &crime_terror));
  alert.set_crime_terror(crime_terror);
  alert.set_acknowledged(links_->Acknowledged(reader, link.id()));
  return alert;
}

absl::Status LinkReads::ServeAlerts(
    const CallContext& call, const AlertScan& scan,
    const std::function<absl::Status(const v1::Alert&)>& deliver) const {
  const bool own = call.agency() == agency_id_;
  uint64_t since = own ? scan.since : cursors_->Decode(scan.since);
  auto cursor = [&](uint64_t sequence) { return own ? sequence : cursors_->Encode(sequence); };
  uint64_t sent = 0;
  bool audited_once = false;
  while (true) {
    std::vector<v1::Alert> page;
    uint64_t scanned = 0, page_from = since, last = since;
    bool bounded = false, at_limit = false;
    absl::Status failure;
    // Audits the page (the links told, their records), then hands it over.
    auto flush = [&]() -> bool {
      if (page.empty() && (audited_once || (scanned == 0 && scan.follow))) return true;
      audited_once = true;
      v1::AuditEntry entry = call.Entry(v1::AUDIT_ACTION_ALERT);
      entry.set_detail(
          absl::StrCat("link changes ", page_from, " to ", last, "; ", scanned, " considered"));
      entry.set_count(page.size());
      for (const v1::Alert& alert : page) {
        for (const v1::LinkSide* side : {&alert.a(), &alert.b()}) {
          if (!side->has_record()) continue;
          if (absl::StatusOr<v1::RecordHeader> header = PeekHeader(side->record()); header.ok()) {
            v1::AuditTarget* target = entry.add_targets();
            target->set_record_id(header->id());
            target->set_version(header->version());
          }
        }
      }
      entry.set_outcome(v1::AUDIT_OUTCOME_OK);
      if (absl::Status s = audit_->Append(std::move(entry)); !s.ok()) {
        failure = absl::UnavailableError("the audit log cannot record this call");
        return false;
      }
      for (const v1::Alert& alert : page) {
        if (absl::Status s = deliver(alert); !s.ok()) {
          failure = s;
          return false;
        }
      }
      page.clear();
      page_from = last;
      scanned = 0;
      return true;
    };
    absl::Status read =
        links_->ScanChanges(since, [&](uint64_t sequence, const v1::LinkChange& change) {
          if (scan.cancelled && scan.cancelled()) {
            failure = absl::CancelledError("cancelled by the client");
            return false;
          }
          last = sequence;
          ++scanned;
          if (std::optional<v1::Alert> alert = AlertFor(call.agency(), change)) {
            alert->set_cursor(cursor(sequence));
            page.push_back(*std::move(alert));
            ++sent;
          }
          at_limit = scan.limit != 0 && sent >= scan.limit;
          bounded = !own && scanned > kScanSlack + kScanPerSent * page.size();
          if (page.size() >= kPageAlerts && !flush()) return false;
          return !at_limit && !bounded;
        });
    if (!failure.ok()) return failure;
    if (!read.ok()) return read;
    if (!flush()) return failure;
    since = last;
    if (bounded && last < links_->last_change()) {
      v1::Alert more;
      more.set_cursor(cursor(last));
      more.set_more(true);
      return deliver(more);
    }
    if (at_limit || !scan.follow) return absl::OkStatus();
    // Following: wait for the next link found, or the reader going away.
    while (links_->WaitForChangeAfter(since, absl::Milliseconds(500)) <= since) {
      if (scan.cancelled && scan.cancelled())
        return absl::CancelledError("cancelled by the client");
    }
  }
}

absl::StatusOr<v1::LinksResponse> LinkReads::Links(const CallContext& call,
                                                   const v1::LinksRequest& request) const {
  v1::AuditEntry entry = call.Entry(v1::AUDIT_ACTION_ALERT);
  entry.set_detail(absl::StrCat("link chart of ",
                                request.record_id().empty()
                                    ? absl::StrCat("case ", QuoteInput(request.case_reference()))
                                    : absl::StrCat("record ", QuoteInput(request.record_id())),
                                ", depth ", request.depth()));
  std::deque<std::pair<std::string, uint32_t>> frontier;  // record, hops from the start
  if (!request.record_id().empty()) {
    if (!IsCanonicalUuid(request.record_id())) {
      return absl::InvalidArgumentError(
          absl::StrCat("record_id ", QuoteInput(request.record_id()), " is not a lower-case UUID"));
    }
    frontier.emplace_back(request.record_id(), 0);
  } else if (!request.case_reference().empty()) {
    // The caller's agency's records of that case, from the feed (bounded).
    uint64_t looked = 0;
    (void)store_->ScanFeed(0, [&](uint64_t, const v1::SignedRecord& record) {
      absl::StatusOr<OpenedRecord> opened = DecodeStoredRecord(record);
      if (opened.ok() && opened->header.origin_agency() == call.agency() &&
          opened->record.case_reference() == request.case_reference()) {
        frontier.emplace_back(opened->header.id(), 0);
      }
      return ++looked < kCaseScanPositions;
    });
  } else {
    return absl::InvalidArgumentError("a link chart needs a record_id or a case_reference");
  }
  const uint32_t depth = std::clamp<uint32_t>(request.depth(), 1, 4);
  v1::LinksResponse response;
  std::set<std::string> visited, told;
  while (!frontier.empty() && !response.truncated()) {
    auto [record, hops] = frontier.front();
    frontier.pop_front();
    if (!visited.insert(record).second || hops >= depth) continue;
    absl::StatusOr<std::vector<v1::Link>> links = links_->LinksOf(record);
    if (!links.ok()) return links.status();
    for (const v1::Link& link : *links) {
      if (!link.open() || told.contains(link.id())) continue;
      v1::LinkChange now;
      now.set_event(v1::LINK_EVENT_OPENED);
      now.set_time_unix_micros(link.changed_unix_micros());
      *now.mutable_link() = link;
      std::optional<v1::Alert> alert = AlertFor(call.agency(), now);
      if (!alert.has_value()) continue;
      if (response.links_size() >= static_cast<int>(kChartLinks)) {
        response.set_truncated(true);
        break;
      }
      told.insert(link.id());
      // A hop goes on only through a record the caller may see.
      const std::string& other = link.record_a() == record ? link.record_b() : link.record_a();
      const v1::LinkSide& far = link.record_a() == record ? alert->b() : alert->a();
      if (far.has_record()) frontier.emplace_back(other, hops + 1);
      *response.add_links() = *std::move(alert);
    }
  }
  entry.set_count(response.links_size());
  entry.set_outcome(v1::AUDIT_OUTCOME_OK);
  if (absl::Status s = audit_->Append(std::move(entry)); !s.ok()) {
    return absl::UnavailableError("the audit log cannot record this call");
  }
  return response;
}

absl::Status LinkReads::Acknowledge(const CallContext& call, const std::string& link_id) {
  v1::AuditEntry entry = call.Entry(v1::AUDIT_ACTION_ALERT);
  entry.set_detail(absl::StrCat("acknowledge link ", QuoteInput(link_id)));
  absl::Status outcome;
  absl::StatusOr<std::optional<v1::Link>> link = std::optional<v1::Link>();
  if (link_id.size() == 32) link = links_->Find(link_id);
  if (!link.ok()) return link.status();
  std::optional<v1::Alert> seen;
  if (link->has_value()) {
    v1::LinkChange now;
    now.set_event(v1::LINK_EVENT_OPENED);
    *now.mutable_link() = **link;
    seen = AlertFor(call.agency(), now);
  }
  if (link_id.find('/') != std::string::npos && call.agency() == agency_id_ &&
      links_->HasReceived(link_id)) {
    seen.emplace();  // a peer's link, told to this node's agency
  }
  if (!seen.has_value()) {
    // A link the caller may not see is answered as one that does not exist.
    outcome = absl::NotFoundError(absl::StrCat("no link ", QuoteInput(link_id)));
  } else {
    outcome = links_->Acknowledge(call.agency(), link_id);
  }
  SetOutcome(entry, outcome);
  if (absl::Status s = audit_->Append(std::move(entry)); !s.ok()) {
    return absl::UnavailableError("the audit log cannot record this call");
  }
  return outcome;
}

}  // namespace nexus
