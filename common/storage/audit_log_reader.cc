#include "common/storage/audit_log_reader.h"

#include <memory>
#include <optional>
#include <string>
#include <thread>

#include "absl/numeric/int128.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/storage/audit_format.h"
#include "common/storage/bounded_queue.h"

namespace nexus {
namespace {

// Options for a one-pass scan of a whole family: blocks are read once, so caching them would
// only evict what the node keeps hot (and costs an insert per block); reading ahead in large
// chunks turns a read per block into a read per `readahead`. Checksums stay verified.
storage::CursorOptions ScanOptions(size_t readahead) {
  storage::CursorOptions options;
  options.fill_cache = false;
  options.readahead_bytes = readahead;
  return options;
}
constexpr size_t kEntriesReadahead = size_t{2} << 20;

// One forward iterator per tree level: a rebuild asks for the nodes of each level in index
// order, so each answer is usually the iterator's next key.
class StreamingNodes {
 public:
  explicit StreamingNodes(const storage::Store* store) : store_(store) {}

  absl::StatusOr<merkle::Hash> Read(int level, uint64_t index) {
    if (level < 0 || level > 64) return absl::InvalidArgumentError("no such tree level");
    if (levels_.size() <= static_cast<size_t>(level)) levels_.resize(level + 1);
    std::unique_ptr<storage::Cursor>& it = levels_[level];
    const std::string key = audit_format::TreeKey(level, index);
    if (it == nullptr) {
      it = store_->NewCursor(storage::kAuditTree, ScanOptions(0));
      it->Seek(key);
    } else if (it->Valid() && it->key().compare(key) < 0) {
      it->Next();
      if (it->Valid() && it->key().compare(key) < 0) it->Seek(key);
    } else if (!it->Valid() || it->key().compare(key) > 0) {
      it->Seek(key);
    }
    if (!it->status().ok()) {
      return absl::UnavailableError(absl::StrCat("reading audit tree node level ", level, " index ",
                                                 index, ": ", it->status().message()));
    }
    if (!it->Valid() || it->key() != key || it->value().size() != 32) {
      return absl::NotFoundError(
          absl::StrCat("audit tree node level ", level, " index ", index, " is missing"));
    }
    merkle::Hash hash;
    std::copy(it->value().data(), it->value().data() + 32, hash.begin());
    return hash;
  }

 private:
  const storage::Store* store_;
  std::vector<std::unique_ptr<storage::Cursor>> levels_;
};

// A run of consecutive entries read ahead of the verifier, owning their bytes: each entry's
// bytes and stored leaf hash lie back to back in one buffer.
class EntryChunk {
 public:
  // Enough entries that handing a chunk over costs little beside verifying it; a bound in bytes
  // too, as a copied data directory may hold entries of any size.
  static constexpr size_t kMaxEntries = 2048;
  static constexpr size_t kMaxBytes = size_t{1} << 20;

  EntryChunk() { buffer_.reserve(kMaxBytes); }
  bool full() const { return entries_.size() >= kMaxEntries || buffer_.size() >= kMaxBytes; }
  size_t size() const { return entries_.size(); }

  void Add(uint64_t index, absl::string_view bytes, absl::string_view leaf) {
    entries_.push_back({index, buffer_.size(), bytes.size(), leaf.size()});
    buffer_.append(bytes.data(), bytes.size());
    buffer_.append(leaf.data(), leaf.size());
  }

  // Hands each entry to `visit` in order; false as soon as `visit` returns false.
  template <typename VisitFn>
  bool Visit(const VisitFn& visit) const {
    for (const Entry& entry : entries_) {
      const absl::string_view bytes(buffer_.data() + entry.offset, entry.bytes_size);
      const absl::string_view leaf(bytes.data() + bytes.size(), entry.leaf_size);
      if (!visit(entry.index, bytes, leaf)) return false;
    }
    return true;
  }

