// Signed checkpoints of an audit log: (origin, tree size, root hash, time), signed with the
// origin agency's Ed25519 key over "nexus.v1.checkpoint" || the checkpoint's exact bytes.
#ifndef NEXUS_COMMON_CHECKPOINT_H_
#define NEXUS_COMMON_CHECKPOINT_H_

#include "absl/status/statusor.h"
#include "common/crypto.h"
#include "common/keyring.h"
#include "common/merkle.h"
#include "nexus/v1/audit.pb.h"

namespace nexus {

v1::SignedCheckpoint SignCheckpoint(const v1::Checkpoint& checkpoint, const PrivateKey& key,
                                    absl::string_view key_id);

// The checkpoint, if its signature verifies under its origin's key in `keys`.
absl::StatusOr<v1::Checkpoint> VerifyCheckpoint(const v1::SignedCheckpoint& signed_checkpoint,
                                                const Keyring& keys);

// The root hash of a checkpoint as a Merkle hash; InvalidArgument if it is not 32 bytes.
absl::StatusOr<merkle::Hash> RootOf(const v1::Checkpoint& checkpoint);

}  // namespace nexus

#endif  // NEXUS_COMMON_CHECKPOINT_H_
