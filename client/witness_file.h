// The auditor's own record of checkpoints it has verified, one file per audited agency. A node
// that later rewrites history cannot make its new tree consistent with what was witnessed here.
#ifndef NEXUS_CLIENT_WITNESS_FILE_H_
#define NEXUS_CLIENT_WITNESS_FILE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nexus/v1/audit.pb.h"

namespace nexus {

class WitnessFile {
 public:
  explicit WitnessFile(std::string path) : path_(std::move(path)) {}
  // $HOME/.nexusctl/witness/<origin>.checkpoints
  static std::string DefaultPath(const std::string& origin);

  // Every checkpoint recorded so far, oldest first; none if the file does not exist yet.
  absl::StatusOr<std::vector<v1::SignedCheckpoint>> Load() const;
  // Appends `checkpoint` (creating the file and its directory if needed).
  absl::Status Add(const v1::SignedCheckpoint& checkpoint) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace nexus

#endif  // NEXUS_CLIENT_WITNESS_FILE_H_
