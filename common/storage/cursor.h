// An iterator over the keys of one column family of a store (store.h), in byte order. key() and
// value() view the store's own bytes (nothing is copied): they stay valid until the cursor moves
// or is destroyed. A cursor that stops being Valid() has either run past the end or failed to
// read: status() tells which, and a scan that does not check it may look complete but be short.
#ifndef NEXUS_COMMON_STORAGE_CURSOR_H_
#define NEXUS_COMMON_STORAGE_CURSOR_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace nexus::storage {

class Cursor {
 public:
  virtual ~Cursor() = default;

  // At a key (true), or past either end or failed (false).
  virtual bool Valid() const = 0;
  // The first key >= `target`.
  virtual void Seek(absl::string_view target) = 0;
  // The last key <= `target`.
  virtual void SeekForPrev(absl::string_view target) = 0;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  // REQUIRES (Next, Prev, key, value): Valid().
  virtual void Next() = 0;
  virtual void Prev() = 0;
  virtual absl::string_view key() const = 0;
  virtual absl::string_view value() const = 0;
  // OK unless a read failed, in which case Valid() is false and the status is a StorageFault
  // (storage_fault.h) or, for a fault the store does not classify, Internal.
  virtual absl::Status status() const = 0;
};

}  // namespace nexus::storage

#endif  // NEXUS_COMMON_STORAGE_CURSOR_H_
