#include "server/link_notice_intake.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/indicator_normalizer.h"
#include "common/record_seal.h"
#include "common/untrusted_text.h"
#include "server/link_reads.h"
#include "server/log.h"
#include "server/shared_reads.h"

namespace nexus {
namespace {

constexpr size_t kLinkIdBytes = 64;
constexpr int kMaxSelectors = 256;

bool PlainId(absl::string_view id) {
  return !id.empty() && id.size() <= kLinkIdBytes && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' ||
           c == '_';
  });
}

}  // namespace

LinkNoticeIntake::LinkNoticeIntake(const v1::NodeConfig& config, const ReplicationIntake* intake,
                                   LinkDetector* links, AuditLog* audit)
    : agency_id_(config.agency_id()), intake_(intake), links_(links), audit_(audit) {
  for (const v1::Agency& agency : config.agencies()) members_[agency.id()] = agency;
}

std::vector<std::string> LinkNoticeIntake::PeersFollowed(const v1::NodeConfig& config) {
  std::vector<std::string> followed;
  for (const v1::Peer& peer : config.peers()) {
    if (peer.address().empty()) continue;
    const auto& named = config.links().notice_peers();
    bool follow = std::find(named.begin(), named.end(), peer.agency_id()) != named.end();
    if (named.empty()) {
      for (const v1::Agency& agency : config.agencies()) {
        if (agency.id() == peer.agency_id()) {
          follow = agency.sector() == v1::SECTOR_REGIONAL_BODY;
        }
      }
    }
    if (follow) followed.push_back(peer.agency_id());
  }
  return followed;
}

absl::Status LinkNoticeIntake::CheckSide(
    const std::string& peer, const char* name, v1::LinkSide& side,
    std::vector<std::pair<v1::IndicatorType, std::string>>& disclosed) const {
  v1::LinkSide kept;
  if (side.has_record()) {
    if (absl::Status s = intake_->CheckHeld(peer, side.record()); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("side ", name, ": ", s.message()));
    }
    absl::StatusOr<OpenedRecord> opened = DecodeStoredRecord(side.record());
    if (!opened.ok()) return opened.status();
    // The facts shown are the verified record's, not the peer's word about it.
    kept.set_origin_agency(opened->header.origin_agency());
    if (opened->record.has_assessment()) {
      kept.set_nexus_type(opened->record.assessment().nexus_type());
      *kept.mutable_watch_points() = opened->record.assessment().watch_points();
    }
    kept.set_case_reference(opened->record.case_reference());
    // A link shares a normalized indicator or one of its structured forms (IndexAliases).
    for (const v1::Indicator& indicator : opened->record.indicators()) {
      disclosed.emplace_back(indicator.type(), indicator.normalized());
      for (std::string& alias : IndexAliases(indicator.type(), indicator.normalized())) {
        disclosed.emplace_back(indicator.type(), std::move(alias));
      }
    }
    *kept.mutable_record() = std::move(*side.mutable_record());
  } else if (side.has_hit_notice()) {
    v1::HitNotice& notice = *side.mutable_hit_notice();
    // The peer can tell only of a record it holds itself, of a member of this federation.
    if (notice.holder() != peer) {
      return absl::InvalidArgumentError(absl::StrCat("side ", name, ": a hit notice held by ",
                                                     QuoteInput(notice.holder(), 64),
                                                     ", not by the peer that sent it"));
    }
    if (!members_.contains(notice.origin_agency())) {
      return absl::InvalidArgumentError(absl::StrCat("side ", name, ": a hit notice of origin ",
                                                     QuoteInput(notice.origin_agency(), 64),
                                                     ", which is not a member of the federation"));
    }
    notice.set_reference(TruncateText(notice.reference(), 64));
    const v1::Agency& origin = members_.at(notice.origin_agency());
    notice.set_origin_sector(origin.sector());
    notice.set_liaison(origin.liaison());
    kept.set_origin_agency(notice.origin_agency());
    *kept.mutable_hit_notice() = std::move(notice);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("side ", name, " carries neither a record nor a hit notice"));
  }
  if (auto origin = members_.find(kept.origin_agency()); origin != members_.end()) {
    kept.set_sector(origin->second.sector());
  }
  kept.set_received_from(TruncateText(side.received_from(), 64));
  side = std::move(kept);
  return absl::OkStatus();
}

