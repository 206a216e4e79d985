// A node's federation state as people and scripts read it: a table of its peers, the signed heads
// it verified of one peer's audit log, and an auditor's verdict on them. Everything a peer or the
// node wrote (agency ids, addresses, errors, alarms) is escaped for the terminal in the human
// forms; the JSON forms are one object per line, safe to print.
#ifndef NEXUS_CLIENT_CLI_FEDERATION_TEXT_H_
#define NEXUS_CLIENT_CLI_FEDERATION_TEXT_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "client/cli/peer_heads_check.h"
#include "nexus/v1/federation_service.pb.h"

namespace nexus {

// One row per peer (connection, receiving, serving, witness), then a line for each peer's last
// error, witness alarm, equivocations and refusals. Ages ("for 4m12s") are relative to `now`.
std::string FederationStatusToHumanText(const v1::FederationStatusResponse& status, absl::Time now);
// {"agency_id":..,"peers":[{..PeerStatus, proto field names; hashes in hex..}]}
std::string FederationStatusToJson(const v1::FederationStatusResponse& status);

// The heads the node verified of `agency`'s audit log, oldest first, its witness state and alarm.
std::string PeerHeadsToHumanText(absl::string_view agency, const v1::PeerHeadsResponse& heads,
                                 absl::Time now);
// {"agency_id":..,"heads":[{"tree_size":..,"root_hash":..,..}],"witness":{..}}
std::string PeerHeadsToJson(absl::string_view agency, const v1::PeerHeadsResponse& heads);

// `nexusctl audit verify --peer`: "OK: ..." or "NOT VERIFIED: ..." and the latest head.
std::string PeerVerdictToHumanText(absl::string_view agency, const PeerHeadsReport& report,
                                   const v1::PeerWitness& witness, absl::Time now);
std::string PeerVerdictToJson(absl::string_view agency, const PeerHeadsReport& report,
                              const v1::PeerWitness& witness);

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_FEDERATION_TEXT_H_
