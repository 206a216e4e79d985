// A read or open of the store that failed (an I/O error, a checksum that does not match): the
// disk or the data directory is at fault, which says nothing about the integrity of what is
// stored. Unavailable, marked so that nexusd exits with a code of its own (4), never the code of
// a log that fails verification. Made by the store (store.h) and by the readers above it.
#ifndef NEXUS_COMMON_STORAGE_STORAGE_FAULT_H_
#define NEXUS_COMMON_STORAGE_STORAGE_FAULT_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace nexus {

absl::Status StorageFault(absl::string_view message);
bool IsStorageFault(const absl::Status& status);

}  // namespace nexus

#endif  // NEXUS_COMMON_STORAGE_STORAGE_FAULT_H_
