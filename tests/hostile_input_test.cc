// A real node over real gRPC, sent what an attacker would send: enum numbers the schema does not
// define, ids of kilobytes and megabytes, oversized texts. Each is refused with the field named,
// audited, and answered with a short message; nothing is stored.
#include <gtest/gtest.h>

#include <functional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/audit_client.h"
#include "client/nexus_client.h"
#include "nexus/v1/audit.pb.h"
#include "server/caller.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

using testing::ClientFor;

// Undefined for every enum a record or request carries (9 is added where it is undefined).
constexpr int kHostileValues[] = {-1, 17, 99, 1000};
constexpr size_t kShortMessage = 1200;  // the node caps status messages at 1 KiB plus a marker

class HostileInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    node_ =
        std::make_unique<testing::NexusdProcess>(testing::WriteNodeConfig(dir_.path(), "agency-a"));
    ASSERT_TRUE(node_->ok()) << node_->ReadLog();
    auto client = NexusClient::Create(ClientFor(node_->address(), "agency-a"));
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
    auto audit = AuditClient::Create(ClientFor(node_->address(), "agency-a"));
    ASSERT_TRUE(audit.ok()) << audit.status();
    audit_ = *std::move(audit);
  }

  size_t Stored() {
    size_t count = 0;
    absl::Status status = client_->Pull(v1::PullRequest(), [&](const v1::PullResponse&) {
      ++count;
      return true;
    });
    EXPECT_TRUE(status.ok()) << status;
    return count;
  }

  // Refused entries of `action` in the audit log.
  std::vector<v1::AuditEntry> Refused(v1::AuditAction action) {
    std::vector<v1::AuditEntry> refused;
    v1::ListEntriesRequest request;
    request.mutable_filter()->set_action(action);
    request.mutable_filter()->set_outcome(v1::AUDIT_OUTCOME_REFUSED);
    absl::Status status = audit_->ListEntries(request, [&](const v1::AuditEntryBytes& bytes) {
      v1::AuditEntry entry;
      EXPECT_TRUE(entry.ParseFromString(bytes.entry()));
      refused.push_back(entry);
      return true;
    });
    EXPECT_TRUE(status.ok()) << status;
    return refused;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::NexusdProcess> node_;
  std::unique_ptr<NexusClient> client_;
  std::unique_ptr<AuditClient> audit_;
};

TEST_F(HostileInputTest, PublishWithUndefinedEnumValuesIsRefusedNamingTheFieldStoringNothing) {
  const std::vector<std::pair<std::string, std::function<void(v1::Record&, int)>>> fields = {
      {"tlp", [](v1::Record& r, int v) { r.set_tlp(static_cast<v1::Tlp>(v)); }},
      {"distribution.scope",
       [](v1::Record& r, int v) {
         r.mutable_distribution()->set_scope(static_cast<v1::DistributionScope>(v));
       }},
      {"assessment.nexus_type",
       [](v1::Record& r, int v) {
         r.mutable_assessment()->set_nexus_type(static_cast<v1::NexusType>(v));
       }},
      {"assessment.watch_points[1]",
       [](v1::Record& r, int v) {
         r.mutable_assessment()->add_watch_points(static_cast<v1::WatchPoint>(v));
       }},
      {"assessment.source_reliability",
       [](v1::Record& r, int v) {
         r.mutable_assessment()->set_source_reliability(static_cast<v1::SourceReliability>(v));
       }},
      {"assessment.information_credibility",
       [](v1::Record& r, int v) {
         r.mutable_assessment()->set_information_credibility(
             static_cast<v1::InformationCredibility>(v));
       }},
      {"indicators[1].type",
       [](v1::Record& r, int v) {
         v1::Indicator* indicator = r.add_indicators();
         indicator->set_type(static_cast<v1::IndicatorType>(v));
         indicator->set_value("+33 6 12 34 56 78");
       }},
  };
  std::vector<v1::Record> drafts;
  std::vector<std::string> expected;
  for (const auto& [name, set] : fields) {
    std::vector<int> values(std::begin(kHostileValues), std::end(kHostileValues));
    // 9 is a defined watch point and indicator type, a grade, TLP, scope or nexus type nowhere.
    if (!absl::StrContains(name, "[")) values.push_back(9);
    for (int value : values) {
      v1::Record draft = testing::SampleDraft();
      set(draft, value);
      drafts.push_back(draft);
      expected.push_back(absl::StrCat(name, ": ", value, " is not a defined value"));
    }
  }
  auto results = client_->Publish(drafts);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), drafts.size());
  for (size_t i = 0; i < drafts.size(); ++i) {
    const v1::PublishResult& result = (*results)[i];
    EXPECT_EQ(result.outcome(), v1::PUBLISH_OUTCOME_REJECTED) << expected[i];
    EXPECT_EQ(result.code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
    EXPECT_TRUE(absl::StrContains(result.error(), expected[i])) << result.error();
  }
  EXPECT_EQ(Stored(), 0u);
  EXPECT_EQ(Refused(v1::AUDIT_ACTION_PUBLISH).size(), drafts.size());

  // The control: the same draft without a hostile value is stored.
  auto stored = client_->Publish({testing::SampleDraft()});
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ((*stored)[0].outcome(), v1::PUBLISH_OUTCOME_STORED) << (*stored)[0].error();
  EXPECT_EQ(Stored(), 1u);
}

