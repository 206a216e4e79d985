// The publish path: validate -> version -> seal -> store. Also revoke, which is a publish of a
// new version with `revoked` set.
#ifndef NEXUS_SERVER_RECORD_PUBLISHER_H_
#define NEXUS_SERVER_RECORD_PUBLISHER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "common/crypto.h"
#include "common/keyring.h"
#include "nexus/v1/agency_service.pb.h"
#include "server/record_store.h"

namespace nexus {

class RecordPublisher {
 public:
  struct Options {
    std::string agency_id;  // this node's agency: the origin of everything it signs
    std::string key_id;
    size_t max_record_bytes = 256 * 1024;
  };
  // `signing_key` signs as `options.agency_id`. `keys` and `store` must outlive this publisher.
  RecordPublisher(Options options, PrivateKey signing_key, const Keyring* keys, RecordStore* store);

  // Publishes `drafts` on behalf of `caller` (the agency in the client's certificate). Returns
  // one result per draft, in order; a bad draft is rejected alone.
  std::vector<v1::PublishResult> Publish(absl::string_view caller, std::vector<v1::Record> drafts);

  // Stores a new version of `id` with `revoked` set. Only the origin agency may revoke.
  v1::PublishResult Revoke(absl::string_view caller, absl::string_view id);

 private:
  struct Prepared;
  // Validates and seals one draft, or fills `result` with why not / that it is unchanged.
  bool Prepare(absl::string_view caller, v1::Record draft, Prepared& prepared);

  Options options_;
  PrivateKey signing_key_;
  const Keyring* keys_;
  RecordStore* store_;
};

}  // namespace nexus

#endif  // NEXUS_SERVER_RECORD_PUBLISHER_H_
