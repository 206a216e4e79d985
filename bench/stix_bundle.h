// Generated STIX 2.1 bundles for the benchmarks that import (import_bench, taxii_bench): N
// indicator objects whose kinds rotate through addresses, ranges, domains, URLs and hashes.
#ifndef NEXUS_BENCH_STIX_BUNDLE_H_
#define NEXUS_BENCH_STIX_BUNDLE_H_

#include <cstdio>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"

namespace nexus::bench {

// One indicator object; the kinds rotate through addresses, ranges, domains, URLs and hashes.
inline std::string IndicatorObject(int i) {
  char uuid[40];
  std::snprintf(uuid, sizeof(uuid), "%08x-1111-4222-8333-%012x", i, i * 7919);
  std::string pattern;
  switch (i % 5) {
    case 0:
      pattern = absl::StrCat("[ipv4-addr:value = '10.", (i >> 16) & 255, ".", (i >> 8) & 255, ".",
                             i & 255, "']");
      break;
    case 1:
      pattern = absl::StrCat("[ipv4-addr:value = '172.", (i >> 8) & 255, ".", i & 255, ".0/24']");
      break;
    case 2:
      pattern = absl::StrCat("[domain-name:value = 'host", i, ".example.org']");
      break;
    case 3:
      pattern = absl::StrCat("[url:value = 'https://cdn", i, ".example.net/payload']");
      break;
    default:
      char hash[65];
      std::snprintf(hash, sizeof(hash), "%064x", i);
      pattern = absl::StrCat("[file:hashes.'SHA-256' = '", hash, "']");
  }
  return absl::StrCat(
      R"({"type":"indicator","spec_version":"2.1","id":"indicator--)", uuid,
      R"(","created":"2025-06-01T10:00:00.000Z","modified":"2025-06-01T10:00:00.000Z",)"
      R"("valid_from":"2025-06-01T10:00:00Z","name":"Benchmark indicator )",
      i,
      R"(","indicator_types":["malicious-activity"],"labels":["bench"],"confidence":70,)"
      R"("pattern_type":"stix","pattern":")",
      pattern,
      R"(","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],)"
      R"("x_nexus_nexus_type":"alliance","x_nexus_source_reliability":"B"})");
}

inline void WriteBundle(const std::string& path, int indicators, int first) {
  std::ofstream out(path);
  out << R"({"type":"bundle","id":"bundle--0a0b0c0d-1111-4222-8333-444455556666","objects":[)";
  for (int i = 0; i < indicators; ++i) out << (i ? ",\n" : "\n") << IndicatorObject(first + i);
  out << "\n]}\n";
}

}  // namespace nexus::bench

#endif  // NEXUS_BENCH_STIX_BUNDLE_H_
