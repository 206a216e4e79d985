// A batch of writes across column families that a store (store.h) applies atomically: all of it
// or none. One record version, its feed entries, its indexes and its audit entry are one batch
// (the commit queue's group commit), so what is stored never disagrees with what is audited.
#ifndef NEXUS_COMMON_STORAGE_BATCH_H_
#define NEXUS_COMMON_STORAGE_BATCH_H_

#include <cstddef>

#include "absl/strings/string_view.h"
#include "common/storage/families.h"

namespace nexus::storage {

class Batch {
 public:
  virtual ~Batch() = default;

  // Sets `key` of `family` to `value`. The bytes are copied into the batch: the caller's may go
  // once Put returns. A later write of the same key in the batch wins.
  virtual void Put(Family family, absl::string_view key, absl::string_view value) = 0;
  // Removes `key` from `family` (nothing if it is absent).
  virtual void Delete(Family family, absl::string_view key) = 0;
  // Puts and deletes staged so far.
  virtual size_t Count() const = 0;
  // Forgets everything staged, so that the batch can be filled and written again.
  virtual void Clear() = 0;
};

}  // namespace nexus::storage

#endif  // NEXUS_COMMON_STORAGE_BATCH_H_
