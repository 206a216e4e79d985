// A real node with a sharing policy and clients of three agencies: each sees exactly the records
// and parts the policy allows, through get, pull and search; reloads are audited and a broken
// policy never replaces the one in force.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/admin_client.h"
#include "client/audit_client.h"
#include "client/nexus_client.h"
#include "common/record_seal.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

using testing::ClientFor;
using testing::SampleDraft;

// region-west (agency-b) receives records without person indicators or summaries; agency-c
// (region-east) receives only GREEN hybrid records, whole; nobody receives records tagged "hold".
constexpr char kPolicy[] = R"(name: "test policy"
rules { id: "west-without-persons" effect: EFFECT_PERMIT recipient { groups: "region-west" }
        redact { summary: true indicator_types: INDICATOR_TYPE_PERSON } }
rules { id: "east-hybrid" effect: EFFECT_PERMIT recipient { groups: "region-east" }
        record { nexus_types: NEXUS_TYPE_HYBRID } }
rules { id: "hold" effect: EFFECT_FORBID record { tags: "hold" } }
)";

class PolicyIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(keys_.AddDirectory(testing::TestPki() + "/keys").ok());
    node_ = std::make_unique<testing::NexusdProcess>(
        testing::WriteNodeConfigWithPolicy(dir_.path(), "agency-a", kPolicy));
    ASSERT_TRUE(node_->ok()) << node_->ReadLog();
    for (const char* agency : {"agency-a", "agency-b", "agency-c"}) {
      clients_[agency] = *NexusClient::Create(ClientFor(node_->address(), agency));
    }
    // Three records: alliance with a person; hybrid; hybrid tagged "hold".
    v1::Record alliance = SampleDraft({{v1::INDICATOR_TYPE_PHONE, "+33 6 11 11 11 11"},
                                       {v1::INDICATOR_TYPE_PERSON, "Jean Dupont"}});
    v1::Record hybrid = SampleDraft({{v1::INDICATOR_TYPE_PHONE, "+33 6 22 22 22 22"}});
    hybrid.mutable_assessment()->set_nexus_type(v1::NEXUS_TYPE_HYBRID);
    v1::Record held = hybrid;
    held.mutable_indicators(0)->set_value("+33 6 33 33 33 33");
    held.mutable_tags()->add_values("hold");
    auto results = clients_["agency-a"]->Publish({alliance, hybrid, held});
    ASSERT_TRUE(results.ok());
    for (const auto& r : *results) ids_.push_back(r.id());
  }

  // What `agency` sees of every record: by get, pull and search, as (id -> opened record).
  std::map<std::string, OpenedRecord> Pulled(const std::string& agency, uint64_t* last = nullptr) {
    std::map<std::string, OpenedRecord> seen;
    EXPECT_TRUE(clients_[agency]
                    ->Pull({},
                           [&](const v1::PullResponse& r) {
                             auto opened = OpenRecord(r.record(), keys_);  // still verifies
                             EXPECT_TRUE(opened.ok()) << opened.status();
                             if (opened.ok()) seen[opened->record.id()] = *opened;
                             if (last != nullptr) *last = r.cursor();
                             return true;
                           })
                    .ok());
    return seen;
  }
  int Hits(const std::string& agency, const std::string& value) {
    v1::SearchRequest search;
    search.set_value(value);
    auto response = clients_[agency]->Search(search);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->hits_size() : -1;
  }

  testing::TempDir dir_;
  Keyring keys_;
  std::unique_ptr<testing::NexusdProcess> node_;
  std::map<std::string, std::unique_ptr<NexusClient>> clients_;
  std::vector<std::string> ids_;  // alliance, hybrid, held
};

