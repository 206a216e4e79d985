// The on-disk format of the audit log, shared by the node that writes it and by auditors' tools
// that read a copy of its RocksDB directory.
//
// Column families:
//   audit_entries      sequence (u64 BE)               -> serialized AuditEntry (the Merkle leaf)
//   audit_tree         level (1 byte) | index (u64 BE) -> 32-byte hash of that perfect subtree
//   audit_checkpoints  tree size (u64 BE)              -> serialized SignedCheckpoint
//   audit_head         "latest"                        -> serialized SignedCheckpoint
//                      "sealed"                        -> serialized SignedCheckpoint (the seal)
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
//
// The seal is a copy of a signed head the node wrote after every entry it covers was verified
// (at a start, in the background, or written by the node since). It says only what a start may
// leave to the background: a large log is verified after the seal before the node serves, and
// up to the seal while it serves. Auditors' verification ignores it; deleting or replacing it
// costs a node nothing but a full (or later) verification, since every start checks every entry.
#ifndef NEXUS_COMMON_STORAGE_AUDIT_FORMAT_H_
#define NEXUS_COMMON_STORAGE_AUDIT_FORMAT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "common/storage/coding.h"
#include "common/storage/families.h"

namespace nexus::audit_format {

inline constexpr const char* kEntriesFamily = storage::FamilyName(storage::kAuditEntries);
inline constexpr const char* kTreeFamily = storage::FamilyName(storage::kAuditTree);
inline constexpr const char* kCheckpointsFamily = storage::FamilyName(storage::kAuditCheckpoints);
inline constexpr const char* kHeadFamily = storage::FamilyName(storage::kAuditHead);
inline constexpr const char* kSupersededFamily = storage::FamilyName(storage::kAuditSuperseded);
inline constexpr char kHeadKey[] = "latest";
inline constexpr char kSealKey[] = "sealed";

// audit_entries: the entry's sequence number.
inline std::string EntryKey(uint64_t sequence) { return coding::EncodeFixed64(sequence); }
// audit_checkpoints and audit_superseded: the checkpoint's tree size.
inline std::string CheckpointKey(uint64_t tree_size) { return coding::EncodeFixed64(tree_size); }
// The number an entry or checkpoint key holds; nullopt for a key that is not 8 bytes (damage).
inline std::optional<uint64_t> ReadNumberKey(absl::string_view key) {
  return coding::DecodeFixed64(key);
}

inline constexpr size_t kTreeKeyBytes = 1 + coding::kFixed64Bytes;
inline std::string TreeKey(int level, uint64_t index) {
  std::string key(1, static_cast<char>(level));
  coding::PutFixed64(key, index);
  return key;
}

// The entry fields a verifier needs, read from an entry's bytes without parsing the whole
// message (protobuf wire format; field numbers of nexus.v1.AuditEntry).
struct EntryFields {
  uint64_t sequence = 0;         // 1
  uint64_t action = 0;           // 4
  uint64_t log_format = 0;       // 15
  bool has_log_opening = false;  // 16
};

// False if `bytes` is not a well-formed protobuf message (a field cut short, an unknown wire
// type), which no node writes.
inline bool ReadEntryFields(absl::string_view bytes, EntryFields* fields) {
  *fields = EntryFields();
  size_t pos = 0;
  auto varint = [&](uint64_t* value) {
    *value = 0;
    for (int shift = 0; shift < 64 && pos < bytes.size(); shift += 7) {
      const uint8_t byte = static_cast<uint8_t>(bytes[pos++]);
      *value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  };
  while (pos < bytes.size()) {
    uint64_t tag = 0, value = 0;
    if (!varint(&tag)) return false;
    const uint64_t field = tag >> 3;
    switch (tag & 7) {
      case 0:  // varint
        if (!varint(&value)) return false;
        if (field == 1) fields->sequence = value;
        if (field == 4) fields->action = value;
        if (field == 15) fields->log_format = value;
        break;
      case 1:  // 64-bit
        if (bytes.size() - pos < 8) return false;
        pos += 8;
        break;
      case 2:  // length-delimited
        if (!varint(&value) || value > bytes.size() - pos) return false;
        pos += value;
        if (field == 16) fields->has_log_opening = true;
        break;
      case 5:  // 32-bit
        if (bytes.size() - pos < 4) return false;
        pos += 4;
        break;
      default:
        return false;
    }
    if (field == 0) return false;
  }
  return true;
}

}  // namespace nexus::audit_format

#endif  // NEXUS_COMMON_STORAGE_AUDIT_FORMAT_H_
