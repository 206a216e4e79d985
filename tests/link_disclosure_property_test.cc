// What links, hit notices, link charts and search disclose, over random stores and policies: a
// node of agency-a holds records of four origins sharing a few selectors, under a random sharing
// policy (permits, forbids, hit-only rules, redactions) and random originator limits (TLP,
// distribution, hit-notice audiences). For every reader agency, against what the same node
// answers that reader's Get of each record:
//   - every record side of an alert or a chart is exactly the record Get would give it, and one
//     the originator's limits allow it (checked by the policy library, not the read layer);
//   - a hit-notice side appears only for a record Get refuses whose originator lets the reader be
//     told (its hit-notice audience, or the record's own audience narrowed by a hit-only rule);
//   - the selectors told are ones every record shown disclosed in the version the change was
//     decided on (that two records share a value says what each carries);
//   - each change of a link (opened, updated, closed, across updates and revocations) is told if
//     and only if the reader may see one record and see or be told of the other, and every
//     record it sees showed a shared selector: a reader denied both records is told exactly what
//     it would be with no link;
//   - search hits are exactly the records Get gives that show the value, and its hit notices
//     exactly the hit-only holders of it.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <random>
#include <set>

#include "absl/strings/str_cat.h"
#include "common/indicator_normalizer.h"
#include "common/keyring.h"
#include "common/record_seal.h"
#include "policy/federation.h"
#include "policy/originator_limits.h"
#include "policy/record_facts.h"
#include "server/cursor_cipher.h"
#include "server/link_detector.h"
#include "server/link_reads.h"
#include "server/record_publisher.h"
#include "server/record_search.h"
#include "server/shared_reads.h"
#include "server/sharing_gate.h"
#include "tests/node_storage.h"
#include "tests/policy_fixtures.h"
#include "tests/seeded_random.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

const char* kReaders[] = {"agency-a", "agency-b", "agency-c", "coord"};
const char* kPhones[] = {"+33 6 00 00 00 01", "+33 6 00 00 00 02", "+33 6 00 00 00 03"};
const char* kWallets[] = {"bc1qxy2kgdygjrsqtzq2n0yrf2493p83kkfjhx0wlh",
                          "TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE"};

using Random = testing::SeededRandom;

google::protobuf::RepeatedPtrField<v1::Agency> Members() {
  google::protobuf::RepeatedPtrField<v1::Agency> agencies = testing::PolicyTestAgencies();
  const v1::Sector sectors[] = {v1::SECTOR_POLICE, v1::SECTOR_COUNTER_TERRORISM,
                                v1::SECTOR_FINANCIAL_INTELLIGENCE, v1::SECTOR_REGIONAL_BODY};
  for (int i = 0; i < agencies.size(); ++i) {
    agencies[i].set_sector(sectors[i]);
    agencies[i].set_liaison(absl::StrCat(agencies[i].id(), " desk"));
  }
  return agencies;
}

std::string RandomPolicy(Random& random) {
  std::string text = "name: \"random\"\n";
  const char* effects[] = {"EFFECT_PERMIT", "EFFECT_PERMIT", "EFFECT_FORBID", "EFFECT_HIT_ONLY"};
  const int rules = 1 + random.Below(5);
  for (int i = 0; i < rules; ++i) {
    const std::string effect = random.Pick(effects);
    absl::StrAppend(&text, "rules { id: \"r", i, "\" effect: ", effect);
    if (random.Chance(40))
      absl::StrAppend(&text, " recipient { agencies: \"", random.Pick(kReaders), "\" }");
    if (random.Chance(30)) {
      absl::StrAppend(&text, " record { origin_agencies: \"", random.Pick(kReaders), "\" }");
    } else if (random.Chance(30)) {
      absl::StrAppend(&text, " record { indicator_types: ",
                      random.Chance(50) ? "INDICATOR_TYPE_PHONE" : "INDICATOR_TYPE_CRYPTO_WALLET",
                      " }");
    }
    if (effect == "EFFECT_PERMIT" && random.Chance(40)) {
      absl::StrAppend(&text, random.Chance(50)
                                 ? " redact { case_reference: true }"
                                 : " redact { indicator_types: INDICATOR_TYPE_PHONE }");
    }
    text += " }\n";
  }
  return text;
}

