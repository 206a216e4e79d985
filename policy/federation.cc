#include "policy/federation.h"

namespace nexus::policy {

Federation::Federation(const google::protobuf::RepeatedPtrField<v1::Agency>& agencies) {
  for (const v1::Agency& agency : agencies) {
    if (agency_index_.count(agency.id())) continue;
    agency_index_[agency.id()] = static_cast<int>(agency_ids_.size());
    agency_ids_.push_back(agency.id());
    auto [country, added] =
        country_index_.try_emplace(agency.country(), static_cast<int>(country_index_.size()));
    countries_.push_back(country->second);
    uint64_t mask = 0;
    for (const std::string& group : agency.groups()) {
      auto [it, inserted] = group_index_.try_emplace(group, static_cast<int>(group_names_.size()));
      if (inserted) group_names_.push_back(group);
      if (it->second < 64) mask |= uint64_t{1} << it->second;
    }
    group_masks_.push_back(mask);
  }
}

int Federation::AgencyIndex(absl::string_view id) const {
  auto it = agency_index_.find(id);
  return it == agency_index_.end() ? -1 : it->second;
}

int Federation::GroupIndex(absl::string_view group) const {
  auto it = group_index_.find(group);
  return it == group_index_.end() ? -1 : it->second;
}

int Federation::CountryIndex(absl::string_view country) const {
  auto it = country_index_.find(country);
  return it == country_index_.end() ? -1 : it->second;
}

}  // namespace nexus::policy
