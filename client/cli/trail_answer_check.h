// What an auditor's client checks of one node's answer to a record's trail question, trusting
// no node on the way: the head is signed by the answering agency's key and names its log; every
// entry names the record and is proved included in that head; and the head extends the head
// witnessed of that log by the node that passed the question to it (or, for the node the client
// asked itself, the head in the client's own witness file). A node that answers from another log
// than the one witnessed, or with an entry its log does not hold, is caught here. What a proof
// cannot show is that no entry was left out: the answer proves what it lists, not completeness.
#ifndef NEXUS_CLIENT_CLI_TRAIL_ANSWER_CHECK_H_
#define NEXUS_CLIENT_CLI_TRAIL_ANSWER_CHECK_H_

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
  bool witnessed_head = false;  // checked against a witnessed head, not only its own
  // How the head relates to a witnessed one: "extends the head of size N that AGENCY witnessed",
  // or that no node witnessed this log.
  std::string witnessed;
};

// Checks `answer` from the node of `agency` for `record_id`. `relay` is the agency whose node
// passed the question to it, whose witnessed head (carried in the answer) it is checked against;
// empty when the client asked that node itself: then `own_witness` (a head this client witnessed
// of it, if any) is used, and whatever the answer says it was witnessed at is ignored.
TrailAnswerCheck CheckTrailAnswer(const v1::RecordTrailAnswer& answer, absl::string_view agency,
                                  absl::string_view record_id, const Keyring& keys,
                                  absl::string_view relay,
                                  const std::optional<v1::SignedCheckpoint>& own_witness);

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_TRAIL_ANSWER_CHECK_H_
