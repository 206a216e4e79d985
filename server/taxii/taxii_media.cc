#include "server/taxii/taxii_media.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/interop/stix_common.h"
#include "common/untrusted_text.h"
#include "nlohmann/json.hpp"

namespace nexus {
namespace {

// A media type's type/subtype and its version parameter (absent: "").
struct MediaRange {
  std::string type;
  std::string version;
  bool version_given = false;
};

MediaRange ParseRange(absl::string_view text) {
  MediaRange range;
  std::vector<absl::string_view> parts = absl::StrSplit(text, ';');
  range.type = absl::AsciiStrToLower(absl::StripAsciiWhitespace(parts[0]));
  for (size_t i = 1; i < parts.size(); ++i) {
    std::pair<absl::string_view, absl::string_view> param =
        absl::StrSplit(parts[i], absl::MaxSplits('=', 1));
    if (absl::AsciiStrToLower(absl::StripAsciiWhitespace(param.first)) == "version") {
      range.version_given = true;
      absl::string_view version = absl::StripAsciiWhitespace(param.second);
      absl::ConsumePrefix(&version, "\"");
      absl::ConsumeSuffix(&version, "\"");
      range.version = std::string(version);
    }
  }
  return range;
}

bool IsTaxii21(const MediaRange& range) {
  return range.type == "application/taxii+json" && (!range.version_given || range.version == "2.1");
}

}  // namespace

bool AcceptsTaxii(absl::string_view accept) {
  if (absl::StripAsciiWhitespace(accept).empty()) return true;
  for (absl::string_view item : absl::StrSplit(accept, ',')) {
    MediaRange range = ParseRange(item);
    if (IsTaxii21(range) || range.type == "*/*" || range.type == "application/*") return true;
  }
  return false;
}

bool IsTaxiiContentType(absl::string_view content_type) {
  return IsTaxii21(ParseRange(content_type));
}

TaxiiResponse TaxiiError(int http_status, absl::string_view title, absl::string_view description) {
  TaxiiResponse response;
  response.http_status = http_status;
  nlohmann::json error = {{"title", std::string(title)},
                          {"description", std::string(description)},
                          {"http_status", std::to_string(http_status)}};
  response.body = error.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return response;
}

int HttpStatusOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kFailedPrecondition:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
      return 422;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

std::string TaxiiTimestamp(int64_t unix_micros) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::FromUnixMicros(unix_micros),
                          absl::UTCTimeZone());
}

absl::StatusOr<int64_t> ParseTaxiiTimestamp(absl::string_view text, absl::string_view parameter) {
  absl::StatusOr<int64_t> micros = ParseStixTimestamp(text);
  if (!micros.ok()) {
    return absl::InvalidArgumentError(absl::StrCat(parameter, " ", QuoteInput(text),
                                                   " is not a timestamp like "
                                                   "2026-01-31T12:00:00.000000Z"));
  }
  return micros;
}

}  // namespace nexus
