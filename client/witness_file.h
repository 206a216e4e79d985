// The auditor's own record of checkpoints it has verified, one file per audited node identity:
// the agency and the key that signs its log. A node that later rewrites history cannot make its
// new tree consistent with what was witnessed here; two federations side by side, or one
// recreated with new keys, do not share a file (the same agency name is a different node).
#ifndef NEXUS_CLIENT_WITNESS_FILE_H_
#define NEXUS_CLIENT_WITNESS_FILE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/keyring.h"
#include "nexus/v1/audit.pb.h"

namespace nexus {

class WitnessFile {
 public:
  explicit WitnessFile(std::string path, std::string legacy_path = "")
      : path_(std::move(path)), legacy_path_(std::move(legacy_path)) {}
  // The file for the log of `origin` whose heads `key_id` signs: with the key in `keys`,
  // $HOME/.nexusctl/witness/<origin>.<first 16 hex digits of SHA-256 of the key>.checkpoints,
  // reading also the checkpoints of that key kept in <origin>.checkpoints by earlier versions.
  // Without the key (not in --keys), <origin>.checkpoints.
  static WitnessFile Default(const std::string& origin, const std::string& key_id,
                             const Keyring& keys);

  // Every checkpoint recorded so far, oldest first; none if the file does not exist yet. From a
  // legacy file, only those the identity's key signed (others are another node's).
  absl::StatusOr<std::vector<v1::SignedCheckpoint>> Load(const Keyring* keys = nullptr) const;
  // Appends `checkpoint` (creating the file and its directory if needed).
  absl::Status Add(const v1::SignedCheckpoint& checkpoint) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::string legacy_path_;  // read for checkpoints of this key; never written
};

}  // namespace nexus

#endif  // NEXUS_CLIENT_WITNESS_FILE_H_
