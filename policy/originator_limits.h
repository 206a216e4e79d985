// The originator's own limits, carried in the record and enforced at every node that holds it,
// before any local rule. No rule can widen them.
//
//   distribution  ORIGIN_ONLY: nobody else. NAMED_AGENCIES: only those listed. GROUP: only members
//                 of a listed group. FEDERATION: any member.
//   TLP RED       only agencies the originator named (distribution.agencies), and only from the
//                 origin's own node: a recipient never passes it on.
//   AMBER+STRICT  only from the origin's node: the recipient agency keeps it to itself.
//   AMBER         a recipient may pass it on only within an explicit distribution (named agencies
//                 or a group), never to the whole federation.
//   GREEN         within the community: the federation, as the distribution allows.
//   CLEAR         no TLP limit (the distribution still applies).
//   handling codes "no further dissemination ..." (also NFD, ORCON): only the origin's node
//                 shares it.
// A record always reaches its origin agency and the holder's own agency.
#ifndef NEXUS_POLICY_ORIGINATOR_LIMITS_H_
#define NEXUS_POLICY_ORIGINATOR_LIMITS_H_

#include <cstdint>

#include "policy/federation.h"
#include "policy/record_facts.h"

namespace nexus::policy {

// 0 if the originator's limits allow `recipient` to receive the record from `holder`'s node;
// otherwise the Limit bits that forbid it. `recipient` and `holder` are federation indexes.
uint32_t OriginatorLimits(const RecordFacts& record, int recipient, int holder,
                          const Federation& federation);

// Whether the originator allows `recipient` to be told, by a hit notice, that a node holds the
// record: it is in distribution.hit_notices (FEDERATION: any member; GROUP; NAMED_AGENCIES).
// Whoever may receive the record may be told of it too; that is decided apart.
bool HitNoticeAllowed(const RecordFacts& record, int recipient, const Federation& federation);

}  // namespace nexus::policy

#endif  // NEXUS_POLICY_ORIGINATOR_LIMITS_H_
