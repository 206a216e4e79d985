#include "server/link_detector.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <map>
#include <memory>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/indicator_normalizer.h"
#include "common/record_seal.h"
#include "common/storage/coding.h"
#include "common/storage/storage_fault.h"
#include "server/background_priority.h"
#include "server/log.h"

namespace nexus {
namespace {

using SelectorKey = std::pair<v1::IndicatorType, std::string>;

constexpr char kCursorKey[] = "C";

std::string LinkKey(absl::string_view id) { return absl::StrCat("L", id); }
std::string RecordLinkPrefix(absl::string_view record) { return absl::StrCat("R", record); }
std::string ChangeKey(uint64_t sequence) { return "E" + coding::EncodeFixed64(sequence); }
std::string FrequentKey(const SelectorKey& key) {
  return absl::StrCat("F", std::string(1, static_cast<char>(key.first)), key.second);
}
std::string PeerKey(absl::string_view peer) { return absl::StrCat("P", peer); }
std::string AckKey(absl::string_view agency, absl::string_view link) {
  return absl::StrCat("A", agency, std::string(1, '\0'), link);
}

// An IPv4 or IPv6 address or network range in its normalized form, as bytes.
struct Network {
  int family = 0;  // AF_INET or AF_INET6
  std::array<uint8_t, 16> bytes{};
  int prefix = 0;  // the address's bits for a single address
  int bits() const { return family == AF_INET ? 32 : 128; }
  bool address() const { return prefix == bits(); }
  // The address bytes as the 'N' index keys them.
  std::string Key() const {
    return std::string(1, static_cast<char>(family == AF_INET ? 4 : 6)) +
           std::string(reinterpret_cast<const char*>(bytes.data()), bits() / 8);
  }
  // The last address of the range.
  Network Last() const {
    Network last = *this;
    for (int bit = prefix; bit < bits(); ++bit) last.bytes[bit / 8] |= 0x80 >> (bit % 8);
    last.prefix = bits();
    return last;
  }
  bool Contains(const Network& other) const {
    if (other.family != family || other.prefix < prefix) return false;
    for (int bit = 0; bit < prefix; ++bit) {
      const int mask = 0x80 >> (bit % 8);
      if ((bytes[bit / 8] & mask) != (other.bytes[bit / 8] & mask)) return false;
    }
    return true;
  }
};

std::optional<Network> ParseNetwork(v1::IndicatorType type, absl::string_view normalized) {
  Network network;
  if (type == v1::INDICATOR_TYPE_IPV4) {
    network.family = AF_INET;
  } else if (type == v1::INDICATOR_TYPE_IPV6) {
    network.family = AF_INET6;
  } else {
    return std::nullopt;
  }
  std::string text(normalized);
  network.prefix = network.bits();
  if (size_t slash = text.find('/'); slash != std::string::npos) {
    network.prefix = std::atoi(text.c_str() + slash + 1);
    text.resize(slash);
  }
  if (inet_pton(network.family, text.c_str(), network.bytes.data()) != 1) return std::nullopt;
  if (network.prefix < 0 || network.prefix > network.bits()) return std::nullopt;
  return network;
}

// What one version is linked by: its disclosed indicators' normalized forms and structured parts.
struct Held {
  std::string id;
  std::string origin;
  std::string case_reference;
  uint64_t version = 0;
  bool live = false;  // stored, readable and not revoked
  std::set<SelectorKey> keys;
  struct HeldNetwork {
    v1::IndicatorType type;
    Network network;
    std::string normalized;
  };
  std::vector<HeldNetwork> networks;
};

Held Read(const RecordStore& store, absl::string_view id) {
  Held held;
  held.id = std::string(id);
  absl::StatusOr<v1::SignedRecord> latest = store.Get(id, 0);
  if (!latest.ok()) return held;
  absl::StatusOr<OpenedRecord> opened = DecodeStoredRecord(*latest);
  if (!opened.ok()) return held;
  held.origin = opened->header.origin_agency();
  held.version = opened->header.version();
  held.case_reference = opened->record.case_reference();
  held.live = !opened->header.revoked();
  if (!held.live) return held;
  for (const v1::Indicator& indicator : opened->record.indicators()) {
    held.keys.insert({indicator.type(), indicator.normalized()});
    for (std::string& alias : IndexAliases(indicator.type(), indicator.normalized())) {
      held.keys.insert({indicator.type(), std::move(alias)});
    }
    if (std::optional<Network> network = ParseNetwork(indicator.type(), indicator.normalized())) {
      held.networks.push_back({indicator.type(), *network, indicator.normalized()});
    }
  }
  return held;
}

}  // namespace

LinkDetector::Options LinkDetector::Options::From(const v1::LinkSettings& settings) {
  Options options;
  if (settings.max_records_per_selector() != 0) {
    options.max_records_per_selector = settings.max_records_per_selector();
  }
  for (const std::string& selector : settings.never_link()) {
    const size_t colon = selector.find(':');
    v1::IndicatorType type;
    if (colon == std::string::npos || !ParseIndicatorType(selector.substr(0, colon), &type))
      continue;
    absl::StatusOr<std::string> normalized = NormalizeIndicator(type, selector.substr(colon + 1));
    if (normalized.ok()) options.never_link.insert({type, *normalized});
  }
  return options;
}

LinkDetector::LinkDetector(storage::Store* storage, const RecordStore* store,
                           const CursorCipher* cursors, Options options)
    : storage_(storage), store_(store), cursors_(cursors), options_(std::move(options)) {
  absl::MutexLock lock(&mu_);
  if (absl::StatusOr<std::string> value = storage_->Get(storage::kLinks, kCursorKey); value.ok()) {
    processed_ = coding::DecodeFixed64(*value).value_or(0);  // damaged: everything again
  }
  std::unique_ptr<storage::Cursor> it = storage_->NewCursor(storage::kLinks);
  it->SeekForPrev(ChangeKey(~uint64_t{0}));
  // A damaged key (not E and 8 bytes) is passed over: numbering goes on after the last good one.
  for (; it->Valid() && absl::StartsWith(it->key(), "E"); it->Prev()) {
    if (std::optional<uint64_t> last = coding::DecodeFixed64(it->key().substr(1))) {
      last_change_ = *last;
      break;
    }
  }
}

LinkDetector::~LinkDetector() { Stop(); }

void LinkDetector::Start() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = false;
    running_ = true;
  }
  thread_ = std::thread([this] { Run(); });
}

