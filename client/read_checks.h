// What a reader checks about answers beyond each record's signature: a search hit must carry
// the value it matched, and a pull must not repeat or roll back versions. A signature shows who
// wrote a record, not that the node answered the question asked with it.
#ifndef NEXUS_CLIENT_READ_CHECKS_H_
#define NEXUS_CLIENT_READ_CHECKS_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

#include "nexus/v1/agency_service.pb.h"
#include "nexus/v1/record.pb.h"

namespace nexus {

// Empty if `hit` is a true answer to a search for `query`: its decoded record discloses an
// indicator of the matched type whose normalized value is the normalized query. Otherwise why
// not. A hit whose indicators are all withheld cannot be checked; that is said too.
std::string SearchHitProblem(const v1::SearchHit& hit, const std::string& query);

// Checks the records of one pull, in arrival order. The node gives plain feed positions, which
// must strictly increase, when the caller's agency is the node's own (whatever agency wrote each
// record); to other agencies they are opaque tokens. Whoever reads, a position never repeats,
// (id, version) never repeats and the versions of an id never go down.
class PullOrderCheck {
 public:
  // `reader_is_node_agency`: the caller's certificate names the agency of the node's certificate
  // (nexusctl compares the two; see NexusClient::Pull). When unknown, pass false: only the checks
  // that hold for every reader are made.
  explicit PullOrderCheck(bool reader_is_node_agency)
      : reader_is_node_agency_(reader_is_node_agency) {}
  // Empty if the record may come next; otherwise why not.
  std::string Check(uint64_t cursor, const v1::SignedRecord& record);

 private:
  bool reader_is_node_agency_;
  uint64_t last_own_cursor_ = 0;
  std::set<uint64_t> cursors_;
  std::map<std::string, uint64_t> highest_version_;
};

}  // namespace nexus

#endif  // NEXUS_CLIENT_READ_CHECKS_H_