v1::Record RandomRecord(Random& random) {
  v1::Record record;
  const v1::Tlp tlps[] = {v1::TLP_CLEAR, v1::TLP_GREEN, v1::TLP_AMBER, v1::TLP_AMBER_STRICT,
                          v1::TLP_RED};
  record.set_tlp(random.Pick(tlps));
  v1::Distribution& distribution = *record.mutable_distribution();
  switch (random.Below(3)) {
    case 0:
      distribution.set_scope(v1::DISTRIBUTION_SCOPE_FEDERATION);
      break;
    case 1:
      distribution.set_scope(v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES);
      distribution.add_agencies(random.Pick(kReaders));
      break;
    default:
      distribution.set_scope(v1::DISTRIBUTION_SCOPE_GROUP);
      distribution.add_groups(random.Chance(50) ? "region-west" : "region-east");
  }
  if (record.tlp() == v1::TLP_RED && distribution.agencies().empty()) {
    distribution.set_scope(v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES);
    distribution.add_agencies(random.Pick(kReaders));
  }
  if (random.Chance(50)) {
    v1::HitNoticeAudience& hits = *distribution.mutable_hit_notices();
    if (random.Chance(60)) {
      hits.set_scope(v1::DISTRIBUTION_SCOPE_FEDERATION);
    } else {
      hits.set_scope(v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES);
      hits.add_agencies(random.Pick(kReaders));
    }
  }
  record.set_case_reference(absl::StrCat("CASE-", random.Below(3)));
  record.mutable_assessment()->set_nexus_type(v1::NEXUS_TYPE_ALLIANCE);
  record.mutable_assessment()->set_source_reliability(v1::SOURCE_RELIABILITY_B);
  record.mutable_assessment()->set_information_credibility(v1::INFORMATION_CREDIBILITY_2);
  auto add = [&](v1::IndicatorType type, const char* value) {
    v1::Indicator& indicator = *record.add_indicators();
    indicator.set_type(type);
    indicator.set_value(value);
  };
  add(v1::INDICATOR_TYPE_PHONE, random.Pick(kPhones));
  if (random.Chance(50)) add(v1::INDICATOR_TYPE_CRYPTO_WALLET, random.Pick(kWallets));
  record.set_summary("random record");
  return record;
}

// The (type, value) selectors a record shows: its indicators and their structured forms.
std::set<std::pair<v1::IndicatorType, std::string>> Shown(const v1::SignedRecord& record) {
  std::set<std::pair<v1::IndicatorType, std::string>> shown;
  absl::StatusOr<OpenedRecord> opened = DecodeStoredRecord(record);
  if (!opened.ok()) return shown;
  for (const v1::Indicator& indicator : opened->record.indicators()) {
    shown.emplace(indicator.type(), indicator.normalized());
    for (std::string& alias : IndexAliases(indicator.type(), indicator.normalized())) {
      shown.emplace(indicator.type(), std::move(alias));
    }
  }
  return shown;
}

class LinkDisclosureProperty : public ::testing::TestWithParam<int> {};