void LinkDetector::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    running_ = false;
  }
  if (thread_.joinable()) thread_.join();
}

uint64_t LinkDetector::processed() const {
  absl::MutexLock lock(&mu_);
  return processed_;
}

bool LinkDetector::running() const {
  absl::MutexLock lock(&mu_);
  return running_;
}

uint64_t LinkDetector::last_change() const {
  absl::MutexLock lock(&mu_);
  return last_change_;
}

uint64_t LinkDetector::WaitForChangeAfter(uint64_t sequence, absl::Duration timeout) const {
  absl::MutexLock lock(&mu_);
  auto changed = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return last_change_ > sequence || stopping_;
  };
  mu_.AwaitWithTimeout(absl::Condition(&changed), timeout);
  return last_change_;
}

void LinkDetector::Run() {
  // Detection follows the store; publishing and receiving come first when the cores are busy.
  LowerThisThreadsPriority();
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return;
    }
    if (absl::Status s = CatchUp(); !s.ok()) {
      LogError(absl::StrCat("link detection: ", s.message(), "; retrying"));
    }
    const uint64_t done = processed();
    // Woken by the commit that makes a new version durable, or a stop within 200 ms.
    store_->WaitForFeedAfter(done, absl::Milliseconds(200));
  }
}

absl::Status LinkDetector::CatchUp() {
  absl::MutexLock run(&run_mu_);
  const uint64_t from = processed();
  absl::Status failed;
  absl::Status read =
      store_->ScanFeed(from, [&](uint64_t position, const v1::SignedRecord& record) {
        {
          absl::MutexLock lock(&mu_);
          if (stopping_ && thread_.joinable()) return false;
        }
        failed = Process(position, record);
        return failed.ok();
      });
  if (!failed.ok()) return failed;
  return read;
}

