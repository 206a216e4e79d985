// A small federation and record builder shared by the policy tests.
#ifndef NEXUS_TESTS_POLICY_FIXTURES_H_
#define NEXUS_TESTS_POLICY_FIXTURES_H_

#include <string>
#include <vector>

#include "nexus/v1/node_config.pb.h"
#include "nexus/v1/record.pb.h"
#include "policy/federation.h"

namespace nexus::testing {

// agency-a (FR, region-west), agency-b (FR, region-west), agency-c (DE, region-east),
// coord (BE, region-west + coordinator).
inline google::protobuf::RepeatedPtrField<v1::Agency> PolicyTestAgencies() {
  google::protobuf::RepeatedPtrField<v1::Agency> agencies;
  auto add = [&](const char* id, const char* country, std::vector<const char*> groups) {
    v1::Agency* agency = agencies.Add();
    agency->set_id(id);
    agency->set_country(country);
    for (const char* group : groups) agency->add_groups(group);
  };
  add("agency-a", "FR", {"region-west"});
  add("agency-b", "FR", {"region-west"});
  add("agency-c", "DE", {"region-east"});
  add("coord", "BE", {"region-west", "coordinator"});
  return agencies;
}

inline policy::Federation PolicyTestFederation() {
  return policy::Federation(PolicyTestAgencies());
}

// A GREEN, federation-wide record of agency-a with a phone and a person indicator.
inline v1::Record PolicyTestRecord() {
  v1::Record record;
  record.set_id("6324de9c-31bd-449c-9ac9-c36a5bd608ac");
  record.set_origin_agency("agency-a");
  record.set_version(1);
  record.set_modified_unix_micros(1'700'000'000'000'000);
  record.set_tlp(v1::TLP_GREEN);
  record.mutable_distribution()->set_scope(v1::DISTRIBUTION_SCOPE_FEDERATION);
  record.set_case_reference("CASE-9");
  v1::Assessment* assessment = record.mutable_assessment();
  assessment->set_nexus_type(v1::NEXUS_TYPE_HYBRID);
  assessment->add_watch_points(v1::WATCH_POINT_CORRUPTION);
  assessment->set_source_reliability(v1::SOURCE_RELIABILITY_B);
  assessment->set_information_credibility(v1::INFORMATION_CREDIBILITY_2);
  v1::Indicator* phone = record.add_indicators();
  phone->set_type(v1::INDICATOR_TYPE_PHONE);
  phone->set_value("+33612345678");
  phone->set_normalized("+33612345678");
  v1::Indicator* person = record.add_indicators();
  person->set_type(v1::INDICATOR_TYPE_PERSON);
  person->set_value("Jean Dupont");
  person->set_normalized("jean dupont");
  record.mutable_tags()->add_values("drugs");
  record.set_summary("Summary.");
  return record;
}

}  // namespace nexus::testing

#endif  // NEXUS_TESTS_POLICY_FIXTURES_H_
