#include "server/search_keys.h"

#include "absl/status/status.h"
#include "common/indicator_normalizer.h"

namespace nexus {

absl::StatusOr<std::vector<SearchKey>> SearchKeys(v1::IndicatorType type, absl::string_view value) {
  std::vector<v1::IndicatorType> types;
  if (type != v1::INDICATOR_TYPE_UNSPECIFIED) {
    types.push_back(type);
  } else {
    for (int t = v1::IndicatorType_MIN + 1; t <= v1::IndicatorType_MAX; ++t) {
      types.push_back(static_cast<v1::IndicatorType>(t));
    }
  }
  std::vector<SearchKey> keys;
  absl::Status first_invalid;
  for (v1::IndicatorType each : types) {
    absl::StatusOr<std::string> normalized = NormalizeIndicator(each, value);
    if (!normalized.ok()) {
      if (first_invalid.ok()) first_invalid = normalized.status();
      continue;
    }
    std::vector<std::string> networks = ContainingNetworks(each, *normalized);
    std::vector<std::string> aliases = IndexAliases(each, *normalized);
    keys.push_back({each, *std::move(normalized)});
    // A structured value is found by its parts (and finds records that carry only a part).
    for (std::string& alias : aliases) keys.push_back({each, std::move(alias)});
    for (auto network = networks.rbegin(); network != networks.rend(); ++network) {
      keys.push_back({each, std::move(*network)});
    }
  }
  if (keys.empty()) {
    return first_invalid.ok() ? absl::InvalidArgumentError("no indicator type to search")
                              : first_invalid;
  }
  return keys;
}

}  // namespace nexus