absl::Status LinkDetector::Process(uint64_t position, const v1::SignedRecord& record) {
  absl::StatusOr<v1::RecordHeader> header = PeekHeader(record);
  constexpr storage::Family links = storage::kLinks;
  const std::unique_ptr<storage::Batch> owned_batch = storage_->NewBatch();
  storage::Batch& batch = *owned_batch;
  const int64_t now = absl::ToUnixMicros(absl::Now());
  uint64_t next_change;
  {
    absl::MutexLock lock(&mu_);
    next_change = last_change_;
  }
  std::vector<v1::LinkChange> changes;
  if (header.ok()) {
    const Held self = Read(*store_, header->id());
    // Candidates: records whose index keys are this one's, or ranges containing its addresses,
    // or addresses inside its ranges.
    std::map<std::string, std::set<SelectorKey>> candidates;
    auto frequent = [&](const SelectorKey& key, uint64_t count) {
      if (storage_->Contains(links, FrequentKey(key)).ok()) return;
      batch.Put(links, FrequentKey(key), "");
      v1::LinkChange& change = changes.emplace_back();
      change.set_event(v1::LINK_EVENT_FREQUENT_SELECTOR);
      change.set_time_unix_micros(now);
      change.mutable_frequent()->set_type(key.first);
      change.mutable_frequent()->set_value(key.second);
      change.set_frequent_records(count);
    };
    const size_t cap = options_.max_records_per_selector;
    // The records that carry `key` in the index, beside this one; none if too many.
    auto holders = [&](const SelectorKey& key) -> std::set<std::string> {
      std::set<std::string> ids;
      bool too_many = false;
      (void)store_->FindIndicator(key.first, key.second, [&](absl::string_view id, uint64_t) {
        ids.emplace(id);
        too_many = ids.size() > cap + 1;
        return !too_many;
      });
      ids.erase(self.id);
      if (too_many || ids.size() > cap) {
        frequent(key, ids.size());
        return {};
      }
      return ids;
    };
    for (const SelectorKey& key : self.keys) {
      if (options_.never_link.contains(key)) continue;
      for (const std::string& other : holders(key)) candidates[other].insert(key);
    }
    for (const Held::HeldNetwork& held : self.networks) {
      const Network& network = held.network;
      if (network.address()) {
        // Ranges that contain this address.
        for (std::string& range : ContainingNetworks(held.type, held.normalized)) {
          SelectorKey key{held.type, std::move(range)};
          if (options_.never_link.contains(key)) continue;
          for (const std::string& other : holders(key)) candidates[other].insert(key);
        }
        batch.Put(links, absl::StrCat("N", network.Key(), self.id), "");
        continue;
      }
      // Addresses held inside this range.
      const std::string first = "N" + network.Key();
      const std::string last = "N" + network.Last().Key();
      std::set<std::string> ids;
      std::unique_ptr<storage::Cursor> it = storage_->NewCursor(links);
      for (it->Seek(first); it->Valid(); it->Next()) {
        absl::string_view key = it->key();
        if (key.size() < last.size() || key.substr(0, last.size()) > last) break;
        ids.emplace(key.substr(last.size()));
        if (ids.size() > cap + 1) break;
      }
      if (!it->status().ok()) {
        return StorageFault(absl::StrCat("reading held addresses: ", it->status().message()));
      }
      ids.erase(self.id);
      const SelectorKey range{held.type, held.normalized};
      if (options_.never_link.contains(range)) continue;
      if (ids.size() > cap) {
        frequent(range, ids.size());
        continue;
      }
      for (const std::string& other : ids) candidates[other].insert(range);
    }

    // The links this record has now, checked against each other record's latest version.
    std::map<std::string, std::set<SelectorKey>> now_linked;
    std::map<std::string, Held> others;  // each candidate read once
    if (self.live) {
      for (const auto& [other_id, keys] : candidates) {
        const Held& other = others.emplace(other_id, Read(*store_, other_id)).first->second;
        if (!other.live) continue;
        const bool distinct = other.origin != self.origin ||
                              (!other.case_reference.empty() && !self.case_reference.empty() &&
                               other.case_reference != self.case_reference);
        if (!distinct) continue;
        std::set<SelectorKey> shared;
        for (const SelectorKey& key : keys) {
          std::optional<Network> range = ParseNetwork(key.first, key.second);
          const bool is_range = range.has_value() && !range->address();
          bool carried = self.keys.contains(key) && other.keys.contains(key);
          if (!carried && is_range) {
            // The range on one side, an address inside it on the other.
            auto holds_inside = [&](const Held& held) {
              return std::any_of(held.networks.begin(), held.networks.end(), [&](const auto& n) {
                return n.type == key.first && n.network.address() && range->Contains(n.network);
              });
            };
            carried = (self.keys.contains(key) && holds_inside(other)) ||
                      (other.keys.contains(key) && holds_inside(self));
          }
          if (carried) shared.insert(key);
        }
        if (!shared.empty()) now_linked[other_id] = std::move(shared);
      }
    }

    absl::StatusOr<std::vector<v1::Link>> existing = LinksOf(self.id);
    if (!existing.ok()) return existing.status();
    std::map<std::string, v1::Link> known;
    for (v1::Link& link : *existing) {
      known[link.record_a() == self.id ? link.record_b() : link.record_a()] = std::move(link);
    }
    auto store_link = [&](v1::Link& link, v1::LinkEvent event) {
      link.set_changed_unix_micros(now);
      batch.Put(links, LinkKey(link.id()), link.SerializeAsString());
      batch.Put(links, absl::StrCat(RecordLinkPrefix(link.record_a()), link.id()), "");
      batch.Put(links, absl::StrCat(RecordLinkPrefix(link.record_b()), link.id()), "");
      v1::LinkChange& change = changes.emplace_back();
      change.set_event(event);
      change.set_time_unix_micros(now);
      *change.mutable_link() = link;
    };
    for (const auto& [other_id, shared] : now_linked) {
      const Held& other = others.at(other_id);
      v1::Link link;
      auto it = known.find(other_id);
      if (it != known.end()) link = it->second;
      const bool self_first = self.id < other_id;
      link.set_record_a(self_first ? self.id : other_id);
      link.set_record_b(self_first ? other_id : self.id);
      link.set_id(cursors_->Reference("link", absl::StrCat(link.record_a(), "|", link.record_b())));
      link.set_version_a(self_first ? self.version : other.version);
      link.set_version_b(self_first ? other.version : self.version);
      google::protobuf::RepeatedPtrField<v1::Selector> selectors;
      for (const SelectorKey& key : shared) {
        v1::Selector& selector = *selectors.Add();
        selector.set_type(key.first);
        selector.set_value(key.second);
      }
      const bool was_open = it != known.end() && it->second.open();
      const bool same = was_open && link.selectors_size() == selectors.size() &&
                        std::equal(link.selectors().begin(), link.selectors().end(),
                                   selectors.begin(), [](const auto& x, const auto& y) {
                                     return x.type() == y.type() && x.value() == y.value();
                                   });
      if (same) {
        // The same link through newer versions: its versions kept current, nothing to tell.
        if (it->second.version_a() != link.version_a() ||
            it->second.version_b() != link.version_b()) {
          batch.Put(links, LinkKey(link.id()), link.SerializeAsString());
        }
        continue;
      }
      *link.mutable_selectors() = std::move(selectors);
      link.set_open(true);
      if (!was_open) link.set_opened_unix_micros(now);
      store_link(link, was_open ? v1::LINK_EVENT_UPDATED : v1::LINK_EVENT_OPENED);
    }
    for (auto& [other_id, link] : known) {
      if (!link.open() || now_linked.contains(other_id)) continue;
      link.set_open(false);
      store_link(link, v1::LINK_EVENT_CLOSED);
    }
  }
  for (const v1::LinkChange& change : changes) {
    batch.Put(links, ChangeKey(++next_change), change.SerializeAsString());
  }
  batch.Put(links, kCursorKey, coding::EncodeFixed64(position));
  if (absl::Status s = storage_->Write(batch, /*sync=*/false); !s.ok()) {
    return StorageFault(absl::StrCat("storing links: ", s.message()));
  }
  absl::MutexLock lock(&mu_);
  processed_ = position;
  last_change_ = next_change;
  return absl::OkStatus();
}

