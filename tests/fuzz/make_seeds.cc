// Writes the binary seeds of the fuzz corpus: the sample records (deploy/samples/records.jsonl)
// as v1::Record bytes, and sealed with the fuzz targets' fixed key as SignedRecord bytes, whole
// and with parts withheld. Run by hand when the record format changes:
//   ninja -C build fuzz_make_seeds && build/tests/fuzz/fuzz_make_seeds tests/fuzz/corpus
#include <fstream>
#include <iostream>
#include <string>

#include "client/cli/record_text.h"
#include "common/record_seal.h"
#include "common/record_validation.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

void Write(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: fuzz_make_seeds RECORDS.jsonl CORPUS_DIR\n";
    return 2;
  }
  absl::StatusOr<std::vector<nexus::v1::Record>> records = nexus::ReadRecordsFile(argv[1]);
  if (!records.ok()) {
    std::cerr << records.status() << "\n";
    return 1;
  }
  const std::string corpus = argv[2];
  int n = 0;
  for (nexus::v1::Record& record : *records) {
    ++n;
    Write(corpus + "/record_validation/sample-" + std::to_string(n), record.SerializeAsString());
    if (!nexus::ValidateAndNormalize(record).ok()) continue;
    record.set_id("00000000-0000-4000-8000-00000000000" + std::to_string(n % 10));
    record.set_origin_agency(nexus::fuzz::kAgency);
    record.set_version(1 + n % 3);
    record.set_created_unix_micros(1'700'000'000'000'000);
    record.set_modified_unix_micros(1'700'000'000'000'000 + n);
    nexus::v1::SignedRecord sealed =
        nexus::SealRecord(record, nexus::fuzz::SigningKey(), nexus::fuzz::kKeyId);
    Write(corpus + "/signed_record/sample-" + std::to_string(n), sealed.SerializeAsString());
    nexus::WithholdPart(sealed, 1);
    Write(corpus + "/signed_record/sample-" + std::to_string(n) + "-withheld",
          sealed.SerializeAsString());
  }
  return 0;
}