TEST_F(PolicyIntegrationTest, EachAgencySeesExactlyWhatThePolicyAllows) {
  // agency-a, the origin: everything, whole.
  auto a = Pulled("agency-a");
  ASSERT_EQ(a.size(), 3u);
  EXPECT_TRUE(a[ids_[0]].withheld.empty());

  // agency-b (region-west): the alliance and hybrid records, without persons and summaries.
  auto b = Pulled("agency-b");
  ASSERT_EQ(b.size(), 2u);
  ASSERT_TRUE(b.count(ids_[0]) && b.count(ids_[1]));
  const v1::Record& alliance = b[ids_[0]].record;
  ASSERT_EQ(alliance.indicators_size(), 1);
  EXPECT_EQ(alliance.indicators(0).type(), v1::INDICATOR_TYPE_PHONE);
  EXPECT_TRUE(alliance.summary().empty());
  EXPECT_EQ(b[ids_[0]].withheld.size(), 2u);
  auto got = clients_["agency-b"]->Get(ids_[0], 0);
  ASSERT_TRUE(got.ok());
  EXPECT_FALSE(absl::StrContains(got->SerializeAsString(), "Jean Dupont"));
  EXPECT_TRUE(absl::IsNotFound(clients_["agency-b"]->Get(ids_[2], 0).status()));

  // agency-c (region-east): only the hybrid record, whole.
  auto c = Pulled("agency-c");
  ASSERT_EQ(c.size(), 1u);
  ASSERT_TRUE(c.count(ids_[1]));
  EXPECT_TRUE(c[ids_[1]].withheld.empty());
  auto denied = clients_["agency-c"]->Get(ids_[0], 0);
  EXPECT_TRUE(absl::IsNotFound(denied.status()));
  EXPECT_EQ(denied.status().message(), absl::StrCat("record ", ids_[0], " not found"));

  // Search: hits and counts only for what each may see, never through a withheld indicator.
  EXPECT_EQ(Hits("agency-a", "jean dupont"), 1);
  EXPECT_EQ(Hits("agency-b", "jean dupont"), 0);  // the person is withheld from agency-b
  EXPECT_EQ(Hits("agency-b", "+33 6 11 11 11 11"), 1);
  EXPECT_EQ(Hits("agency-c", "+33 6 11 11 11 11"), 0);
  EXPECT_EQ(Hits("agency-c", "+33 6 22 22 22 22"), 1);
  EXPECT_EQ(Hits("agency-b", "+33 6 33 33 33 33"), 0);  // forbidden by "hold"
  EXPECT_EQ(Hits("agency-a", "+33 6 33 33 33 33"), 1);
}

TEST_F(PolicyIntegrationTest, CursorsOfOtherAgenciesRevealNoGapsAndResume) {
  uint64_t last = 0;
  auto c = Pulled("agency-c", &last);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_NE(last, 2u);  // the plain feed position of the hybrid record is not shown
  // Resuming from the opaque cursor yields nothing more, until something new is shared.
  v1::PullRequest resume;
  resume.set_since(last);
  int more = 0;
  ASSERT_TRUE(clients_["agency-c"]->Pull(resume, [&](const auto&) { return ++more > 0; }).ok());
  EXPECT_EQ(more, 0);
  v1::Record hybrid = SampleDraft({{v1::INDICATOR_TYPE_PHONE, "+33 6 44 44 44 44"}});
  hybrid.mutable_assessment()->set_nexus_type(v1::NEXUS_TYPE_HYBRID);
  ASSERT_TRUE(clients_["agency-a"]->Publish({hybrid}).ok());
  ASSERT_TRUE(clients_["agency-c"]->Pull(resume, [&](const auto&) { return ++more > 0; }).ok());
  EXPECT_EQ(more, 1);
}

TEST_F(PolicyIntegrationTest, NarrowingTheLatestVersionNarrowsOlderOnes) {
  ASSERT_TRUE(clients_["agency-c"]->Get(ids_[1], 1).ok());
  v1::Record narrowed = SampleDraft({{v1::INDICATOR_TYPE_PHONE, "+33 6 22 22 22 22"}});
  narrowed.set_id(ids_[1]);
  narrowed.mutable_assessment()->set_nexus_type(v1::NEXUS_TYPE_HYBRID);
  narrowed.mutable_distribution()->set_scope(v1::DISTRIBUTION_SCOPE_ORIGIN_ONLY);
  auto updated = clients_["agency-a"]->Publish({narrowed});
  ASSERT_TRUE(updated.ok());
  ASSERT_EQ((*updated)[0].version(), 2u);
  EXPECT_TRUE(absl::IsNotFound(clients_["agency-c"]->Get(ids_[1], 1).status()));
  EXPECT_TRUE(Pulled("agency-c").empty());
  EXPECT_EQ(Pulled("agency-a").size(), 3u);
}

