// Offline audit verification (VerifyAuditLog) over a log that an attacker has edited. The input
// chooses an honest log (entries, the node's stored leaf hashes, checkpoints signed with the
// fixed key), then edits to it: entries replaced, flipped, dropped, swapped, duplicated or
// appended, stored leaf hashes rewritten, raw bytes as checkpoints.
// Invariants: the verifier never reports OK for a log whose entries do not rebuild the root of
// every checkpoint the node signed and of its signed head (it may not miss an edit inside a signed
// range); an unedited log with its signed head verifies OK (no false tamper alarm).
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/audit_verifier.h"
#include "common/checkpoint.h"
#include "common/merkle.h"
#include "tests/fuzz/fuzz_support.h"

namespace {

using nexus::fuzz::Require;

struct StoredEntry {
  uint64_t index;
  std::string bytes;
  std::string leaf;  // the node's stored leaf hash: 32 bytes, or empty
};

std::string LeafBytes(absl::string_view entry) {
  return nexus::DigestBytes(nexus::merkle::LeafHash(entry));
}

nexus::v1::SignedCheckpoint Sign(const std::vector<std::string>& entries, uint64_t size) {
  std::vector<nexus::merkle::Hash> leaves;
  for (uint64_t i = 0; i < size; ++i) leaves.push_back(nexus::merkle::LeafHash(entries[i]));
  nexus::v1::Checkpoint checkpoint;
  checkpoint.set_origin(nexus::fuzz::kAgency);
  checkpoint.set_tree_size(size);
  checkpoint.set_root_hash(nexus::DigestBytes(nexus::merkle::RootOf(leaves)));
  checkpoint.set_time_unix_micros(1'700'000'000'000'000 + static_cast<int64_t>(size));
  return nexus::SignCheckpoint(checkpoint, nexus::fuzz::SigningKey(), nexus::fuzz::kKeyId);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider input(data, size);

  // The honest log.
  const size_t n = input.ConsumeIntegralInRange<size_t>(0, 12);
  std::vector<std::string> honest;
  for (size_t i = 0; i < n; ++i) {
    nexus::v1::AuditEntry entry;
    entry.set_sequence(i);
    entry.set_time_unix_micros(1'700'000'000'000'000 + static_cast<int64_t>(i));
    entry.set_action(static_cast<nexus::v1::AuditAction>(input.ConsumeIntegralInRange(0, 8)));
    entry.set_detail(input.ConsumeRandomLengthString(24));
    honest.push_back(entry.SerializeAsString());
  }
  nexus::AuditVerifyOptions options;
  options.keys = &nexus::fuzz::Keys();
  std::vector<uint64_t> signed_sizes;
  const int checkpoints = input.ConsumeIntegralInRange(0, 3);
  for (int c = 0; c < checkpoints; ++c) {
    uint64_t at = input.ConsumeIntegralInRange<uint64_t>(0, n);
    signed_sizes.push_back(at);
    options.checkpoints.push_back(Sign(honest, at));
  }
  // The signed head the node writes with every commit: it covers every entry.
  const bool fully_signed = input.ConsumeBool();
  if (fully_signed) {
    signed_sizes.push_back(n);
    options.head = Sign(honest, n);
  }
  std::vector<StoredEntry> stored;
  for (size_t i = 0; i < n; ++i) stored.push_back({i, honest[i], LeafBytes(honest[i])});

  // The attacker's edits.
  bool edited = false;
  const int edits = input.ConsumeIntegralInRange(0, 4);
  for (int e = 0; e < edits; ++e) {
    const int kind = input.ConsumeIntegralInRange(0, 9);
    edited = true;
    if (kind == 9) {  // a forged or damaged checkpoint
      nexus::v1::SignedCheckpoint forged;
      forged.ParseFromString(input.ConsumeRandomLengthString(200));
      (input.ConsumeBool() ? options.checkpoints : options.witnessed).push_back(forged);
      continue;
    }
    if (kind == 8) {  // an appended entry, with a matching stored leaf
      nexus::v1::AuditEntry entry;
      entry.set_sequence(stored.size());
      entry.set_detail(input.ConsumeRandomLengthString(24));
      stored.push_back({stored.size(), entry.SerializeAsString(), ""});
      stored.back().leaf = LeafBytes(stored.back().bytes);
      continue;
    }
    if (stored.empty()) continue;
    StoredEntry& target = stored[input.ConsumeIntegralInRange<size_t>(0, stored.size() - 1)];
    switch (kind) {
      case 0:  // replaced entry, keeping its stored leaf
        target.bytes = input.ConsumeRandomLengthString(64);
        break;
      case 1:  // replaced entry, with the stored tree rewritten to match
        target.bytes = input.ConsumeRandomLengthString(64);
        target.leaf = LeafBytes(target.bytes);
        break;
      case 2:  // one flipped byte
        if (!target.bytes.empty()) {
          target.bytes[input.ConsumeIntegralInRange<size_t>(0, target.bytes.size() - 1)] ^=
              input.ConsumeIntegralInRange<uint8_t>(1, 255);
        }
        break;
      case 3:  // a stored leaf rewritten, lost or of the wrong length
        target.leaf = input.ConsumeRandomLengthString(40);
        break;
      case 4:  // a dropped entry
        stored.erase(stored.begin() + (&target - stored.data()));
        break;
      case 5:  // a duplicated entry
        stored.insert(stored.begin() + (&target - stored.data()), target);
        break;
      case 6:  // two entries swapped, bytes and leaves
        std::swap(target, stored[input.ConsumeIntegralInRange<size_t>(0, stored.size() - 1)]);
        break;
      case 7:  // an index key rewritten
        target.index = input.ConsumeIntegralInRange<uint64_t>(0, 16);
        break;
    }
  }

  std::vector<std::string> visited;
  nexus::AuditEntrySource source = [&](const auto& visit) -> absl::Status {
    for (const StoredEntry& entry : stored) {
      visited.push_back(entry.bytes);
      if (!visit(entry.index, entry.bytes, entry.leaf)) break;
    }
    return absl::OkStatus();
  };
  nexus::AuditVerifyReport report = nexus::VerifyAuditLog(options, source);

  if (report.ok) {
    // Every signed range must be made of exactly the honest entries.
    Require(
        stored.size() >=
            [&] {
              uint64_t largest = 0;
              for (uint64_t s : signed_sizes) largest = std::max(largest, s);
              return largest;
            }(),
        "OK for a log shorter than a signed checkpoint");
    for (uint64_t s : signed_sizes) {
      for (uint64_t i = 0; i < s; ++i) {
        Require(stored[i].bytes == honest[i],
                "OK for a log with an edited entry inside a signed checkpoint");
      }
    }
  } else {
    Require(!report.problem.empty(), "a failure says what broke");
  }
  if (!edited && fully_signed) {
    Require(report.ok, "an unedited, fully signed log verifies: " + report.problem);
  }
  return 0;
}
