// Handling codes that stop onward sharing ("no further dissemination", NFD, ORCON, "originator
// consent required"), in one place: the policy's originator limits read them, and an import
// keeps a statement marking that reads as one as a handling code.
#ifndef NEXUS_COMMON_DISSEMINATION_CODES_H_
#define NEXUS_COMMON_DISSEMINATION_CODES_H_

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/string_view.h"

namespace nexus {

inline bool IsNoFurtherDisseminationCode(absl::string_view text) {
  const std::string code = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  return absl::StartsWith(code, "no further dissemination") || code == "nfd" || code == "orcon" ||
         absl::StartsWith(code, "originator consent required");
}

}  // namespace nexus

#endif  // NEXUS_COMMON_DISSEMINATION_CODES_H_
