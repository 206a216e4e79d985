#include "client/read_checks.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/indicator_normalizer.h"
#include "common/record_seal.h"

namespace nexus {

std::string SearchHitProblem(const v1::SearchHit& hit, const std::string& query) {
  absl::StatusOr<std::string> normalized = NormalizeIndicator(hit.matched_type(), query);
  if (!normalized.ok()) {
    return "the node reports a match on another value than the one searched for";
  }
  // An address also matches the network ranges that contain it, and only those; a structured
  // value also its parts (IndexAliases).
  if (!MatchesKey(hit.matched_type(), *normalized, hit.normalized())) {
    std::vector<std::string> networks = ContainingNetworks(hit.matched_type(), *normalized);
    if (std::find(networks.begin(), networks.end(), hit.normalized()) == networks.end()) {
      return "the node reports a match on another value than the one searched for";
    }
  }
  normalized = hit.normalized();
  absl::StatusOr<OpenedRecord> opened = DecodeStoredRecord(hit.record());
  if (!opened.ok()) return "the hit's record cannot be decoded";
  for (const v1::Indicator& indicator : opened->record.indicators()) {
    if (indicator.type() == hit.matched_type() &&
        MatchesKey(indicator.type(), indicator.normalized(), *normalized)) {
      return "";
    }
  }
  for (const WithheldPart& part : opened->withheld) {
    if (part.kind == v1::PART_KIND_INDICATOR) {
      return "the matched value cannot be checked: the record's indicators are withheld";
    }
  }
  return "the record does not carry the matched value: the node's index disagrees with it";
}

std::string PullOrderCheck::Check(uint64_t cursor, const v1::SignedRecord& record) {
  absl::StatusOr<v1::RecordHeader> header = PeekHeader(record);
  if (!header.ok()) return "the record's header cannot be decoded";
  std::string what =
      absl::StrCat("record '", absl::CHexEscape(header->id()), "' version ", header->version());
  if (!cursors_.insert(cursor).second) {
    return absl::StrCat(what, " arrived at a feed position already seen (", cursor, ")");
  }
  if (reader_is_node_agency_) {
    if (cursor <= last_own_cursor_) {
      return absl::StrCat(what, " arrived at feed position ", cursor, " after position ",
                          last_own_cursor_, ": positions must strictly increase");
    }
    last_own_cursor_ = cursor;
  }
  auto [highest, first] = highest_version_.try_emplace(header->id(), header->version());
  if (!first) {
    if (header->version() == highest->second) return absl::StrCat(what, " arrived twice");
    if (header->version() < highest->second) {
      return absl::StrCat(what, " arrived after version ", highest->second,
                          ": a version was rolled back or replayed");
    }
    highest->second = header->version();
  }
  return "";
}

}  // namespace nexus