 private:
  struct Entry {
    uint64_t index;
    size_t offset;  // of the entry's bytes in buffer_; its leaf follows them
    size_t bytes_size;
    size_t leaf_size;
  };
  std::vector<Entry> entries_;
  std::string buffer_;
};

// Chunks (of entries or of tree nodes) a reading thread may be ahead of its consumer.
constexpr size_t kChunksAhead = 4;

// Reads every entry in index order with its stored leaf (the level-0 keys of the tree run in the
// same order, so both families are read in one pass each) and pushes them to `chunks`. Returns
// early, OK, once `chunks` is closed by the consumer; a read error is Unavailable, after every
// entry read before it was pushed.
absl::Status ReadEntryChunks(const storage::Store* store, uint64_t first,
                             BoundedQueue<std::unique_ptr<EntryChunk>>& chunks) {
  std::unique_ptr<storage::Cursor> entries =
      store->NewCursor(storage::kAuditEntries, ScanOptions(kEntriesReadahead));
  std::unique_ptr<storage::Cursor> leaves =
      store->NewCursor(storage::kAuditTree, ScanOptions(kEntriesReadahead));
  leaves->Seek(audit_format::TreeKey(0, first));
  auto chunk = std::make_unique<EntryChunk>();
  // From the first entry, every key of the family: one that sorts before entry 0 (a prefix of
  // its key) is damage too, not something to pass over.
  if (first == 0) {
    entries->SeekToFirst();
  } else {
    entries->Seek(audit_format::EntryKey(first));
  }
  for (; entries->Valid(); entries->Next()) {
    std::optional<uint64_t> read = audit_format::ReadNumberKey(entries->key());
    if (!read.has_value()) {  // damage, not a read error: the entries before it are handed on
      if (chunk->size() > 0 && !chunks.Push(std::move(chunk))) return absl::OkStatus();
      return absl::DataLossError(absl::StrCat("an entry is stored under the key ",
                                              absl::BytesToHexString(entries->key()),
                                              ", which is not an 8-byte sequence number"));
    }
    const uint64_t index = *read;
    // Level-0 keys run in index order; skip to this entry's leaf.
    const std::string leaf_key = audit_format::TreeKey(0, index);
    while (leaves->Valid() && leaves->key().compare(leaf_key) < 0) leaves->Next();
    absl::string_view leaf;
    if (leaves->Valid() && leaves->key() == leaf_key) leaf = leaves->value();
    chunk->Add(index, entries->value(), leaf);
    if (chunk->full()) {
      if (!chunks.Push(std::move(chunk))) return absl::OkStatus();
      chunk = std::make_unique<EntryChunk>();
    }
  }
  if (chunk->size() > 0 && !chunks.Push(std::move(chunk))) return absl::OkStatus();
  if (!entries->status().ok()) {
    return absl::UnavailableError(absl::StrCat("reading entries: ", entries->status().message()));
  }
  if (!leaves->status().ok()) {
    return absl::UnavailableError(
        absl::StrCat("reading leaf hashes: ", leaves->status().message()));
  }
  return absl::OkStatus();
}

// A stored node as a rebuild of the tree meets it, with what reading it gave.
struct StreamedNode {
  int level;
  uint64_t index;
  absl::StatusOr<merkle::Hash> hash;
};

// Whether a rebuild from the first leaf completes node (level_a, index_a) before node (level_b,
// index_b): it completes a node with the last leaf the node covers, lower levels first.
bool CompletedBefore(int level_a, uint64_t index_a, int level_b, uint64_t index_b) {
  const absl::uint128 last_a = (absl::uint128(index_a) + 1) << level_a;
  const absl::uint128 last_b = (absl::uint128(index_b) + 1) << level_b;
  return last_a != last_b ? last_a < last_b : level_a < level_b;
}

constexpr size_t kNodesPerChunk = 2048;

// Stored nodes for a rebuild of the tree from its first leaf (the verifier's and the node's
// recovery): the nodes are read in the order the rebuild completes them, on a thread of their
// own, a few chunks ahead. A request in any other order is read directly.
class StoredNodeReader {
 public:
  explicit StoredNodeReader(const storage::Store* store) : store_(store), direct_(store) {}
  StoredNodeReader(const StoredNodeReader&) = delete;
  StoredNodeReader& operator=(const StoredNodeReader&) = delete;
  ~StoredNodeReader() {
    chunks_.Close();  // stops the read-ahead at its next chunk
    if (read_ahead_.joinable()) read_ahead_.join();
  }

  absl::StatusOr<merkle::Hash> Read(int level, uint64_t index) {
    if (!started_) {
      started_ = true;
      // A rebuild asks for (1, 0) first; anything else (a proof) is served directly.
      if (level == 1 && index == 0) read_ahead_ = std::thread([this] { ReadAhead(); });
    }
    while (read_ahead_.joinable() && level >= 1 && level < 64) {
      if (next_ == chunk_.size()) {
        std::optional<std::vector<StreamedNode>> chunk = chunks_.Pop();
        if (!chunk.has_value()) {  // the stream ended: the thread is done
          read_ahead_.join();
          break;
        }
        chunk_ = *std::move(chunk);
        next_ = 0;
        continue;
      }
      StreamedNode& node = chunk_[next_];
      if (node.level == level && node.index == index) {
        ++next_;
        return std::move(node.hash);
      }
      if (!CompletedBefore(node.level, node.index, level, index)) break;  // asked out of order
      ++next_;  // a node that was not asked for (the verifier stops at the first bad node)
    }
    return direct_.Read(level, index);
  }