absl::Status LinkDetector::ScanChanges(
    uint64_t since,
    const std::function<bool(uint64_t sequence, const v1::LinkChange& change)>& visit) const {
  std::unique_ptr<storage::Cursor> it = storage_->NewCursor(storage::kLinks);
  for (it->Seek(ChangeKey(since + 1)); it->Valid() && absl::StartsWith(it->key(), "E");
       it->Next()) {
    const std::optional<uint64_t> sequence = coding::DecodeFixed64(it->key().substr(1));
    if (!sequence.has_value()) continue;
    v1::LinkChange change;
    if (!change.ParseFromArray(it->value().data(), static_cast<int>(it->value().size()))) continue;
    if (!visit(*sequence, change)) break;
  }
  if (!it->status().ok()) {
    return StorageFault(absl::StrCat("reading link changes: ", it->status().message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<v1::Link>> LinkDetector::Find(absl::string_view link_id) const {
  absl::StatusOr<std::string> value = storage_->Get(storage::kLinks, LinkKey(link_id));
  if (absl::IsNotFound(value.status())) return std::nullopt;
  if (!value.ok()) return StorageFault(absl::StrCat("reading a link: ", value.status().message()));
  v1::Link link;
  if (!link.ParseFromString(*value)) return absl::DataLossError("a stored link is malformed");
  return link;
}

absl::StatusOr<std::vector<v1::Link>> LinkDetector::LinksOf(absl::string_view record_id) const {
  std::vector<v1::Link> found;
  const std::string prefix = RecordLinkPrefix(record_id);
  std::unique_ptr<storage::Cursor> it = storage_->NewCursor(storage::kLinks);
  for (it->Seek(prefix); it->Valid() && absl::StartsWith(it->key(), prefix); it->Next()) {
    absl::StatusOr<std::optional<v1::Link>> link = Find(it->key().substr(prefix.size()));
    if (!link.ok()) return link.status();
    if (link->has_value()) found.push_back(**link);
  }
  if (!it->status().ok()) {
    return StorageFault(absl::StrCat("reading links: ", it->status().message()));
  }
  return found;
}

absl::Status LinkDetector::Receive(absl::string_view peer, uint64_t peer_cursor,
                                   const v1::Alert* alert) {
  absl::MutexLock run(&run_mu_);  // one writer of the feed's sequence
  constexpr storage::Family links = storage::kLinks;
  const std::unique_ptr<storage::Batch> owned_batch = storage_->NewBatch();
  storage::Batch& batch = *owned_batch;
  uint64_t next_change = last_change();
  if (alert != nullptr) {
    v1::LinkChange change;
    change.set_event(alert->event());
    change.set_time_unix_micros(absl::ToUnixMicros(absl::Now()));
    change.set_received_alert(alert->SerializeAsString());
    change.set_received_from(std::string(peer));
    batch.Put(links, ChangeKey(++next_change), change.SerializeAsString());
    batch.Put(links, absl::StrCat("G", alert->link_id()), "");
  }
  batch.Put(links, PeerKey(peer), coding::EncodeFixed64(peer_cursor));
  if (absl::Status s = storage_->Write(batch, /*sync=*/false); !s.ok()) {
    return StorageFault(absl::StrCat("storing a peer's link alert: ", s.message()));
  }
  absl::MutexLock lock(&mu_);
  last_change_ = next_change;
  return absl::OkStatus();
}

bool LinkDetector::HasReceived(absl::string_view link_id) const {
  return storage_->Contains(storage::kLinks, absl::StrCat("G", link_id)).ok();
}

uint64_t LinkDetector::PeerCursor(absl::string_view peer) const {
  if (absl::StatusOr<std::string> value = storage_->Get(storage::kLinks, PeerKey(peer));
      value.ok()) {
    return coding::DecodeFixed64(*value).value_or(0);
  }
  return 0;
}

absl::Status LinkDetector::Acknowledge(absl::string_view agency, absl::string_view link_id) {
  absl::Status s = storage_->Put(storage::kLinks, AckKey(agency, link_id), "", /*sync=*/false);
  if (!s.ok()) return StorageFault(absl::StrCat("acknowledging: ", s.message()));
  return absl::OkStatus();
}

bool LinkDetector::Acknowledged(absl::string_view agency, absl::string_view link_id) const {
  return storage_->Contains(storage::kLinks, AckKey(agency, link_id)).ok();
}

}  // namespace nexus
