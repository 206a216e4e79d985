#include "common/purpose.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/untrusted_text.h"

namespace nexus {

absl::Status CheckPurpose(absl::string_view purpose) {
  if (absl::StripAsciiWhitespace(purpose).empty()) {
    return absl::InvalidArgumentError("the purpose is empty");
  }
  if (purpose.size() > kMaxPurposeBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the purpose is ", purpose.size(), " bytes; at most ", kMaxPurposeBytes, " are allowed"));
  }
  if (!IsValidUtf8(purpose)) {
    return absl::InvalidArgumentError("the purpose is not UTF-8");
  }
  // Escaping changes only what a terminal would act on (or a backslash, which is allowed).
  if (EscapeForTerminal(purpose) != absl::StrReplaceAll(purpose, {{"\\", "\\\\"}})) {
    return absl::InvalidArgumentError(
        "the purpose holds control or bidirectional characters (a terminal would act on them)");
  }
  return absl::OkStatus();
}

}  // namespace nexus
