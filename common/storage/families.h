// The column families of a node's RocksDB store, in one place: the node opens them in this order
// and offline tools find them by these names. A name is part of the on-disk format (a data
// directory names its families), so none is ever renamed or reused. What each family's keys and
// values are: docs/architecture.md, "RocksDB key layout"; the encodings: store_keys.h,
// audit_format.h and coding.h beside this file.
#ifndef NEXUS_COMMON_STORAGE_FAMILIES_H_
#define NEXUS_COMMON_STORAGE_FAMILIES_H_

#include <array>

namespace nexus::storage {

enum Family {
  // RocksDB's own family, which every store has: it holds the node's settings (the cursor
  // cipher's key). Not in kFamilyNames: it is opened first, under RocksDB's name for it.
  kDefault = -1,
  kRecords,
  kFeed,
  kIndicators,
  kAuditEntries,
  kAuditTree,
  kAuditCheckpoints,
  kAuditHead,
  kAuditSuperseded,
  kPeerState,      // peer agency -> PeerCursor, written with the versions received from it
  kProvenance,     // id | version | peer agency -> (empty): which peers a version came through
  kEquivocations,  // id | version | sha256(manifest) -> SignedRecord: conflicting manifests
  kPeerHeads,      // peer agency | 0 | tree size -> SignedCheckpoint: heads witnessed
  kSharingState,   // "in_force" -> PolicyInForce; "reoffer/" peer -> Reoffer
  kContent,        // sha256(authored content) | id -> (empty): the node's own records
  kLinks,          // links between records and their feed of changes (link_detector.h)
  kFeedTimes,      // feed position -> when this node stored it (unix µs, rising with position)
  kFeedPositions,  // id | version -> its feed position at this node
  kFamilyCount,
};

inline constexpr std::array<const char*, kFamilyCount> kFamilyNames = {
    "records",           "feed",           "indicators",       "audit_entries", "audit_tree",
    "audit_checkpoints", "audit_head",     "audit_superseded", "peer_state",    "provenance",
    "equivocations",     "peer_heads",     "sharing_state",    "content",       "links",
    "feed_times",        "feed_positions",
};

inline constexpr const char* kDefaultFamilyName = "default";

constexpr const char* FamilyName(Family family) {
  return family == kDefault ? kDefaultFamilyName : kFamilyNames[family];
}

}  // namespace nexus::storage

#endif  // NEXUS_COMMON_STORAGE_FAMILIES_H_
