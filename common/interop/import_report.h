// What an import did, object by object: counts for the progress line and the summary, and each
// object that was not imported with the reason, so that nothing is dropped silently.
#ifndef NEXUS_COMMON_INTEROP_IMPORT_REPORT_H_
#define NEXUS_COMMON_INTEROP_IMPORT_REPORT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "nexus/v1/agency_service.pb.h"

namespace nexus {

struct ImportIssue {
  std::string object;  // e.g. "objects[12] course-of-action--0f2c..." or "Attribute 5b0c..."
  std::string reason;
  bool rejected = false;  // by the node (not skipped by the import)
  // The object was imported, but this part of it was not carried (or was shortened): the
  // reason names the property.
  bool noted = false;
};

class ImportReport {
 public:
  // At most this many issues are kept for the listing; all are counted.
  static constexpr size_t kMaxListed = 1000;

  void ObjectRead() { ++objects_read_; }
  // An object that is not imported, and why.
  void Skip(std::string object, std::string reason);
  // A part of an imported object that its record does not carry as the source wrote it (a
  // property with no nexus form, a text over a limit): the object is kept, the loss is said.
  void Note(std::string object, std::string what);
  // An older version of an object whose latest version the same file holds.
  void Superseded() { ++superseded_; }
  void RecordMapped() { ++records_mapped_; }
  // The node's answer for one record sent; `source` names the object it came from.
  void Result(const v1::PublishResult& result, const std::string& source);

  uint64_t objects_read() const { return objects_read_; }
  uint64_t records_mapped() const { return records_mapped_; }
  uint64_t stored() const { return stored_; }
  uint64_t unchanged() const { return unchanged_; }
  uint64_t rejected() const { return rejected_; }
  uint64_t skipped() const { return skipped_; }
  uint64_t superseded() const { return superseded_; }
  uint64_t noted() const { return noted_; }
  const std::vector<ImportIssue>& issues() const { return issues_; }

  // "objects 1200, records 1100 (stored 1000, unchanged 90, rejected 10), skipped 100, 5200/s".
  std::string ProgressLine(absl::Duration elapsed) const;

 private:
  uint64_t objects_read_ = 0, records_mapped_ = 0, stored_ = 0, unchanged_ = 0, rejected_ = 0;
  uint64_t skipped_ = 0, superseded_ = 0, noted_ = 0;
  std::vector<ImportIssue> issues_;
};

}  // namespace nexus

#endif  // NEXUS_COMMON_INTEROP_IMPORT_REPORT_H_
