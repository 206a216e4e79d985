#include "common/record_validation.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/enum_values.h"
#include "common/indicator_normalizer.h"
#include "common/untrusted_text.h"
#include "common/uuid.h"

namespace nexus {
namespace {

constexpr size_t kMaxIndicators = 1000;
constexpr size_t kMaxSummaryBytes = kMaxRecordSummaryBytes;
constexpr size_t kMaxListEntries = 100;
// Problems listed in one message: a record of a thousand bad indicators gets a short answer.
constexpr size_t kMaxProblemsShown = 20;

// Collects problems so that one publish reports everything wrong with a record at once.
class Problems {
 public:
  void Add(std::string problem) { problems_.push_back(std::move(problem)); }
  std::vector<std::string>& list() { return problems_; }
  absl::Status ToStatus() const {
    if (problems_.empty()) return absl::OkStatus();
    if (problems_.size() <= kMaxProblemsShown) {
      return absl::InvalidArgumentError(absl::StrJoin(problems_, "; "));
    }
    return absl::InvalidArgumentError(
        absl::StrCat(absl::StrJoin(problems_.begin(), problems_.begin() + kMaxProblemsShown, "; "),
                     "; and ", problems_.size() - kMaxProblemsShown, " more problems"));
  }

 private:
  std::vector<std::string> problems_;
};

// Control characters can forge lines in logs and drive terminals; a summary may hold line breaks
// and tabs, short texts nothing of the kind.
bool HasControl(absl::string_view text, bool allow_layout) {
  for (char c : text) {
    unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 && !(allow_layout && (c == '\n' || c == '\t' || c == '\r'))) || u == 0x7f) {
      return true;
    }
  }
  return false;
}

void CheckShortTexts(const google::protobuf::RepeatedPtrField<std::string>& texts,
                     absl::string_view field, Problems& problems) {
  if (static_cast<size_t>(texts.size()) > kMaxListEntries) {
    problems.Add(
        absl::StrCat(field, ": at most ", kMaxListEntries, " entries, found ", texts.size()));
  }
  std::set<absl::string_view> seen;
  for (int i = 0; i < texts.size(); ++i) {
    const std::string& text = texts[i];
    if (absl::StripAsciiWhitespace(text).empty()) {
      problems.Add(absl::StrCat(field, "[", i, "] is empty"));
    } else if (HasControl(text, false)) {
      problems.Add(absl::StrCat(field, "[", i, "] contains a control character"));
    } else if (text.size() > kMaxShortTextBytes) {
      problems.Add(absl::StrCat(field, "[", i, "] is longer than ", kMaxShortTextBytes, " bytes"));
    } else if (!seen.insert(text).second) {
      problems.Add(absl::StrCat(field, "[", i, "] repeats ", QuoteInput(text)));
    }
  }
}

void CheckDistribution(const v1::Record& record, Problems& problems) {
  const v1::Distribution& d = record.distribution();
  for (int i = 0; i < d.agencies_size(); ++i) {
    if (!IsValidAgencyId(d.agencies(i))) {
      problems.Add(absl::StrCat("distribution.agencies[", i, "]: invalid agency id ",
                                QuoteInput(d.agencies(i))));
    }
  }
  CheckShortTexts(d.groups(), "distribution.groups", problems);
  switch (d.scope()) {
    case v1::DISTRIBUTION_SCOPE_UNSPECIFIED:
      problems.Add("distribution.scope is required");
      break;
    case v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES:
      if (d.agencies().empty()) {
        problems.Add("distribution.scope NAMED_AGENCIES needs at least one distribution.agencies");
      }
      break;
    case v1::DISTRIBUTION_SCOPE_GROUP:
      if (d.groups().empty()) {
        problems.Add("distribution.scope GROUP needs at least one distribution.groups");
      }
      break;
    default:
      break;
  }
  if (record.tlp() == v1::TLP_RED && d.agencies().empty()) {
    problems.Add("tlp RED needs its recipients named in distribution.agencies");
  }
  if (d.has_hit_notices()) {
    const v1::HitNoticeAudience& hits = d.hit_notices();
    for (int i = 0; i < hits.agencies_size(); ++i) {
      if (!IsValidAgencyId(hits.agencies(i))) {
        problems.Add(absl::StrCat("distribution.hit_notices.agencies[", i, "]: invalid agency id ",
                                  QuoteInput(hits.agencies(i))));
      }
    }
    CheckShortTexts(hits.groups(), "distribution.hit_notices.groups", problems);
    switch (hits.scope()) {
      case v1::DISTRIBUTION_SCOPE_FEDERATION:
        break;
      case v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES:
        if (hits.agencies().empty()) {
          problems.Add("distribution.hit_notices scope NAMED_AGENCIES needs agencies");
        }
        break;
      case v1::DISTRIBUTION_SCOPE_GROUP:
        if (hits.groups().empty())
          problems.Add("distribution.hit_notices scope GROUP needs groups");
        break;
      default:
        if (v1::DistributionScope_IsValid(hits.scope())) {
          problems.Add(
              "distribution.hit_notices.scope must be FEDERATION, GROUP or NAMED_AGENCIES");
        }
    }
  }
}

