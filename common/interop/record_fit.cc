#include "common/interop/record_fit.h"

#include "absl/strings/str_cat.h"
#include "common/record_validation.h"
#include "common/untrusted_text.h"

namespace nexus {
namespace {

constexpr size_t kShown = 48;  // of a text named in a note

std::string Shortened(absl::string_view what, absl::string_view text, size_t limit) {
  return absl::StrCat(what, " ", QuoteInput(text, kShown), " is ", text.size(), " bytes (limit ",
                      limit, "): shortened to fit");
}

std::string Dropped(absl::string_view what, absl::string_view text, size_t limit) {
  return absl::StrCat(what, " ", QuoteInput(text, kShown), " is ", text.size(), " bytes (limit ",
                      limit, "): not carried");
}

// At most `limit` bytes, the cut marked ("…(N more bytes)", which TruncateText does not count).
std::string Cut(absl::string_view text, size_t limit) {
  constexpr size_t kMarkerRoom = 32;
  return TruncateText(text, limit - kMarkerRoom);
}

}  // namespace

std::vector<std::string> FitImportedRecord(v1::Record& record) {
  std::vector<std::string> notes;
  if (record.has_tags()) {
    // A tag is a short label that search and policies compare whole: a cut tag would be another
    // label, so a long one is left out rather than cut.
    auto* tags = record.mutable_tags()->mutable_values();
    for (int i = 0; i < tags->size();) {
      if ((*tags)[i].size() > kMaxShortTextBytes) {
        notes.push_back(Dropped("tag", (*tags)[i], kMaxShortTextBytes));
        tags->erase(tags->begin() + i);
      } else {
        ++i;
      }
    }
  }
  if (record.case_reference().size() > kMaxShortTextBytes) {
    notes.push_back(Dropped("case reference", record.case_reference(), kMaxShortTextBytes));
    record.clear_case_reference();
  }
  if (record.summary().size() > kMaxRecordSummaryBytes) {
    notes.push_back(absl::StrCat("summary (name, description and context) is ",
                                 record.summary().size(), " bytes (limit ", kMaxRecordSummaryBytes,
                                 "): shortened to fit"));
    record.set_summary(Cut(record.summary(), kMaxRecordSummaryBytes));
  }
  // Terms of use are read by people: the beginning of a long one is better than none, and the
  // note says it was cut.
  for (std::string& terms : *record.mutable_terms_of_use()) {
    if (terms.size() > kMaxTermsOfUseBytes) {
      notes.push_back(Shortened("statement (terms of use)", terms, kMaxTermsOfUseBytes));
      terms = Cut(terms, kMaxTermsOfUseBytes);
    }
  }
  while (static_cast<size_t>(record.terms_of_use_size()) > kMaxTermsOfUse) {
    notes.push_back(Dropped("statement (terms of use) beyond the 8th,",
                            record.terms_of_use(record.terms_of_use_size() - 1),
                            kMaxTermsOfUseBytes));
    record.mutable_terms_of_use()->RemoveLast();
  }
  for (int i = 0; i < record.indicators_size(); ++i) {
    v1::Indicator& indicator = *record.mutable_indicators(i);
    const std::string where = absl::StrCat("indicator ", QuoteInput(indicator.value(), kShown));
    if (indicator.comment().size() > kMaxIndicatorCommentBytes) {
      notes.push_back(Shortened(absl::StrCat(where, ": comment"), indicator.comment(),
                                kMaxIndicatorCommentBytes));
      indicator.set_comment(Cut(indicator.comment(), kMaxIndicatorCommentBytes));
    }
    if (indicator.file_name().size() > kMaxShortTextBytes) {
      notes.push_back(
          Dropped(absl::StrCat(where, ": file name"), indicator.file_name(), kMaxShortTextBytes));
      indicator.clear_file_name();
    }
  }
  return notes;
}

}  // namespace nexus
