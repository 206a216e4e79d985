// What a node knows of the federation's members that sharing decisions depend on: each agency's
// country and groups. Names are interned so that decisions compare small integers.
#ifndef NEXUS_POLICY_FEDERATION_H_
#define NEXUS_POLICY_FEDERATION_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "nexus/v1/node_config.pb.h"

namespace nexus::policy {

class Federation {
 public:
  Federation() = default;
  explicit Federation(const google::protobuf::RepeatedPtrField<v1::Agency>& agencies);

  // -1 if unknown.
  int AgencyIndex(absl::string_view id) const;
  int GroupIndex(absl::string_view group) const;
  int CountryIndex(absl::string_view country) const;

  size_t agencies() const { return countries_.size(); }
  size_t groups() const { return group_names_.size(); }
  int country_of(int agency) const { return countries_[agency]; }
  // Group bits of an agency (bit i: group i); at most 64 groups are distinguished.
  uint64_t groups_of(int agency) const { return group_masks_[agency]; }
  bool Known(absl::string_view id) const { return AgencyIndex(id) >= 0; }
  const std::string& agency_id(int agency) const { return agency_ids_[agency]; }
  const std::string& group_name(int group) const { return group_names_[group]; }

 private:
  std::map<std::string, int, std::less<>> agency_index_, group_index_, country_index_;
  std::vector<std::string> agency_ids_, group_names_;
  std::vector<int> countries_;
  std::vector<uint64_t> group_masks_;
};

}  // namespace nexus::policy

#endif  // NEXUS_POLICY_FEDERATION_H_
