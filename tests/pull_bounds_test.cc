// A pull's work is bounded by what it returns: a reader for whom the node holds many records it
// may not see gets calls that each pass over a bounded number of them (the cursor moving past
// them), not one call whose time grows with all it is not shown. Asserted on what the node did,
// from its audit entries, not on timings.
#include <gtest/gtest.h>

#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "client/audit_client.h"
#include "client/nexus_client.h"
#include "common/record_seal.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

using testing::ClientFor;
using testing::SampleDraft;

constexpr int kHidden = 1000;

class PullBoundsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // agency-b receives the records tagged "for-b", nothing else.
    config_ = testing::WriteNodeConfigWithPolicy(dir_.path(), "agency-a", R"pb(
      name: "tagged for agency-b"
      rules {
        id: "for-b"
        effect: EFFECT_PERMIT
        recipient { agencies: "agency-b" }
        record { tags: "for-b" }
      }
    )pb");
    node_ = std::make_unique<testing::NexusdProcess>(config_);
    ASSERT_TRUE(node_->ok()) << node_->ReadLog();
    auto publisher = *NexusClient::Create(ClientFor(node_->address(), "agency-a"));
    std::vector<v1::Record> hidden(kHidden, SampleDraft());
    ASSERT_TRUE(publisher->PublishStream(hidden, 500).ok());
    v1::Record shared = SampleDraft();
    shared.mutable_tags()->add_values("for-b");
    auto published = publisher->Publish({shared});
    ASSERT_TRUE(published.ok());
    shared_id_ = (*published)[0].id();
  }

  // The positions each PULL entry of agency-b says its page considered.
  std::vector<uint64_t> ConsideredPerPage() {
    std::vector<uint64_t> considered;
    auto auditor = *AuditClient::Create(ClientFor(node_->address(), "agency-a", "auditor"));
    v1::ListEntriesRequest request;
    request.mutable_filter()->set_action(v1::AUDIT_ACTION_PULL);
    request.mutable_filter()->set_actor_agency("agency-b");
    EXPECT_TRUE(auditor
                    ->ListEntries(request,
                                  [&](const v1::AuditEntryBytes& bytes) {
                                    v1::AuditEntry entry;
                                    entry.ParseFromString(bytes.entry());
                                    // "feed positions A to B; N records considered"
                                    for (absl::string_view part :
                                         absl::StrSplit(entry.detail(), "; ")) {
                                      uint64_t n = 0;
                                      if (absl::EndsWith(part, " records considered") &&
                                          absl::SimpleAtoi(
                                              absl::StripSuffix(part, " records considered"), &n)) {
                                        considered.push_back(n);
                                      }
                                    }
                                    return true;
                                  })
                    .ok());
    return considered;
  }

  testing::TempDir dir_;
  std::string config_;
  std::unique_ptr<testing::NexusdProcess> node_;
  std::string shared_id_;
};

TEST_F(PullBoundsTest, EachCallPassesOverABoundedNumberOfHiddenRecords) {
  auto reader = *NexusClient::Create(ClientFor(node_->address(), "agency-b"));
  std::vector<std::string> received;
  NexusClient::PullInfo info;
  ASSERT_TRUE(reader
                  ->Pull(
                      {},
                      [&](const v1::PullResponse& response) {
                        received.push_back(PeekHeader(response.record())->id());
                        return true;
                      },
                      &info)
                  .ok());
  // Everything agency-b may see, and nothing else, however many calls it took.
  EXPECT_EQ(received, std::vector<std::string>{shared_id_});
  // 1001 positions at most 257 a call (the bound: 256 beyond four per record returned).
  EXPECT_EQ(info.calls, 4u);
  std::vector<uint64_t> considered = ConsideredPerPage();
  ASSERT_EQ(considered.size(), 4u);
  for (uint64_t n : considered) EXPECT_LE(n, 257u + 4u);
  uint64_t total = 0;
  for (uint64_t n : considered) total += n;
  EXPECT_EQ(total, static_cast<uint64_t>(kHidden + 1));
}

TEST_F(PullBoundsTest, TheNodesOwnAgencyReadsToTheEndInOneCall) {
  auto own = *NexusClient::Create(ClientFor(node_->address(), "agency-a"));
  uint64_t received = 0;
  NexusClient::PullInfo info;
  ASSERT_TRUE(own->Pull(
                     {}, [&](const v1::PullResponse&) { return ++received > 0; }, &info)
                  .ok());
  EXPECT_EQ(received, static_cast<uint64_t>(kHidden + 1));
  EXPECT_EQ(info.calls, 1u);
  EXPECT_EQ(info.resume, static_cast<uint64_t>(kHidden + 1));
}

// A reader that resumes from the cursor of a call that stopped early loses and repeats nothing.
TEST_F(PullBoundsTest, ResumingFromTheCursorOfAStoppedCallRepeatsNothing) {
  auto reader = *NexusClient::Create(ClientFor(node_->address(), "agency-b"));
  v1::PullRequest request;
  request.set_limit(1);
  NexusClient::PullInfo first;
  uint64_t received = 0;
  ASSERT_TRUE(reader
                  ->Pull(
                      request, [&](const v1::PullResponse&) { return ++received > 0; }, &first)
                  .ok());
  EXPECT_EQ(received, 1u);
  request.set_since(first.resume);
  NexusClient::PullInfo second;
  ASSERT_TRUE(reader
                  ->Pull(
                      request, [&](const v1::PullResponse&) { return ++received > 0; }, &second)
                  .ok());
  EXPECT_EQ(received, 1u);
  EXPECT_EQ(second.calls, 1u);
}

// Opaque cursors are shown short ("~" and base 36) and taken back in that form; a cursor beyond
// the end of the feed is said to be, not answered with nothing.
TEST_F(PullBoundsTest, CursorsArePrintedShortAndOnesBeyondTheEndAreRefused) {
  const std::string& pki = testing::TestPki();
  auto nexusctl = [&](const std::string& agency, const std::string& args, std::string* output) {
    return testing::RunCommand(
        absl::StrCat(NEXUS_NEXUSCTL_PATH, " --target ", node_->address(), " --ca ", pki,
                     "/ca.crt --cert ", pki, "/", agency, "/analyst.crt --key ", pki, "/", agency,
                     "/analyst.key --keys ", pki, "/keys ", args),
        output);
  };
  std::string output;
  ASSERT_EQ(nexusctl("agency-b", "pull --since 0", &output), 0) << output;
  size_t at = output.find("resume with --since ~");
  ASSERT_NE(at, std::string::npos) << output;
  std::string cursor = output.substr(at + 20);
  cursor = cursor.substr(0, cursor.find('\n'));
  EXPECT_LE(cursor.size(), 14u) << cursor;
  EXPECT_TRUE(absl::StrContains(output, "cursor:      ~")) << output;
  ASSERT_EQ(nexusctl("agency-b", "pull --since " + cursor, &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "0 records")) << output;
  EXPECT_EQ(nexusctl("agency-a", "pull --since 99999", &output), 1) << output;
  EXPECT_TRUE(absl::StrContains(output,
                                "cursor 99999 is beyond the end of this node's feed (its "
                                "last position is 1001)"))
      << output;
  EXPECT_EQ(nexusctl("agency-b", "pull --since 12345", &output), 1) << output;
  EXPECT_TRUE(absl::StrContains(output, "not one this node gave your agency")) << output;
  EXPECT_FALSE(absl::StrContains(output, "1001")) << output;
}

}  // namespace
}  // namespace nexus
