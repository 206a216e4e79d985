// The TAXII 2.1 endpoint of a real nexusd, checked by an independent client in another language
// (tests/taxii_client_check.py, python3-requests) over mutual TLS: discovery to objects and back,
// paging while records are published, filters, versions, writes and their status, every error
// code, each agency's exact policy view, and who is refused. Then the node's audit log is read:
// every TAXII read and refusal is in it.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "client/audit_client.h"
#include "client/nexus_client.h"
#include "tests/federation_harness.h"
#include "tests/interop_data.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

using testing::ClientFor;

constexpr char kAll[] = "0b7f2c1e-4f6a-4e1b-9a53-7d2c8e9f1a01";
constexpr char kWritable[] = "0b7f2c1e-4f6a-4e1b-9a53-7d2c8e9f1a02";
constexpr int kMaxContentBytes = 65536;

v1::Record Draft(const std::string& label, v1::Tlp tlp, v1::DistributionScope scope,
                 const std::vector<std::string>& named = {}) {
  v1::Record record = testing::SampleDraft({{v1::INDICATOR_TYPE_PHONE, "+33 6 12 34 56 78"}});
  record.set_tlp(tlp);
  record.mutable_distribution()->set_scope(scope);
  for (const std::string& agency : named) record.mutable_distribution()->add_agencies(agency);
  record.set_summary("Record " + label + ".");
  return record;
}

TEST(TaxiiIntegrationTest, AnIndependentClientGetsEachAgencysViewAndEveryErrorCode) {
  const std::string schemas = testing::StixSchemaDir();
  if (schemas.empty()) GTEST_SKIP() << testing::kNoInteropData;
  testing::TempDir dir;
  const std::string policy = dir.File("policy.textproto");
  // Everything to agency-b, within what each record's originator allows; nothing to agency-c.
  std::ofstream(policy) << testing::kEverythingToAgencyB;
  const std::string extra =
      absl::StrCat("policy_file: \"", policy, "\"\n", "taxii { listen_address: \"127.0.0.1:0\" ",
                   "max_content_bytes: ", kMaxContentBytes, " collections { id: \"", kAll,
                   "\" title: \"All\" } collections { id: \"", kWritable,
                   "\" title: \"Alliances\" nexus_types: NEXUS_TYPE_ALLIANCE writable: true } }\n");
  testing::NexusdProcess node(testing::WriteNodeConfig(dir.path(), "agency-a", extra));
  ASSERT_TRUE(node.ok()) << node.ReadLog();
  const int taxii_port = testing::TaxiiPortFromLog(node.ReadLog());
  ASSERT_NE(taxii_port, 0) << node.ReadLog();
  const std::string url = absl::StrCat("https://127.0.0.1:", taxii_port);

  auto analyst = *NexusClient::Create(ClientFor(node.address(), "agency-a"));
  absl::StatusOr<std::vector<v1::PublishResult>> published = analyst->Publish(
      {Draft("one", v1::TLP_GREEN, v1::DISTRIBUTION_SCOPE_FEDERATION),
       Draft("two", v1::TLP_GREEN, v1::DISTRIBUTION_SCOPE_FEDERATION),
       Draft("three", v1::TLP_GREEN, v1::DISTRIBUTION_SCOPE_FEDERATION),
       Draft("for-c", v1::TLP_AMBER, v1::DISTRIBUTION_SCOPE_NAMED_AGENCIES, {"agency-c"})});
  ASSERT_TRUE(published.ok()) << published.status();
  std::vector<std::string> all, to_b;
  for (size_t i = 0; i < published->size(); ++i) {
    ASSERT_EQ((*published)[i].outcome(), v1::PUBLISH_OUTCOME_STORED);
    all.push_back(absl::StrCat("\"", (*published)[i].id(), "\""));
    if (i < 3) to_b.push_back(all.back());
  }
  const std::string state = dir.File("state.json");
  std::ofstream(state) << "{\"collection_all\":\"" << kAll << "\",\"collection_writable\":\""
                       << kWritable << "\",\"max_content_bytes\":" << kMaxContentBytes
                       << ",\"visible_to_a\":[" << absl::StrJoin(all, ",") << "],\"visible_to_b\":["
                       << absl::StrJoin(to_b, ",") << "]}";
  std::string out;
  const int rc = testing::RunCommand(
      absl::StrCat("/usr/bin/python3 ", NEXUS_SOURCE_DIR, "/tests/taxii_client_check.py ", url, " ",
                   testing::TestPki(), " ", schemas, " ", state),
      &out);
  EXPECT_EQ(rc, 0) << out << "\n--- node log ---\n" << node.ReadLog();
  EXPECT_TRUE(absl::StrContains(out, "all checks passed")) << out;
  std::printf("%s", out.c_str());  // the client's checks, in the test's log

  // Every TAXII page read and every refusal is in the audit log, with who asked.
  auto auditor = *AuditClient::Create(ClientFor(node.address(), "agency-a", "auditor"));
  std::vector<v1::AuditEntry> entries;
  absl::Status listed = auditor->ListEntries({}, [&](const v1::AuditEntryBytes& bytes) {
    entries.emplace_back().ParseFromString(bytes.entry());
    return true;
  });
  ASSERT_TRUE(listed.ok()) << listed;
  int pages_to_b = 0, refusals = 0;
  for (const v1::AuditEntry& entry : entries) {
    if (!absl::StartsWith(entry.detail(), "TAXII")) continue;
    if (entry.actor().agency_id() == "agency-b" && entry.action() == v1::AUDIT_ACTION_PULL &&
        entry.outcome() == v1::AUDIT_OUTCOME_OK) {
      ++pages_to_b;
    }
    if (entry.outcome() == v1::AUDIT_OUTCOME_REFUSED) ++refusals;
  }
  EXPECT_GT(pages_to_b, 0);
  EXPECT_GE(refusals, 8);  // the auditor, the outsider, 403s, 413, 415, 406, 400s
}

}  // namespace
}  // namespace nexus