absl::Status LinkNoticeIntake::Check(const std::string& peer, v1::Alert& alert) const {
  const v1::LinkEvent event = alert.event();
  if (event != v1::LINK_EVENT_OPENED && event != v1::LINK_EVENT_UPDATED &&
      event != v1::LINK_EVENT_CLOSED) {
    return absl::InvalidArgumentError(
        absl::StrCat("event ", static_cast<int>(event), " is not one a peer tells of a link"));
  }
  if (!PlainId(alert.link_id())) {
    return absl::InvalidArgumentError(absl::StrCat("link id ", QuoteInput(alert.link_id(), 80),
                                                   " is not a plain id of at most ", kLinkIdBytes,
                                                   " letters, digits, '-' and '_'"));
  }
  std::vector<std::pair<v1::IndicatorType, std::string>> disclosed;
  if (absl::Status s = CheckSide(peer, "a", *alert.mutable_a(), disclosed); !s.ok()) return s;
  if (absl::Status s = CheckSide(peer, "b", *alert.mutable_b(), disclosed); !s.ok()) return s;
  if (!alert.a().has_record() && !alert.b().has_record()) {
    return absl::InvalidArgumentError("neither side carries a record this node's agency may see");
  }
  if (alert.selectors_size() > kMaxSelectors) {
    return absl::InvalidArgumentError(
        absl::StrCat(alert.selectors_size(), " shared selectors; at most ", kMaxSelectors));
  }
  for (const v1::Selector& selector : alert.selectors()) {
    if (std::find(disclosed.begin(), disclosed.end(),
                  std::make_pair(selector.type(), selector.value())) == disclosed.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("shared selector ", QuoteInput(selector.value(), 64),
                       " is not disclosed by the records the alert carries"));
    }
  }
  bool crime_terror = false;
  alert.set_kind(LinkKind(alert.a().sector(), alert.b().sector(), &crime_terror));
  alert.set_crime_terror(crime_terror);
  alert.set_found_at(peer);
  alert.set_link_id(absl::StrCat(peer, "/", alert.link_id()));
  alert.clear_cursor();
  alert.clear_acknowledged();
  alert.clear_frequent();
  alert.clear_frequent_records();
  alert.clear_more();
  return absl::OkStatus();
}

absl::Status LinkNoticeIntake::Take(const CallContext& call, v1::Alert alert) {
  const std::string& peer = call.agency();
  const uint64_t cursor = alert.cursor();
  if (alert.more()) return links_->Receive(peer, cursor, nullptr);
  const std::string asked_id = alert.link_id();
  absl::Status checked = Check(peer, alert);
  v1::AuditEntry entry = call.Entry(v1::AUDIT_ACTION_ALERT);
  for (const v1::LinkSide* side : {&alert.a(), &alert.b()}) {
    if (side->has_record()) AddTarget(entry, side->record());
  }
  if (checked.ok()) {
    entry.set_detail(
        absl::StrCat("link alert from peer '", peer, "': link ", alert.link_id(), " ",
                     absl::AsciiStrToLower(v1::LinkEvent_Name(alert.event()).substr(11)), " (",
                     alert.kind(), ")"));
  } else {
    checked = absl::Status(
        checked.code(), absl::StrCat("link alert ", QuoteInput(asked_id, 80), " from peer '", peer,
                                     "' refused: ", checked.message()));
    LogWarning(checked.message());
  }
  SetOutcome(entry, checked);
  if (absl::Status s = audit_->Append(std::move(entry)); !s.ok()) return s;
  return links_->Receive(peer, cursor, checked.ok() ? &alert : nullptr);
}

}  // namespace nexus
