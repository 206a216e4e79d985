// What the interop tests share: importing a file or a text without a node, small STIX objects
// written inline, and sealing records to export them.
#ifndef NEXUS_TESTS_INTEROP_FIXTURES_H_
#define NEXUS_TESTS_INTEROP_FIXTURES_H_

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/interop/bundle_import.h"
#include "common/record_seal.h"
#include "common/record_validation.h"
#include "tests/interop_data.h"
#include "tests/test_support.h"

namespace nexus {

struct Imported {
  absl::Status scan;
  absl::Status emit;
  std::vector<ImportedRecord> records;
  ImportReport report;

  // The reasons given for skipped objects, joined, for assertions on their text.
  std::string Reasons() const {
    std::vector<std::string> out;
    for (const ImportIssue& i : report.issues()) out.push_back(i.object + ": " + i.reason);
    return absl::StrJoin(out, "\n");
  }
  const v1::Record* Find(v1::IndicatorType type, const std::string& value) const {
    for (const ImportedRecord& r : records) {
      for (const v1::Indicator& i : r.record.indicators()) {
        if (i.type() == type && i.value() == value) return &r.record;
      }
    }
    return nullptr;
  }
};

inline ImportDefaults Defaults() {
  ImportDefaults defaults;
  defaults.agency = "agency-a";
  defaults.tlp = v1::TLP_GREEN;
  defaults.nexus_type = v1::NEXUS_TYPE_ALLIANCE;
  return defaults;
}

inline Imported Import(bool stix, const std::string& path,
                       const ImportDefaults& defaults = Defaults()) {
  Imported out;
  std::unique_ptr<BundleImport> import = stix ? NewStixImport(defaults) : NewMispImport(defaults);
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) {
    out.scan = absl::NotFoundError(path);
    return out;
  }
  out.scan = import->Scan(file);
  if (out.scan.ok()) {
    std::rewind(file);
    out.emit = import->Emit(
        file,
        [&](ImportedRecord&& r) {
          out.records.push_back(std::move(r));
          return absl::OkStatus();
        },
        out.report);
  }
  std::fclose(file);
  return out;
}

inline Imported ImportText(bool stix, const std::string& text,
                           const ImportDefaults& defaults = Defaults()) {
  testing::TempDir dir;
  std::ofstream(dir.File("in.json"), std::ios::binary) << text;
  return Import(stix, dir.File("in.json"), defaults);
}

inline bool HasTag(const v1::Record& r, const std::string& tag) {
  for (const std::string& t : r.tags().values()) {
    if (t == tag) return true;
  }
  return false;
}

inline std::string Indicator(const std::string& id, const std::string& pattern,
                             const std::string& extra = "") {
  return absl::StrCat(
      R"({"type":"indicator","spec_version":"2.1","id":")", id,
      R"(","created":"2024-01-02T03:04:05.000Z","modified":"2024-01-02T03:04:05.000Z",)",
      R"("valid_from":"2024-01-02T03:04:05Z","pattern_type":"stix","pattern":")", pattern, "\"",
      extra, "}");
}

inline std::string Bundle(const std::vector<std::string>& objects) {
  return absl::StrCat(
      R"({"type":"bundle","id":"bundle--2a4c8bd2-2c4d-4b9b-8d3e-0f5f5a1b2c3d","objects":[)",
      absl::StrJoin(objects, ","), "]}");
}

// Seals records as agency-a's node would and opens them again, as an export receives them.
class SealingTest : public ::testing::Test {
 protected:
  OpenedRecord Sealed(v1::Record record, int version) {
    EXPECT_TRUE(ValidateAndNormalize(record).ok());
    record.set_origin_agency("agency-a");
    record.set_version(version);
    v1::SignedRecord sealed = SealRecord(record, key_, "1");
    Keyring keys;
    EXPECT_TRUE(keys.Add("agency-a", "1", key_.public_key()).ok());
    absl::StatusOr<OpenedRecord> opened = OpenRecord(sealed, keys);
    EXPECT_TRUE(opened.ok()) << opened.status();
    return *opened;
  }
  PrivateKey key_ = PrivateKey::Generate();
};

// Checks a bundle against the OASIS STIX 2.1 schemas when they are here; "" when it validates
// (or the schemas are absent), else the checker's output.
inline std::string StixSchemaProblems(const std::string& bundle_path) {
  const std::string schemas = testing::StixSchemaDir();
  if (schemas.empty()) return "";
  std::string output;
  int rc =
      testing::RunCommand(absl::StrCat("/usr/bin/python3 ", NEXUS_SOURCE_DIR,
                                       "/tests/stix_schema_check.py ", schemas, " ", bundle_path),
                          &output);
  return rc == 0 ? "" : output.empty() ? "the schema check failed" : output;
}

}  // namespace nexus

#endif  // NEXUS_TESTS_INTEROP_FIXTURES_H_
