// Audit entries of a real nexusd stay bounded and listable whatever callers send: reads over many
// hidden records, request text of megabytes, and entries larger than one streamed page.
#include <gtest/gtest.h>

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/audit_client.h"
#include "client/nexus_client.h"
#include "nexus/v1/audit.pb.h"
#include "server/audit_entry_bounds.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

using testing::ClientFor;
using testing::SampleDraft;

// agency-b (region-west) receives everything; agency-c (region-east) nothing.
constexpr char kPolicy[] = R"(name: "west only"
rules { id: "west" effect: EFFECT_PERMIT recipient { groups: "region-west" } }
)";

class AuditBoundsTest : public ::testing::Test {
 protected:
  void Start(const std::string& limits = "") {
    std::ofstream(dir_.File("policy.textproto")) << kPolicy;
    node_ = std::make_unique<testing::NexusdProcess>(testing::WriteNodeConfig(
        dir_.path(), "agency-a",
        absl::StrCat("policy_file: \"", dir_.File("policy.textproto"), "\"\n",
                     "audit { oversight_agencies: \"agency-c\" }\n", limits)));
    ASSERT_TRUE(node_->ok()) << node_->ReadLog();
  }
  std::unique_ptr<NexusClient> Client(const std::string& agency) {
    return *NexusClient::Create(ClientFor(node_->address(), agency));
  }
  void PublishMany(int count, int batch) {
    auto client = Client("agency-a");
    for (int done = 0; done < count; done += batch) {
      std::vector<v1::Record> drafts;
      for (int i = done; i < std::min(count, done + batch); ++i) {
        drafts.push_back(SampleDraft({{v1::INDICATOR_TYPE_PHONE, absl::StrCat("+3361", i)}}));
      }
      auto results = client->Publish(drafts);
      ASSERT_TRUE(results.ok()) << results.status();
      for (const auto& result : *results) ASSERT_EQ(result.outcome(), v1::PUBLISH_OUTCOME_STORED);
    }
  }
  // How many records `agency` receives by pulling everything.
  int Pulled(const std::string& agency) {
    int received = 0;
    absl::Status pulled = Client(agency)->Pull({}, [&](const v1::PullResponse&) {
      ++received;
      return true;
    });
    EXPECT_TRUE(pulled.ok()) << pulled;
    return received;
  }
  // Every entry as listed by an oversight auditor, with its serialized size.
  std::vector<std::pair<v1::AuditEntry, size_t>> Entries() {
    std::vector<std::pair<v1::AuditEntry, size_t>> entries;
    auto auditor = *AuditClient::Create(ClientFor(node_->address(), "agency-c", "auditor"));
    absl::Status listed = auditor->ListEntries({}, [&](const v1::AuditEntryBytes& bytes) {
      v1::AuditEntry entry;
      EXPECT_TRUE(entry.ParseFromString(bytes.entry())) << "entry " << bytes.index();
      entries.emplace_back(std::move(entry), bytes.entry().size());
      return true;
    });
    EXPECT_TRUE(listed.ok()) << listed;
    return entries;
  }
  int Nexusctl(const std::string& command, std::string* output) {
    const std::string& pki = testing::TestPki();
    return testing::RunCommand(
        absl::StrCat(NEXUS_NEXUSCTL_PATH, " --target ", node_->address(), " --ca ", pki,
                     "/ca.crt --cert ", pki, "/agency-c/auditor.crt --key ", pki,
                     "/agency-c/auditor.key --keys ", pki, "/keys --witness ", dir_.File("witness"),
                     " ", command),
        output);
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::NexusdProcess> node_;
};

TEST_F(AuditBoundsTest, APullOverHiddenRecordsCountsThemInSmallEntries) {
  Start();
  constexpr int kRecords = 3000;
  PublishMany(kRecords, 500);
  EXPECT_EQ(Pulled("agency-c"), 0);
  EXPECT_EQ(Pulled("agency-b"), kRecords);

  uint64_t hidden_counted = 0, sent_listed = 0, targets = 0;
  for (const auto& [entry, size] : Entries()) {
    if (entry.action() != v1::AUDIT_ACTION_PULL) continue;
    if (entry.actor().agency_id() == "agency-c") {
      EXPECT_LT(size, 4096u) << entry.ShortDebugString().substr(0, 500);
      EXPECT_EQ(entry.decisions_size(), 0);  // nothing left the node
      for (const auto& count : entry.decision_counts()) {
        EXPECT_EQ(count.effect(), "deny");
        hidden_counted += count.count();
      }
    } else if (entry.actor().agency_id() == "agency-b") {
      EXPECT_EQ(entry.decisions_size(), entry.targets_size());  // one decision per record sent
      sent_listed += entry.decisions_size();
      targets += entry.targets_size();
      EXPECT_EQ(entry.omitted(), 0u);
    }
  }
  EXPECT_EQ(hidden_counted, static_cast<uint64_t>(kRecords));
  EXPECT_EQ(sent_listed, static_cast<uint64_t>(kRecords));
  EXPECT_EQ(targets, static_cast<uint64_t>(kRecords));

  std::string output;
  EXPECT_EQ(Nexusctl("audit verify", &output), 0) << output;
}

TEST_F(AuditBoundsTest, MegabytesOfRequestTextMakeBoundedEntriesThatVerify) {
  Start();
  auto client = Client("agency-b");
  const std::string huge_id(2'200'000, 'a');
  EXPECT_FALSE(client->Get(huge_id, 0).ok());
  for (int i = 0; i < 4; ++i) {
    v1::SearchRequest search;
    search.set_type(v1::INDICATOR_TYPE_PHONE);
    search.set_value(std::string(1 << 20, static_cast<char>('0' + i)));
    EXPECT_FALSE(client->Search(search).ok());
  }
  bool found_get = false;
  int found_searches = 0;
  for (const auto& [entry, size] : Entries()) {
    EXPECT_LE(size, kMaxAuditEntryBytes);
    if (entry.action() == v1::AUDIT_ACTION_GET) {
      found_get = true;
      ASSERT_EQ(entry.targets_size(), 1);
      EXPECT_LE(entry.targets(0).record_id().size(), 128u);
      EXPECT_TRUE(absl::StrContains(entry.targets(0).record_id(), "[cut: 2200000 bytes, sha256 "))
          << entry.targets(0).record_id();
      EXPECT_LE(entry.error().size(), 2048u);
    }
    if (entry.action() == v1::AUDIT_ACTION_SEARCH) {
      ++found_searches;
      EXPECT_TRUE(absl::StrContains(entry.detail(), "[cut: ")) << entry.detail().substr(0, 200);
    }
  }
  EXPECT_TRUE(found_get);
  EXPECT_EQ(found_searches, 4);
  std::string output;
  EXPECT_EQ(Nexusctl("audit verify", &output), 0) << output;
  EXPECT_EQ(Nexusctl("audit list --limit 100", &output), 0) << output;
}

TEST_F(AuditBoundsTest, EntriesLargerThanAStreamedPageArriveWhole) {
  // 32 KiB messages: pages of 16 KiB, while a pull page's entry (256 records sent, each with
  // its target and decision) is larger.
  Start("limits { max_message_bytes: 32768 }\n");
  PublishMany(300, 20);
  ASSERT_EQ(Pulled("agency-b"), 300);
  size_t largest = 0;
  for (const auto& [entry, size] : Entries()) largest = std::max(largest, size);
  EXPECT_GT(largest, 16384u) << "no entry needs pieces: the test proves nothing";
  std::string output;
  EXPECT_EQ(Nexusctl("audit verify", &output), 0) << output;
}

}  // namespace
}  // namespace nexus