void CheckAssessment(const v1::Assessment& a, Problems& problems) {
  if (a.nexus_type() == v1::NEXUS_TYPE_UNSPECIFIED) {
    problems.Add("assessment.nexus_type is required");
  }
  std::set<int> seen;
  for (int i = 0; i < a.watch_points_size(); ++i) {
    int point = a.watch_points(i);
    if (!v1::WatchPoint_IsValid(point)) continue;  // reported with the other undefined values
    if (point == v1::WATCH_POINT_UNSPECIFIED) {
      problems.Add(absl::StrCat("assessment.watch_points[", i, "] is unspecified"));
    } else if (!seen.insert(point).second) {
      problems.Add(absl::StrCat("assessment.watch_points[", i, "] repeats ",
                                v1::WatchPoint_Name(a.watch_points(i))));
    }
  }
  if (a.source_reliability() == v1::SOURCE_RELIABILITY_UNSPECIFIED) {
    problems.Add("assessment.source_reliability (A-F) is required");
  }
  if (a.information_credibility() == v1::INFORMATION_CREDIBILITY_UNSPECIFIED) {
    problems.Add("assessment.information_credibility (1-6) is required");
  }
}

// Terms of use are sentences (a disclaimer may keep its paragraphs), not codes.
void CheckTermsOfUse(const v1::Record& record, Problems& problems) {
  const auto& terms = record.terms_of_use();
  if (static_cast<size_t>(terms.size()) > kMaxTermsOfUse) {
    problems.Add(
        absl::StrCat("terms_of_use: at most ", kMaxTermsOfUse, " entries, found ", terms.size()));
  }
  std::set<absl::string_view> seen;
  for (int i = 0; i < terms.size(); ++i) {
    const std::string& text = terms[i];
    if (absl::StripAsciiWhitespace(text).empty()) {
      problems.Add(absl::StrCat("terms_of_use[", i, "] is empty"));
    } else if (text.size() > kMaxTermsOfUseBytes) {
      problems.Add(absl::StrCat("terms_of_use[", i, "] is ", text.size(), " bytes; the limit is ",
                                kMaxTermsOfUseBytes));
    } else if (HasControl(text, true)) {
      problems.Add(absl::StrCat("terms_of_use[", i, "] contains a control character"));
    } else if (!IsValidUtf8(text)) {
      problems.Add(absl::StrCat("terms_of_use[", i, "] is not UTF-8"));
    } else if (!seen.insert(text).second) {
      problems.Add(absl::StrCat("terms_of_use[", i, "] repeats an earlier entry"));
    }
  }
}

// The context an indicator carries besides its value (port, protocol, file name, times,
// comment): each only where it means something for the indicator's type.
void CheckIndicatorContext(const v1::Indicator& indicator, absl::string_view where,
                           Problems& problems) {
  const bool address =
      indicator.type() == v1::INDICATOR_TYPE_IPV4 || indicator.type() == v1::INDICATOR_TYPE_IPV6;
  if (indicator.port() != 0 && (!address || indicator.port() > 65535)) {
    problems.Add(absl::StrCat(where, ".port ", indicator.port(),
                              address ? " is not 1 to 65535" : " is only for IPv4/IPv6"));
  }
  if (!indicator.protocol().empty()) {
    bool ok = address && indicator.protocol().size() <= 16;
    for (char c : indicator.protocol()) {
      ok = ok && (absl::ascii_islower(static_cast<unsigned char>(c)) ||
                  absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-');
    }
    if (!ok) {
      problems.Add(absl::StrCat(where, ".protocol must be 1-16 of [a-z0-9-], on an IPv4/IPv6"));
    }
  }
  if (!indicator.file_name().empty()) {
    if (indicator.type() != v1::INDICATOR_TYPE_FILE_HASH) {
      problems.Add(absl::StrCat(where, ".file_name is only for a file hash"));
    } else if (indicator.file_name().size() > kMaxShortTextBytes) {
      problems.Add(absl::StrCat(where, ".file_name is longer than ", kMaxShortTextBytes, " bytes"));
    } else if (HasControl(indicator.file_name(), false) || !IsValidUtf8(indicator.file_name())) {
      problems.Add(absl::StrCat(where, ".file_name contains a control character or is not UTF-8"));
    }
  }
  if (indicator.comment().size() > kMaxIndicatorCommentBytes) {
    problems.Add(
        absl::StrCat(where, ".comment is longer than ", kMaxIndicatorCommentBytes, " bytes"));
  } else if (HasControl(indicator.comment(), true) || !IsValidUtf8(indicator.comment())) {
    problems.Add(absl::StrCat(where, ".comment contains a control character or is not UTF-8"));
  }
  const int64_t first = indicator.first_seen_unix_micros();
  const int64_t last = indicator.last_seen_unix_micros();
  if (first < 0 || last < 0) {
    problems.Add(absl::StrCat(where, ": first_seen and last_seen are after 1970"));
  } else if (first != 0 && last != 0 && last < first) {
    problems.Add(absl::StrCat(where, ".last_seen is before first_seen"));
  }
}

void CheckIndicators(v1::Record& record, Problems& problems) {
  if (record.indicators().empty()) problems.Add("at least one indicator is required");
  if (static_cast<size_t>(record.indicators_size()) > kMaxIndicators) {
    problems.Add(
        absl::StrCat("at most ", kMaxIndicators, " indicators, found ", record.indicators_size()));
    return;
  }
  for (int i = 0; i < record.indicators_size(); ++i) {
    v1::Indicator& indicator = *record.mutable_indicators(i);
    if (!v1::IndicatorType_IsValid(indicator.type())) continue;  // reported as undefined
    CheckIndicatorContext(indicator, absl::StrCat("indicator[", i, "]"), problems);
    absl::StatusOr<std::string> normalized =
        NormalizeIndicator(indicator.type(), indicator.value());
    if (normalized.ok()) {
      indicator.set_normalized(*std::move(normalized));
    } else {
      problems.Add(absl::StrCat("indicator[", i, "]: ", normalized.status().message()));
    }
  }
}

}  // namespace

