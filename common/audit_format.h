// The on-disk format of the audit log, shared by the node that writes it and by auditors' tools
// that read a copy of its RocksDB directory.
//
// Column families:
//   audit_entries      sequence (u64 BE)               -> serialized AuditEntry (the Merkle leaf)
//   audit_tree         level (1 byte) | index (u64 BE) -> 32-byte hash of that perfect subtree
//   audit_checkpoints  tree size (u64 BE)              -> serialized SignedCheckpoint
//   audit_head         "latest"                        -> serialized SignedCheckpoint
//   audit_superseded   tree size (u64 BE)              -> serialized SignedCheckpoint
// Entries and tree nodes are only ever added; no code path deletes or rewrites them (the one
// exception: a node started with --accept-unverified-audit-log rewrites stored tree nodes that
// disagree with the entries, and says so in an audit entry; in the same batch it moves every
// checkpoint that contradicts the accepted tree (larger than the log, a root the entries do not
// rebuild, malformed, foreign or badly signed) from audit_checkpoints to audit_superseded, under
// the same key, and names them in that entry. Superseded checkpoints are kept, not deleted: the
// next start verifies without the flag, and a verifier reports them as a note; an auditor who
// witnessed one of them still sees the rewrite as a fork).
//
// The signed head is the tree head (origin, size, root, time) signed by the commit leader and
// written in the same WriteBatch as every group commit that appends entries: the log never holds
// an entry that no signature covers. It is one key, overwritten by each commit, so it costs no
// space; the periodic, on-demand and shutdown checkpoints are kept in audit_checkpoints as
// before, each under its own size. A verifier requires the head to cover exactly the entries
// stored, and every checkpoint (of any size) to match the entries.
#ifndef NEXUS_COMMON_AUDIT_FORMAT_H_
#define NEXUS_COMMON_AUDIT_FORMAT_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"

namespace nexus::audit_format {

inline constexpr char kEntriesFamily[] = "audit_entries";
inline constexpr char kTreeFamily[] = "audit_tree";
inline constexpr char kCheckpointsFamily[] = "audit_checkpoints";
inline constexpr char kHeadFamily[] = "audit_head";
inline constexpr char kSupersededFamily[] = "audit_superseded";
inline constexpr char kHeadKey[] = "latest";

inline std::string U64Key(uint64_t value) {
  std::string key(8, '\0');
  for (int i = 0; i < 8; ++i) key[i] = static_cast<char>(value >> (56 - 8 * i));
  return key;
}

inline uint64_t ReadU64Key(absl::string_view key) {
  uint64_t value = 0;
  for (int i = 0; i < 8 && i < static_cast<int>(key.size()); ++i) {
    value = (value << 8) | static_cast<uint8_t>(key[i]);
  }
  return value;
}

inline std::string TreeKey(int level, uint64_t index) {
  return std::string(1, static_cast<char>(level)) + U64Key(index);
}

// The sequence number in an entry's bytes: field 1, a varint, which protobuf serializes first
// and omits when zero. Decoding only this keeps verification from parsing whole entries. False
// if the varint is cut short.
inline bool ReadEntrySequence(absl::string_view bytes, uint64_t* sequence) {
  *sequence = 0;
  if (bytes.empty() || static_cast<uint8_t>(bytes[0]) != 0x08) return true;
  uint64_t value = 0;
  for (size_t i = 1, shift = 0; i < bytes.size() && shift < 64; ++i, shift += 7) {
    uint8_t byte = static_cast<uint8_t>(bytes[i]);
    value |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *sequence = value;
      return true;
    }
  }
  return false;
}

}  // namespace nexus::audit_format

#endif  // NEXUS_COMMON_AUDIT_FORMAT_H_
