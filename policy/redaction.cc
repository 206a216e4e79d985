#include "policy/redaction.h"

#include "common/record_seal.h"

namespace nexus::policy {

int ApplyRedaction(const Withheld& withheld, v1::SignedRecord& record) {
  if (withheld.empty()) return 0;
  v1::Manifest manifest;
  if (!manifest.ParseFromString(record.manifest())) return 0;
  std::vector<uint32_t> drop;
  for (const v1::Disclosure& disclosure : record.disclosures()) {
    if (disclosure.part() >= static_cast<uint32_t>(manifest.parts_size())) continue;
    v1::PartKind kind = manifest.parts(disclosure.part()).kind();
    bool withhold = (withheld.kinds >> kind) & 1;
    if (kind == v1::PART_KIND_INDICATOR && withheld.indicator_types != 0) {
      v1::Indicator indicator;
      // An indicator that cannot be read is withheld rather than shared unexamined.
      withhold = !indicator.ParseFromString(disclosure.value()) ||
                 WithholdsIndicator(withheld, indicator.type());
    }
    if (withhold) drop.push_back(disclosure.part());
  }
  for (uint32_t part : drop) WithholdPart(record, part);
  return static_cast<int>(drop.size());
}

}  // namespace nexus::policy