TEST_F(HostileInputTest, RequestsWithUndefinedEnumValuesAreRefusedAndAudited) {
  for (int value : kHostileValues) {
    v1::SearchRequest search;
    search.set_value("+33 6 12 34 56 78");
    search.set_type(static_cast<v1::IndicatorType>(value));
    auto found = client_->Search(search);
    ASSERT_EQ(found.status().code(), absl::StatusCode::kInvalidArgument) << found.status();
    EXPECT_TRUE(absl::StrContains(found.status().message(),
                                  absl::StrCat("type: ", value, " is not a defined value")))
        << found.status();

    v1::PullRequest pull;
    pull.add_nexus_types(v1::NEXUS_TYPE_HYBRID);
    pull.add_nexus_types(static_cast<v1::NexusType>(value));
    absl::Status pulled = client_->Pull(pull, [](const v1::PullResponse&) { return true; });
    ASSERT_EQ(pulled.code(), absl::StatusCode::kInvalidArgument) << pulled;
    EXPECT_TRUE(absl::StrContains(pulled.message(), absl::StrCat("nexus_types[1]: ", value)))
        << pulled;

    v1::PullRequest by_type;
    by_type.add_indicator_types(static_cast<v1::IndicatorType>(value));
    pulled = client_->Pull(by_type, [](const v1::PullResponse&) { return true; });
    EXPECT_TRUE(absl::StrContains(pulled.message(), absl::StrCat("indicator_types[0]: ", value)))
        << pulled;

    v1::ListEntriesRequest list;
    list.mutable_filter()->set_action(static_cast<v1::AuditAction>(value + 100));
    absl::Status listed =
        audit_->ListEntries(list, [](const v1::AuditEntryBytes&) { return true; });
    ASSERT_EQ(listed.code(), absl::StatusCode::kInvalidArgument) << listed;
    EXPECT_TRUE(absl::StrContains(listed.message(), absl::StrCat("filter.action: ", value + 100)))
        << listed;
    list.mutable_filter()->set_action(v1::AUDIT_ACTION_GET);
    list.mutable_filter()->set_outcome(static_cast<v1::AuditOutcome>(value));
    listed = audit_->ListEntries(list, [](const v1::AuditEntryBytes&) { return true; });
    EXPECT_TRUE(absl::StrContains(listed.message(), absl::StrCat("filter.outcome: ", value)))
        << listed;
  }
  // Every refusal is in the log with its code and reason.
  for (auto [action, count, reason] :
       {std::tuple{v1::AUDIT_ACTION_SEARCH, 4u, "is not a defined value"},
        {v1::AUDIT_ACTION_PULL, 8u, "is not a defined value"},
        {v1::AUDIT_ACTION_AUDIT_READ, 8u, "is not a defined value"}}) {
    std::vector<v1::AuditEntry> refused = Refused(action);
    ASSERT_EQ(refused.size(), count) << v1::AuditAction_Name(action);
    for (const v1::AuditEntry& entry : refused) {
      EXPECT_EQ(entry.code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
      EXPECT_TRUE(absl::StrContains(entry.error(), reason)) << entry.error();
    }
  }
  // The log says what was asked, not a defined type in its place.
  EXPECT_TRUE(absl::StrContains(Refused(v1::AUDIT_ACTION_SEARCH)[0].detail(), "undefined(-1)"))
      << Refused(v1::AUDIT_ACTION_SEARCH)[0].detail();
  // The control: the same requests with defined values are answered.
  v1::SearchRequest search;
  search.set_value("+33 6 12 34 56 78");
  search.set_type(v1::INDICATOR_TYPE_PHONE);
  EXPECT_TRUE(client_->Search(search).ok());
  v1::PullRequest pull;
  pull.add_nexus_types(v1::NEXUS_TYPE_HYBRID);
  EXPECT_TRUE(client_->Pull(pull, [](const v1::PullResponse&) { return true; }).ok());
}

TEST_F(HostileInputTest, HugeIdsGetAShortInvalidArgumentNotATransportError) {
  for (size_t size : {size_t{100}, size_t{8 * 1024}, size_t{70 * 1024}, size_t{2 * 1024 * 1024}}) {
    std::string id = absl::StrCat("\x1b[31m", std::string(size, 'i'));
    auto got = client_->Get(id, 0);
    ASSERT_EQ(got.status().code(), absl::StatusCode::kInvalidArgument) << size << got.status();
    EXPECT_LT(got.status().message().size(), kShortMessage) << size;
    EXPECT_TRUE(absl::StrContains(got.status().message(), "is not a lower-case UUID"));
    EXPECT_TRUE(absl::StrContains(got.status().message(), "\\x1b[31m"));
    EXPECT_FALSE(absl::StrContains(got.status().message(), "\x1b"));
    if (size > 100) {
      EXPECT_TRUE(absl::StrContains(got.status().message(), "more bytes)")) << got.status();
    }

    auto revoked = client_->Revoke(id, "because");
    ASSERT_EQ(revoked.status().code(), absl::StatusCode::kInvalidArgument) << revoked.status();
    EXPECT_LT(revoked.status().message().size(), kShortMessage);
  }
  // The calls were refused, not lost: each is in the log.
  EXPECT_EQ(Refused(v1::AUDIT_ACTION_GET).size(), 4u);
}

TEST_F(HostileInputTest, PublishErrorsAreBoundedWhateverTheInput) {
  v1::Record tagged = testing::SampleDraft();
  tagged.mutable_tags()->add_values(std::string(100 * 1024, 't'));
  v1::Record many = testing::SampleDraft();
  many.mutable_indicators()->Clear();
  for (int i = 0; i < 1000; ++i) {
    v1::Indicator* indicator = many.add_indicators();
    indicator->set_type(v1::INDICATOR_TYPE_IPV4);
    indicator->set_value(absl::StrCat("300.0.0.", i, std::string(100, '9')));
  }
  v1::Record as_other = testing::SampleDraft();
  as_other.set_origin_agency(std::string(64 * 1024, 'o'));
  v1::Record repeated = testing::SampleDraft();
  repeated.mutable_tags()->add_values("\xc2\x9b" + std::string(250, 'r'));  // C1 CSI first
  repeated.mutable_tags()->add_values("\xc2\x9b" + std::string(250, 'r'));
  auto results = client_->Publish({tagged, many, as_other, repeated});
  ASSERT_TRUE(results.ok()) << results.status();
  for (const v1::PublishResult& result : *results) {
    EXPECT_EQ(result.outcome(), v1::PUBLISH_OUTCOME_REJECTED);
    EXPECT_LT(result.error().size(), 4096u) << result.error().substr(0, 200);
    EXPECT_FALSE(absl::StrContains(result.error(), "\xc2\x9b"));
  }
  EXPECT_TRUE(absl::StrContains((*results)[0].error(), "tags[1] is longer than 256 bytes"))
      << (*results)[0].error();
  EXPECT_TRUE(absl::StrContains((*results)[1].error(), "more problems")) << (*results)[1].error();
  EXPECT_TRUE(absl::StrContains((*results)[2].error(), "more bytes)")) << (*results)[2].error();
  EXPECT_TRUE(absl::StrContains((*results)[3].error(), "tags[2] repeats '\\u009brrr"))
      << (*results)[3].error();
  EXPECT_EQ(Stored(), 0u);
}

TEST(ToGrpcTest, StatusMessagesFitATrailerWhateverTheyQuote) {
  grpc::Status status = ToGrpc(absl::InvalidArgumentError(std::string(3 * 1024 * 1024, 'x')));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LE(status.error_message().size(), kMaxStatusMessageBytes + 32);
  EXPECT_TRUE(absl::StrContains(status.error_message(), "…(3144704 more bytes)"))
      << status.error_message().substr(1000);
  EXPECT_EQ(ToGrpc(absl::NotFoundError("short")).error_message(), "short");
}

}  // namespace
}  // namespace nexus
