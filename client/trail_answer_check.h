// What an auditor's client checks of one node's answer to a record's trail question, trusting
// no node on the way: the head is signed by the answering agency's key and names its log; every
// entry names the record and is proved included in that head; and the head extends the head a
// node witnessed of that log (the one the question passed through last, or this client's own
// witness of its node). A node that answered from another log than the one its peers witness,
// left an entry out of its proof, or slipped in an entry is caught here.
#ifndef NEXUS_CLIENT_TRAIL_ANSWER_CHECK_H_
#define NEXUS_CLIENT_TRAIL_ANSWER_CHECK_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "common/keyring.h"
#include "nexus/v1/audit_service.pb.h"

namespace nexus {

struct TrailAnswerCheck {
  bool verified = false;
  std::string problem;  // why not, when not verified
  uint64_t head_size = 0;
  // How the head relates to a witnessed one: "extends the head of size N that AGENCY witnessed",
  // or that no node witnessed this log.
  std::string witnessed;
};

// Checks `answer` from the node of `agency` for `record_id`. `own_witness`, when given, is a
// head this client witnessed of that node itself, used when no node passed the question on.
TrailAnswerCheck CheckTrailAnswer(const v1::RecordTrailAnswer& answer, absl::string_view agency,
                                  absl::string_view record_id, const Keyring& keys,
                                  const std::optional<v1::SignedCheckpoint>& own_witness);

}  // namespace nexus

#endif  // NEXUS_CLIENT_TRAIL_ANSWER_CHECK_H_
