// A simulated regional exchange for region_bench: who is in it, who peers with whom, each node's
// sharing policy, which records each member publishes, and — computed from these alone, never
// asked of a node — how many records of each origin every node must end up holding.
//
// The region: C coordinators (sector regional-body) that pull from each other, and the members,
// split into C contiguous blocks, one per coordinator. A member dials its coordinator
// (pull-and-push: it pulls what the coordinator relays and pushes its own records; the coordinator
// lists it inbound) and pulls from its two neighbours in the ring of members (bilateral peers).
// A member shares its own CLEAR and GREEN records with the region, its AMBER records with its
// bilateral peers only, and never a record tagged "undercover"; a coordinator relays CLEAR and
// GREEN records of the last year to the region. So CLEAR and GREEN records reach every node,
// AMBER records the origin and its bilateral peers, undercover records stay at the origin.
#ifndef NEXUS_BENCH_REGION_PLAN_H_
#define NEXUS_BENCH_REGION_PLAN_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace nexus::bench {

inline constexpr char kRegionGroup[] = "region-west-africa";

struct RegionNode {
  std::string agency;  // "coord-1", "agency-007"
  bool coordinator = false;
  int coordinator_of = -1;       // a member's coordinator (index into RegionPlan::nodes)
  std::vector<int> bilateral;    // a member's bilateral peers (indexes into RegionPlan::nodes)
  std::vector<int> members;      // a coordinator's members
  std::string membership_entry;  // as deploy/make-node-config.sh takes a MEMBER
};

struct RegionPlan {
  std::vector<RegionNode> nodes;  // coordinators first, then the members in ring order
  int coordinators = 0;
  int members() const { return static_cast<int>(nodes.size()) - coordinators; }
};

// `nodes` in all, `coordinators` of them coordinators. REQUIRES: 1 <= coordinators < nodes.
RegionPlan PlanRegion(int nodes, int coordinators);

// The default number of coordinators: 1 up to 10 nodes (a small region has one regional body;
// 3 coordinators with 2 members would be no region at all), 3 from there on.
int DefaultCoordinators(int nodes);

// Node `index`'s sharing policy, in text format.
std::string PolicyText(const RegionPlan& plan, int index);

// Node `index`'s peers as deploy/make-node-config.sh's --peer values, with `addresses` (one per
// node, "127.0.0.1:PORT") for the peers it dials.
std::vector<std::string> PeerSpecs(const RegionPlan& plan, int index,
                                   const std::vector<std::string>& addresses);

// What a member publishes: its n-th record (n from 0) is one of these. Of every 100: 1 tagged
// "undercover" (GREEN), 10 CLEAR (to the federation), 20 AMBER and 69 GREEN (to the region).
enum class RecordKind { kClear, kGreen, kAmber, kUndercover };
RecordKind KindOfRecord(int n);

// How many of `records` the member at position `member` (0 .. members-1) publishes: spread
// evenly, the first ones taking one more when it does not divide.
int RecordsOfMember(int records, int members, int member);

// For every node (by index), the records it must hold per origin agency once every policy has
// been applied, when the members publish `records` in all.
std::vector<std::map<std::string, uint64_t>> ExpectedHoldings(const RegionPlan& plan, int records);

}  // namespace nexus::bench

#endif  // NEXUS_BENCH_REGION_PLAN_H_