TEST_F(PolicyIntegrationTest, DecisionsAreAudited) {
  ASSERT_FALSE(clients_["agency-c"]->Get(ids_[0], 0).ok());
  auto auditor = *AuditClient::Create(ClientFor(node_->address(), "agency-a", "auditor"));
  std::vector<v1::AuditEntry> entries;
  v1::ListEntriesRequest request;
  ASSERT_TRUE(auditor
                  ->ListEntries(request,
                                [&](const v1::AuditEntryBytes& listed) {
                                  entries.emplace_back().ParseFromString(listed.entry());
                                  return true;
                                })
                  .ok());
  bool policy_loaded = false, denial_audited = false;
  for (const auto& entry : entries) {
    policy_loaded |= entry.action() == v1::AUDIT_ACTION_POLICY_LOAD &&
                     entry.outcome() == v1::AUDIT_OUTCOME_OK &&
                     absl::StrContains(entry.detail(), "policy 'test policy' with 3 rules");
    if (entry.action() == v1::AUDIT_ACTION_GET && entry.actor().agency_id() == "agency-c") {
      ASSERT_EQ(entry.decisions_size(), 1);
      EXPECT_EQ(entry.decisions(0).effect(), "deny");
      EXPECT_EQ(entry.decisions(0).rules(0), "policy:default-deny");
      EXPECT_EQ(entry.outcome(), v1::AUDIT_OUTCOME_REFUSED);
      denial_audited = true;
    }
  }
  EXPECT_TRUE(policy_loaded);
  EXPECT_TRUE(denial_audited);
}

TEST_F(PolicyIntegrationTest, BrokenPolicyOnSighupKeepsTheOldOneAndAGoodReloadTakesEffect) {
  std::ofstream(dir_.File("policy.textproto")) << "rules { id: \"x\" effect: EFFECT_PERMT }\n";
  auto before = [&] { return absl::StrContains(node_->ReadLog(), "policy load refused"); };
  ASSERT_FALSE(before());
  kill(node_->pid(), SIGHUP);
  ASSERT_TRUE(testing::WaitFor(before));
  EXPECT_TRUE(absl::StrContains(node_->ReadLog(), "EFFECT_PERMT"));
  EXPECT_EQ(Pulled("agency-b").size(), 2u);  // the old policy still decides

  // An admin reload of a policy that gives agency-b nothing takes effect at once.
  std::ofstream(dir_.File("policy.textproto")) << "name: \"closed\"\n";
  auto admin = *AdminClient::Create(ClientFor(node_->address(), "agency-a", "admin"));
  auto reloaded = admin->ReloadPolicy();
  ASSERT_TRUE(reloaded.ok()) << reloaded.status();
  EXPECT_EQ(reloaded->policy_name(), "closed");
  EXPECT_EQ(Pulled("agency-b").size(), 0u);
  // Only the admin role of the node's own agency may reload.
  auto analyst = *AdminClient::Create(ClientFor(node_->address(), "agency-a", "analyst"));
  EXPECT_TRUE(absl::IsPermissionDenied(analyst->ReloadPolicy().status()));
}

TEST_F(PolicyIntegrationTest, ExplainShowsEveryRule) {
  auto admin = *AdminClient::Create(ClientFor(node_->address(), "agency-a", "analyst"));
  v1::ExplainDecisionRequest request;
  request.set_record_id(ids_[0]);
  request.set_recipient("agency-c");
  auto explained = admin->ExplainDecision(request);
  ASSERT_TRUE(explained.ok()) << explained.status();
  EXPECT_EQ(explained->effect_name(), "deny");
  std::string text = absl::StrJoin(explained->explanation(), "\n");
  EXPECT_TRUE(absl::StrContains(text,
                                "rule 'west-without-persons' (permit): no match: "
                                "recipient.groups"))
      << text;
  EXPECT_TRUE(absl::StrContains(text, "rule 'east-hybrid' (permit): no match: record.nexus_types"))
      << text;
  auto outsider = *AdminClient::Create(ClientFor(node_->address(), "agency-b", "analyst"));
  EXPECT_TRUE(absl::IsPermissionDenied(outsider->ExplainDecision(request).status()));
}

}  // namespace
}  // namespace nexus
