#include "common/checkpoint.h"

#include "absl/strings/str_cat.h"

namespace nexus {
namespace {
constexpr absl::string_view kCheckpointDomain = "nexus.v1.checkpoint";
}  // namespace

v1::SignedCheckpoint SignCheckpoint(const v1::Checkpoint& checkpoint, const PrivateKey& key,
                                    absl::string_view key_id) {
  v1::SignedCheckpoint signed_checkpoint;
  signed_checkpoint.set_checkpoint(checkpoint.SerializeAsString());
  signed_checkpoint.set_signature(
      key.Sign(absl::StrCat(kCheckpointDomain, signed_checkpoint.checkpoint())));
  signed_checkpoint.set_key_id(std::string(key_id));
  return signed_checkpoint;
}

absl::StatusOr<v1::Checkpoint> VerifyCheckpoint(const v1::SignedCheckpoint& signed_checkpoint,
                                                const Keyring& keys) {
  v1::Checkpoint checkpoint;
  if (!checkpoint.ParseFromString(signed_checkpoint.checkpoint())) {
    return absl::DataLossError("checkpoint is malformed");
  }
  const PublicKey* key = keys.Find(checkpoint.origin(), signed_checkpoint.key_id());
  if (key == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "checkpoint at tree size ", checkpoint.tree_size(), ": no public key for agency '",
        checkpoint.origin(), "' key id '", signed_checkpoint.key_id(), "'"));
  }
  if (!key->Verify(absl::StrCat(kCheckpointDomain, signed_checkpoint.checkpoint()),
                   signed_checkpoint.signature())) {
    return absl::DataLossError(absl::StrCat(
        "checkpoint at tree size ", checkpoint.tree_size(), ": signature does not verify under ",
        "agency '", checkpoint.origin(), "' key '", signed_checkpoint.key_id(), "'"));
  }
  return checkpoint;
}

absl::StatusOr<merkle::Hash> RootOf(const v1::Checkpoint& checkpoint) {
  if (checkpoint.root_hash().size() != 32) {
    return absl::InvalidArgumentError("checkpoint root hash is not 32 bytes");
  }
  merkle::Hash root;
  std::copy(checkpoint.root_hash().begin(), checkpoint.root_hash().end(), root.begin());
  return root;
}

}  // namespace nexus