bool IsValidAgencyId(absl::string_view id) {
  if (id.empty() || id.size() > 64 || !absl::ascii_isalnum(static_cast<unsigned char>(id[0]))) {
    return false;
  }
  for (char c : id) {
    bool ok = absl::ascii_islower(static_cast<unsigned char>(c)) ||
              absl::ascii_isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

NexusCategory CategoryOf(v1::NexusType type) {
  switch (type) {
    case v1::NEXUS_TYPE_ALLIANCE:
    case v1::NEXUS_TYPE_APPROPRIATION_OF_TACTICS:
      return NexusCategory::kTransactional;
    case v1::NEXUS_TYPE_INTEGRATION:
    case v1::NEXUS_TYPE_HYBRID:
    case v1::NEXUS_TYPE_TRANSFORMATION:
    case v1::NEXUS_TYPE_BLACK_HOLE:
      return NexusCategory::kOrganizational;
    default:
      return NexusCategory::kUnknown;
  }
}

absl::Status ValidateAndNormalize(v1::Record& record) {
  Problems problems;
  if (!record.id().empty() && !IsCanonicalUuid(record.id())) {
    problems.Add(absl::StrCat("id ", QuoteInput(record.id()), " is not a lower-case UUID"));
  }
  FindUndefinedRecordValues(record, problems.list());
  if (record.tlp() == v1::TLP_UNSPECIFIED) problems.Add("tlp is required");
  CheckDistribution(record, problems);
  CheckShortTexts(record.handling_codes(), "handling_codes", problems);
  CheckTermsOfUse(record, problems);
  if (record.case_reference().size() > kMaxShortTextBytes) {
    problems.Add(absl::StrCat("case_reference is longer than ", kMaxShortTextBytes, " bytes"));
  } else if (HasControl(record.case_reference(), false)) {
    problems.Add("case_reference contains a control character");
  }
  if (!record.revocation_reason().empty()) {
    if (!record.revoked())
      problems.Add("revocation_reason is given, but the record is not revoked");
    if (record.revocation_reason().size() > kMaxShortTextBytes) {
      problems.Add(absl::StrCat("revocation_reason is longer than ", kMaxShortTextBytes, " bytes"));
    } else if (HasControl(record.revocation_reason(), false)) {
      problems.Add("revocation_reason contains a control character");
    } else if (!IsValidUtf8(record.revocation_reason())) {
      problems.Add("revocation_reason is not UTF-8");
    }
  }
  if (HasControl(record.summary(), true)) problems.Add("summary contains a control character");
  // Sealed as bytes, these texts are checked as UTF-8 when a record is opened: never sign one
  // that would not open. (A parsed request cannot carry anything else; a direct caller can.)
  if (!IsValidUtf8(record.summary())) problems.Add("summary is not UTF-8");
  if (!IsValidUtf8(record.case_reference())) problems.Add("case_reference is not UTF-8");
  CheckAssessment(record.assessment(), problems);
  CheckIndicators(record, problems);
  CheckShortTexts(record.tags().values(), "tags", problems);
  if (record.summary().size() > kMaxSummaryBytes) {
    problems.Add(absl::StrCat("summary is ", record.summary().size(), " bytes; the limit is ",
                              kMaxSummaryBytes));
  }
  for (int i = 0; i < record.related().ids_size(); ++i) {
    const std::string& related = record.related().ids(i);
    if (!IsCanonicalUuid(related)) {
      problems.Add(
          absl::StrCat("related.ids[", i, "] ", QuoteInput(related), " is not a lower-case UUID"));
    } else if (related == record.id()) {
      problems.Add(absl::StrCat("related.ids[", i, "] is the record itself"));
    }
  }
  return problems.ToStatus();
}

}  // namespace nexus
