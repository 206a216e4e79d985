#include "server/audit_entry_bounds.h"

#include "absl/strings/str_cat.h"
#include "common/crypto.h"

namespace nexus {
namespace {

// Limits per field. Ids, agencies, roles and fingerprints are short when well formed; anything
// longer came from a hostile or broken caller and needs no more room than its digest.
constexpr size_t kMaxNameBytes = 128;
constexpr size_t kMaxPeerBytes = 256;
constexpr size_t kMaxMessageBytes = 2048;  // detail and error
constexpr int kMaxTargets = 1024;          // a search's hits (max_search_hits) fit
constexpr int kMaxDecisions = 1024;
constexpr int kMaxDecisionCounts = 64;
constexpr int kMaxRules = 16;

void Bound(std::string* text, size_t max_bytes) {
  if (text->size() > max_bytes) *text = BoundedText(*text, max_bytes);
}

// Keeps the first `max` elements of `list`, counting the others in `omitted`.
template <typename List>
void Truncate(List* list, int max, uint64_t* omitted) {
  if (list->size() <= max) return;
  *omitted += list->size() - max;
  list->DeleteSubrange(max, list->size() - max);
}

void BoundDecision(v1::AuditDecision& decision, uint64_t* omitted) {
  Bound(decision.mutable_effect(), kMaxNameBytes);
  Bound(decision.mutable_record_id(), kMaxNameBytes);
  Truncate(decision.mutable_rules(), kMaxRules, omitted);
  for (std::string& rule : *decision.mutable_rules()) Bound(&rule, kMaxNameBytes);
}

}  // namespace

std::string BoundedText(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  std::string marker = absl::StrCat("...[cut: ", text.size(), " bytes, sha256 ",
                                    HexEncode(DigestBytes(Sha256(text))), "]");
  size_t keep = max_bytes > marker.size() ? max_bytes - marker.size() : 0;
  // Back up to the start of a UTF-8 sequence, so that the cut never leaves half a character.
  while (keep > 0 && (static_cast<unsigned char>(text[keep]) & 0xC0) == 0x80) --keep;
  return absl::StrCat(text.substr(0, keep), marker);
}

void BoundAuditEntry(v1::AuditEntry& entry) {
  uint64_t omitted = entry.omitted();
  v1::AuditActor& actor = *entry.mutable_actor();
  Bound(actor.mutable_agency_id(), kMaxNameBytes);
  Bound(actor.mutable_role(), kMaxNameBytes);
  Bound(actor.mutable_certificate_fingerprint(), kMaxNameBytes);
  Bound(actor.mutable_peer(), kMaxPeerBytes);
  Bound(entry.mutable_request_id(), kMaxNameBytes);
  Bound(entry.mutable_detail(), kMaxMessageBytes);
  Bound(entry.mutable_error(), kMaxMessageBytes);
  Truncate(entry.mutable_targets(), kMaxTargets, &omitted);
  for (v1::AuditTarget& target : *entry.mutable_targets()) {
    Bound(target.mutable_record_id(), kMaxNameBytes);
  }
  Truncate(entry.mutable_decisions(), kMaxDecisions, &omitted);
  for (v1::AuditDecision& decision : *entry.mutable_decisions()) BoundDecision(decision, &omitted);
  Truncate(entry.mutable_decision_counts(), kMaxDecisionCounts, &omitted);
  for (v1::AuditDecisionCount& count : *entry.mutable_decision_counts()) {
    Bound(count.mutable_effect(), kMaxNameBytes);
    Truncate(count.mutable_rules(), kMaxRules, &omitted);
    for (std::string& rule : *count.mutable_rules()) Bound(&rule, kMaxNameBytes);
  }
  if (entry.has_log_opening()) {
    Bound(entry.mutable_log_opening()->mutable_accepted_failure(), kMaxMessageBytes);
  }
  entry.set_omitted(omitted);
  // The limits above keep a well-formed entry far below the bound; fields added later must not
  // break it, so the lists go first if it is still too large.
  while (entry.ByteSizeLong() > kMaxAuditEntryBytes) {
    if (!entry.decisions().empty()) {
      Truncate(entry.mutable_decisions(), entry.decisions_size() / 2, &omitted);
    } else if (!entry.targets().empty()) {
      Truncate(entry.mutable_targets(), entry.targets_size() / 2, &omitted);
    } else if (!entry.decision_counts().empty()) {
      Truncate(entry.mutable_decision_counts(), entry.decision_counts_size() / 2, &omitted);
    } else {
      break;  // only bounded scalars and texts are left
    }
    entry.set_omitted(omitted);
  }
}

}  // namespace nexus