TEST_P(LinkDisclosureProperty, NothingIsToldBeyondWhatGetGivesAndTheOriginatorAllows) {
  Random random(GetParam());
  testing::TempDir dir;
  PrivateKey node_key = PrivateKey::Generate();
  auto stack = testing::NodeStorage::Open(dir.path(), node_key);
  ASSERT_NE(stack, nullptr);
  v1::NodeConfig config;
  config.set_agency_id("agency-a");
  *config.mutable_agencies() = Members();
  const std::string policy_text = RandomPolicy(random);
  config.set_policy_file(dir.File("policy.textproto"));
  std::ofstream(config.policy_file()) << policy_text;
  const policy::Federation federation(config.agencies());

  // Records of every origin, signed with their own keys, in one store.
  Keyring keys;
  std::map<std::string, std::unique_ptr<RecordPublisher>> publishers;
  for (const char* origin : kReaders) {
    PrivateKey key = PrivateKey::Generate();
    ASSERT_TRUE(keys.Add(origin, "1", key.public_key()).ok());
    publishers[origin] = std::make_unique<RecordPublisher>(
        RecordPublisher::Options{origin, "1", 256 * 1024, &federation}, std::move(key), &keys,
        stack->records.get(), stack->audit.get());
  }
  // Detection runs after each round of changes, as the node's would between them.
  absl::StatusOr<CursorCipher> cursors = CursorCipher::Open(stack->storage.get());
  ASSERT_TRUE(cursors.ok());
  LinkDetector detector(stack->storage.get(), stack->records.get(), &*cursors, {});
  const int count = 6 + random.Below(10);
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) {
    const char* origin = random.Pick(kReaders);
    v1::Record draft = RandomRecord(random);
    CallContext call;
    call.actor.set_agency_id(origin);
    call.actor.set_role("analyst");
    std::vector<v1::PublishResult> results = publishers[origin]->Publish(call, {draft});
    ASSERT_EQ(results[0].outcome(), v1::PUBLISH_OUTCOME_STORED) << results[0].error();
    ids.push_back(results[0].id());
  }
  ASSERT_TRUE(detector.CatchUp().ok());
  // Some records are updated (a new phone, other limits): their links close, move or open.
  for (const std::string& id : ids) {
    if (!random.Chance(25)) continue;
    absl::StatusOr<OpenedRecord> opened = DecodeStoredRecord(*stack->records->Get(id, 0));
    v1::Record draft = RandomRecord(random);
    draft.set_id(id);
    CallContext call;
    call.actor.set_agency_id(opened->header.origin_agency());
    call.actor.set_role("analyst");
    std::vector<v1::PublishResult> results =
        publishers[opened->header.origin_agency()]->Publish(call, {draft});
    ASSERT_EQ(results[0].outcome(), v1::PUBLISH_OUTCOME_STORED) << results[0].error();
  }
  ASSERT_TRUE(detector.CatchUp().ok());
  // Some records are revoked: their links close.
  for (const std::string& id : ids) {
    if (!random.Chance(15)) continue;
    absl::StatusOr<OpenedRecord> opened = DecodeStoredRecord(*stack->records->Get(id, 0));
    CallContext call;
    call.actor.set_agency_id(opened->header.origin_agency());
    (void)publishers[opened->header.origin_agency()]->Revoke(call, id, "test");
  }

  SharingGate gate(config, stack->audit.get());
  ASSERT_TRUE(gate.LoadAtStart().ok()) << policy_text;
  SharedReads reads("agency-a", stack->records.get(), &gate, stack->audit.get(), &*cursors);
  ASSERT_TRUE(detector.CatchUp().ok());
  LinkReads link_reads("agency-a", &reads, stack->records.get(), &detector, stack->audit.get(),
                       &*cursors);
  v1::Limits limits;
  limits.set_max_search_hits(100);
  limits.set_max_message_bytes(4 << 20);
  RecordSearch search("agency-a", limits, stack->records.get(), &reads);

  // Every change of a link, by its sequence; and each link as it is now.
  std::map<uint64_t, v1::Link> changes;
  std::map<std::string, v1::Link> links_now;
  (void)detector.ScanChanges(0, [&](uint64_t sequence, const v1::LinkChange& change) {
    if (!change.has_link()) return true;
    changes[sequence] = change.link();
    links_now[change.link().id()] = change.link();
    return true;
  });

  for (const char* reader : kReaders) {
    SCOPED_TRACE(
        absl::StrCat("reader ", reader, ", seed ", GetParam(), ", policy:\n", policy_text));
    const int reader_index = federation.AgencyIndex(reader);
    // The oracle: what Get gives this reader of each record, and whether it may be told of it.
    std::map<std::string, v1::SignedRecord> gets;
    std::set<std::string> notices;
    for (const std::string& id : ids) {
      v1::SignedRecord latest = *stack->records->Get(id, 0);
      SharingGate::Shared shared = reads.Share(reader, latest);
      absl::StatusOr<OpenedRecord> opened = DecodeStoredRecord(latest);
      const policy::RecordFacts facts = policy::RecordFacts::From(opened->record, federation);
      if (shared.permit) {
        // Independently of the read layer: the originator's limits allow it (the node's own
        // agency reads all the node holds: holding it was decided when it came in).

        // An origin reads its own records wherever they are.
        if (std::string(reader) != "agency-a" && opened->header.origin_agency() != reader)
          EXPECT_EQ(policy::OriginatorLimits(facts, reader_index,
                                             federation.AgencyIndex("agency-a"), federation),
                    0u)
              << id;
        gets[id] = shared.record;
      } else if (reads.HitNoticeFor(shared, latest, v1::INDICATOR_TYPE_PHONE).has_value()) {
        // The originator lets the reader be told: it is in the hit-notice audience, or it may
        // receive the record itself (a hit-only rule then narrowed the answer to a notice).
        EXPECT_TRUE(policy::HitNoticeAllowed(facts, reader_index, federation) ||
                    policy::OriginatorLimits(facts, reader_index,
                                             federation.AgencyIndex("agency-a"), federation) == 0)
            << id;
        notices.insert(id);
      }
    }
    auto check_side = [&](const v1::LinkSide& side, const std::string& id,
                          std::set<std::pair<v1::IndicatorType, std::string>>& shown) {
      if (side.has_record()) {
        ASSERT_TRUE(gets.contains(id)) << "a record Get refuses was told in full: " << id;
        EXPECT_EQ(side.record().SerializeAsString(), gets[id].SerializeAsString()) << id;
        EXPECT_FALSE(side.has_hit_notice());
        for (const auto& selector : Shown(side.record())) shown.insert(selector);
      } else {
        ASSERT_TRUE(side.has_hit_notice()) << id;
        EXPECT_TRUE(notices.contains(id))
            << "a hit notice the originator or policy forbids: " << id;
        EXPECT_EQ(side.hit_notice().holder(), "agency-a");
      }
    };
    // Which side of an alert is which record: a shown record names itself; a notice side is the
    // link's other record.
    auto side_id = [&](const v1::Link& link, const v1::LinkSide& side, const v1::LinkSide& other) {
      if (side.has_record()) return PeekHeader(side.record())->id();
      const std::string other_id =
          other.has_record() ? PeekHeader(other.record())->id() : std::string();
      return other_id == link.record_a() ? link.record_b() : link.record_a();
    };

    // What a version of a record showed the reader, as Get gives that version now.
    auto shown_then = [&](const std::string& id, uint64_t version) {
      std::set<std::pair<v1::IndicatorType, std::string>> shown;
      absl::StatusOr<v1::SignedRecord> then = stack->records->Get(id, version);
      if (!then.ok() || PeekHeader(*then)->revoked()) return shown;
      SharingGate::Shared shared = reads.Share(reader, *then);
      if (shared.permit) shown = Shown(shared.record);
      return shown;
    };

    // Alerts, by the change each tells.
    CallContext call;
    call.actor.set_agency_id(reader);
    call.actor.set_role("analyst");
    std::set<uint64_t> told;
    ASSERT_TRUE(
        link_reads
            .ServeAlerts(
                call, {},
                [&](const v1::Alert& alert) {
                  if (alert.more() || alert.event() == v1::LINK_EVENT_FREQUENT_SELECTOR) {
                    return absl::OkStatus();
                  }
                  const uint64_t sequence = std::string(reader) == "agency-a"
                                                ? alert.cursor()
                                                : cursors->Decode(alert.cursor());
                  EXPECT_TRUE(changes.contains(sequence)) << "an alert of no link change";
                  const v1::Link& link = changes[sequence];
                  EXPECT_EQ(alert.link_id(), link.id());
                  told.insert(sequence);
                  EXPECT_TRUE(alert.a().has_record() || alert.b().has_record());
                  std::set<std::pair<v1::IndicatorType, std::string>> shown;
                  check_side(alert.a(), side_id(link, alert.a(), alert.b()), shown);
                  check_side(alert.b(), side_id(link, alert.b(), alert.a()), shown);
                  // Each selector told is one of the link's, shown by every record told in the
                  // version the change was decided on.
                  for (const v1::Selector& selector : alert.selectors()) {
                    EXPECT_TRUE(std::any_of(
                        link.selectors().begin(), link.selectors().end(), [&](const auto& s) {
                          return s.type() == selector.type() && s.value() == selector.value();
                        }));
                    for (const auto& [id, version] :
                         {std::pair(link.record_a(), link.version_a()),
                          std::pair(link.record_b(), link.version_b())}) {
                      if (!gets.contains(id)) continue;
                      EXPECT_TRUE(
                          shown_then(id, version).contains({selector.type(), selector.value()}))
                          << "selector " << selector.value() << " withheld from a side shown";
                    }
                  }
                  return absl::OkStatus();
                })
            .ok());
    // Exactly the changes the reader may be told of, open links or closed: it sees one record
    // and sees or is told of the other, and every record it sees showed a shared selector in the
    // version of the change (else the link would tell of a withheld value).
    for (const auto& [sequence, link] : changes) {
      auto visible = [&](const std::string& id) { return gets.contains(id); };
      auto known = [&](const std::string& id) { return visible(id) || notices.contains(id); };
      bool selector_shown = false;
      for (const v1::Selector& selector : link.selectors()) {
        bool everywhere = true;
        for (const auto& [id, version] : {std::pair(link.record_a(), link.version_a()),
                                          std::pair(link.record_b(), link.version_b())}) {
          if (visible(id)) {
            everywhere =
                everywhere && shown_then(id, version).contains({selector.type(), selector.value()});
          }
        }
        selector_shown = selector_shown || everywhere;
      }
      const bool expected =
          selector_shown && ((visible(link.record_a()) && known(link.record_b())) ||
                             (visible(link.record_b()) && known(link.record_a())));
      EXPECT_EQ(told.contains(sequence), expected) << sequence << ": " << link.ShortDebugString();
    }

    // Charts, from every record the reader may see.
    for (const auto& [id, ignored] : gets) {
      v1::LinksRequest request;
      request.set_record_id(id);
      request.set_depth(3);
      absl::StatusOr<v1::LinksResponse> chart = link_reads.Links(call, request);
      ASSERT_TRUE(chart.ok()) << chart.status();
      for (const v1::Alert& alert : chart->links()) {
        const v1::Link& link = links_now[alert.link_id()];
        std::set<std::pair<v1::IndicatorType, std::string>> shown;
        check_side(alert.a(), side_id(link, alert.a(), alert.b()), shown);
        check_side(alert.b(), side_id(link, alert.b(), alert.a()), shown);
      }
    }

    // Search, for every value of the pool.
    for (const char* value : kPhones) {
      v1::SearchRequest request;
      request.set_value(value);
      request.set_type(v1::INDICATOR_TYPE_PHONE);
      v1::AuditEntry entry;
      absl::StatusOr<v1::SearchResponse> found = search.Search(reader, request, entry);
      ASSERT_TRUE(found.ok()) << found.status();
      const std::string normalized = *NormalizeIndicator(v1::INDICATOR_TYPE_PHONE, value);
      std::set<std::string> expected_hits, expected_notices;
      for (const std::string& id : ids) {
        v1::SignedRecord latest = *stack->records->Get(id, 0);
        if (PeekHeader(latest)->revoked()) continue;
        if (!RecordStore::CarriesIndicator(latest, v1::INDICATOR_TYPE_PHONE, normalized)) continue;
        if (gets.contains(id) && Shown(gets[id]).contains({v1::INDICATOR_TYPE_PHONE, normalized})) {
          expected_hits.insert(id);
        }
        if (notices.contains(id)) expected_notices.insert(id);
      }
      std::set<std::string> hits;
      for (const v1::SearchHit& hit : found->hits()) {
        const std::string id = PeekHeader(hit.record())->id();
        hits.insert(id);
        ASSERT_TRUE(gets.contains(id));
        EXPECT_EQ(hit.record().SerializeAsString(), gets[id].SerializeAsString());
      }
      EXPECT_EQ(hits, expected_hits) << value;
      EXPECT_EQ(static_cast<size_t>(found->hit_notices_size()), expected_notices.size()) << value;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, LinkDisclosureProperty, ::testing::Range(1, 41));

}  // namespace
}  // namespace nexus