 private:
  // Runs on read_ahead_. Appending leaf i completes the nodes at levels 1 to the number of
  // trailing one bits of i (merkle::Frontier::Append). The stream ends after the first node it
  // cannot read: past the end of the stored tree, or a node missing or unreadable, which the
  // direct reads then report again if it is asked for.
  void ReadAhead() {
    StreamingNodes nodes(store_);
    std::vector<StreamedNode> chunk;
    bool ended = false;
    for (uint64_t leaf = 1; !ended; leaf += 2) {
      for (int level = 1; level < 64 && !ended && ((leaf >> (level - 1)) & 1) == 1; ++level) {
        const uint64_t index = leaf >> level;
        chunk.push_back({level, index, nodes.Read(level, index)});
        ended = !chunk.back().hash.ok();
      }
      if (chunk.size() >= kNodesPerChunk || ended) {
        if (!chunks_.Push(std::move(chunk))) return;  // the reader is gone
        chunk.clear();
      }
    }
    chunks_.Close();
  }

  const storage::Store* const store_;
  StreamingNodes direct_;  // the caller's reads
  BoundedQueue<std::vector<StreamedNode>> chunks_{kChunksAhead};
  std::thread read_ahead_;
  bool started_ = false;
  std::vector<StreamedNode> chunk_;  // the chunk being taken apart by Read
  size_t next_ = 0;
};

}  // namespace

absl::StatusOr<std::vector<v1::SignedCheckpoint>> AuditLogReader::Checkpoints(
    uint64_t since_size) const {
  std::vector<v1::SignedCheckpoint> checkpoints;
  std::unique_ptr<storage::Cursor> it = store_->NewCursor(storage::kAuditCheckpoints);
  for (it->Seek(audit_format::CheckpointKey(since_size)); it->Valid(); it->Next()) {
    if (!checkpoints.emplace_back().ParseFromArray(it->value().data(),
                                                   static_cast<int>(it->value().size()))) {
      return absl::DataLossError(absl::StrCat("the stored checkpoint under the key ",
                                              absl::BytesToHexString(it->key()), " is malformed"));
    }
    // Each is stored under its own tree size: readers that take a range of sizes (a start that
    // leaves the sealed part to the background) rely on it, so a moved one is refused here.
    v1::Checkpoint claimed;
    const std::optional<uint64_t> kept_under = audit_format::ReadNumberKey(it->key());
    if (!kept_under.has_value() || (claimed.ParseFromString(checkpoints.back().checkpoint()) &&
                                    claimed.tree_size() != *kept_under)) {
      return absl::DataLossError(
          absl::StrCat("a stored checkpoint is out of place: it is kept under the key ",
                       absl::BytesToHexString(it->key()),
                       kept_under.has_value() ? absl::StrCat(" (tree size ", *kept_under, ")")
                                              : std::string(" (not an 8-byte tree size)"),
                       " but claims tree size ", claimed.tree_size()));
    }
  }
  // A read error ends the scan early: the list would look complete but be short.
  if (!it->status().ok()) {
    return absl::UnavailableError(absl::StrCat("reading checkpoints: ", it->status().message()));
  }
  return checkpoints;
}

absl::StatusOr<v1::SignedCheckpoint> AuditLogReader::Head() const {
  // A directory from before signed heads has no head family: the store reads it as empty.
  absl::StatusOr<std::string> value = store_->Get(storage::kAuditHead, audit_format::kHeadKey);
  if (absl::IsNotFound(value.status())) return absl::NotFoundError("no signed head is stored");
  if (!value.ok()) {
    return absl::UnavailableError(absl::StrCat("reading the head: ", value.status().message()));
  }
  v1::SignedCheckpoint head;
  if (!head.ParseFromString(*value)) return absl::DataLossError("the stored head is malformed");
  return head;
}

AuditEntrySource AuditLogReader::Entries(uint64_t first) const {
  return [store = store_, first](const auto& visit) -> absl::Status {
    // The reads run on a thread of their own, a few chunks ahead of `visit`, so that reading
    // and verifying (hashing) use two cores. Every path below closes the queue, which stops the
    // reader at its next chunk, and joins it before returning.
    BoundedQueue<std::unique_ptr<EntryChunk>> chunks(kChunksAhead);
    absl::Status read;  // written by the reader, read here only after joining it
    std::thread reader([&] {
      read = ReadEntryChunks(store, first, chunks);
      chunks.Close();
    });
    bool stopped = false;
    while (!stopped) {
      std::optional<std::unique_ptr<EntryChunk>> chunk = chunks.Pop();
      if (!chunk.has_value()) break;
      stopped = !(*chunk)->Visit(visit);
    }
    chunks.Close();
    reader.join();
    return stopped ? absl::OkStatus() : read;
  };
}

merkle::NodeReader AuditLogReader::StoredNodes() const {
  auto nodes = std::make_shared<StoredNodeReader>(store_);
  return [nodes](int level, uint64_t index) { return nodes->Read(level, index); };
}

}  // namespace nexus
