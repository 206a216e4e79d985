// Why and who, in the audit log (EU Directive 2016/680 Art. 25: the justification and the person
// of every consultation and disclosure), with a real node, the real nexusctl and a raw gRPC
// client: the purpose a person gives and the person's name from its certificate are in every
// entry of the call; a node that requires a purpose refuses (and audits) a call without one; a
// hostile purpose is refused wherever it comes from and never reaches the log as it was sent;
// and an auditor finds entries by actor, person, purpose and several actions.
#include <grpcpp/client_context.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/audit_client.h"
#include "client/channel.h"
#include "common/purpose.h"
#include "nexus/v1/agency_service.grpc.pb.h"
#include "tests/audit_fixtures.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

constexpr char kPurpose[] = "CASE-2026-0042 enquête stupéfiants, réquisition 17/3";

class AuditPurposeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // agency-c oversees; gets must say why.
    config_ = testing::WriteNodeConfig(
        dir_.path(), "agency-a",
        "audit { oversight_agencies: \"agency-c\" require_purpose_for: AUDIT_ACTION_GET }\n");
    node_ = std::make_unique<testing::NexusdProcess>(config_);
    ASSERT_TRUE(node_->ok()) << node_->ReadLog();
  }
  // nexusctl as `agency`'s `role`, with `env` before it (e.g. NEXUS_PURPOSE=...).
  int Run(const std::string& args, std::string* output, const std::string& env = "",
          const std::string& agency = "agency-a", const std::string& role = "analyst") {
    const std::string& pki = testing::TestPki();
    return testing::RunCommand(
        absl::StrCat(env, " ", NEXUS_NEXUSCTL_PATH, " --target ", node_->address(), " --ca ", pki,
                     "/ca.crt --cert ", pki, "/", agency, "/", role, ".crt --key ", pki, "/",
                     agency, "/", role, ".key --keys ", pki, "/keys ", args),
        output);
  }
  std::vector<v1::AuditEntry> Entries(const v1::AuditFilter& filter = {}) {
    auto auditor = AuditClient::Create(testing::ClientFor(node_->address(), "agency-c", "auditor"));
    EXPECT_TRUE(auditor.ok());
    return testing::ListAuditEntries(**auditor, filter);
  }
  // AgencyService.Get of `id` with `purposes` as raw metadata values, as a client that shares no
  // code with nexusctl would send them.
  grpc::Status RawGet(const std::string& id, const std::vector<std::string>& purposes) {
    auto channel = OpenChannel(testing::ClientFor(node_->address(), "agency-a"));
    EXPECT_TRUE(channel.ok());
    auto stub = v1::AgencyService::NewStub(*channel);
    grpc::ClientContext context;
    for (const std::string& purpose : purposes) context.AddMetadata(kPurposeMetadataKey, purpose);
    v1::GetRequest request;
    request.set_id(id);
    v1::GetResponse response;
    return stub->Get(&context, request, &response);
  }
  std::string Push(std::string* output, const std::string& phone = "+33612345678") {
    EXPECT_EQ(Run(absl::StrCat("--purpose '", kPurpose,
                               "' push --tlp green --scope federation --nexus-type hybrid "
                               "--reliability B --credibility 2 --indicator phone=",
                               phone),
                  output),
              0)
        << *output;
    const size_t at = output->find("stored");
    return at == std::string::npos ? "" : output->substr(at + 11, 36);
  }

  testing::TempDir dir_;
  std::string config_;
  std::unique_ptr<testing::NexusdProcess> node_;
};

TEST_F(AuditPurposeTest, ThePurposeAndThePersonAreInTheEntriesOfTheCall) {
  std::string out;
  const std::string id = Push(&out);
  ASSERT_EQ(id.size(), 36u) << out;
  ASSERT_EQ(Run("get " + id, &out, absl::StrCat("NEXUS_PURPOSE='", kPurpose, " (env)'")), 0) << out;
  bool published = false, got = false;
  for (const v1::AuditEntry& entry : Entries()) {
    if (entry.action() == v1::AUDIT_ACTION_PUBLISH && entry.outcome() == v1::AUDIT_OUTCOME_OK) {
      published = true;
      EXPECT_EQ(entry.purpose(), kPurpose);
      EXPECT_EQ(entry.actor().person(), "agency-a analyst");  // the certificate's common name
      EXPECT_FALSE(entry.actor().certificate_fingerprint().empty());
    }
    if (entry.action() == v1::AUDIT_ACTION_GET) {
      got = true;
      EXPECT_EQ(entry.outcome(), v1::AUDIT_OUTCOME_OK);
      EXPECT_EQ(entry.purpose(), absl::StrCat(kPurpose, " (env)"));
    }
    if (entry.action() == v1::AUDIT_ACTION_AUDIT_READ) {
      EXPECT_EQ(entry.actor().person(), "agency-c auditor");
    }
  }
  EXPECT_TRUE(published && got);
}

TEST_F(AuditPurposeTest, ARequiredPurposeThatIsMissingIsRefusedAndAudited) {
  std::string out;
  const std::string id = Push(&out);
  // The node answers INVALID_ARGUMENT: input the caller must fix (exit 2, client/cli/exit_codes.h).
  ASSERT_EQ(Run("get " + id, &out), 2) << out;
  EXPECT_TRUE(absl::StrContains(out, "requires a purpose to get")) << out;
  EXPECT_TRUE(absl::StrContains(out, "--purpose")) << out;
  // Search is not required to say why here.
  EXPECT_EQ(Run("search +33612345678", &out), 0) << out;
  v1::AuditFilter gets;
  gets.add_actions(v1::AUDIT_ACTION_GET);
  std::vector<v1::AuditEntry> entries = Entries(gets);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].outcome(), v1::AUDIT_OUTCOME_REFUSED);
  EXPECT_EQ(entries[0].code(), static_cast<int>(absl::StatusCode::kInvalidArgument));
  EXPECT_TRUE(entries[0].purpose().empty());
}

TEST_F(AuditPurposeTest, AHostilePurposeIsRefusedWhereverItComesFrom) {
  std::string out;
  const std::string id = Push(&out);
  // nexusctl refuses it before any call.
  EXPECT_EQ(Run("get " + id, &out, "NEXUS_PURPOSE=\"$(printf 'x\\033]0;pwned\\007')\""), 2) << out;
  EXPECT_TRUE(absl::StrContains(out, "--purpose: the purpose holds control")) << out;
  EXPECT_EQ(Run("--purpose " + std::string(300, 'p') + " get " + id, &out), 2) << out;
  const size_t before = Entries().size();

  // A raw client: escape sequences, not UTF-8, oversized, blank, two purposes. Each refused
  // with INVALID_ARGUMENT, audited with the purpose escaped, never as sent.
  const std::vector<std::vector<std::string>> hostile = {{"case \x1b[2J\x1b]0;pwned\x07"},
                                                         {"\xff\xfe not utf-8"},
                                                         {std::string(257, 'a')},
                                                         {"   "},
                                                         {"first", "second"},
                                                         {"bidi \u202e reversed"}};
  for (const auto& purposes : hostile) {
    grpc::Status status = RawGet(id, purposes);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << purposes[0];
    EXPECT_TRUE(absl::StrContains(status.error_message(), "purpose")) << status.error_message();
  }
  std::vector<v1::AuditEntry> entries = Entries();
  ASSERT_GE(entries.size(), before + hostile.size());
  int refused = 0;
  for (const v1::AuditEntry& entry : entries) {
    EXPECT_FALSE(absl::StrContains(entry.purpose(), "\x1b")) << entry.ShortDebugString();
    EXPECT_FALSE(absl::StrContains(entry.purpose(), "\xff")) << entry.ShortDebugString();
    EXPECT_FALSE(absl::StrContains(entry.purpose(), "\u202e")) << entry.ShortDebugString();
    EXPECT_LE(entry.purpose().size(), kMaxPurposeBytes + 32);
    if (entry.action() == v1::AUDIT_ACTION_GET && entry.outcome() == v1::AUDIT_OUTCOME_REFUSED &&
        entry.code() == static_cast<int>(absl::StatusCode::kInvalidArgument)) {
      ++refused;
    }
  }
  EXPECT_EQ(refused, static_cast<int>(hostile.size()));
  // A purpose far over gRPC's metadata limit (256 KiB here; 5 MB behaves the same, only slower to
  // send) is refused in the transport, before any handler (so not audited, like an oversized
  // message), and the node goes on serving.
  grpc::Status huge = RawGet(id, {std::string(256 << 10, 'p')});
  EXPECT_FALSE(huge.ok());
  EXPECT_NE(huge.error_code(), grpc::StatusCode::NOT_FOUND) << huge.error_message();
  // The record is still there for a well-formed call.
  EXPECT_TRUE(RawGet(id, {"CASE-1"}).ok());
}

TEST_F(AuditPurposeTest, AnAuditorFindsEntriesByActorPersonPurposeAndSeveralActions) {
  std::string out;
  const std::string id = Push(&out);
  ASSERT_EQ(Run("--purpose 'CASE-7 follow-up' get " + id, &out), 0) << out;
  ASSERT_EQ(Run("--purpose 'CASE-7 follow-up' search +33612345678", &out), 0) << out;
  auto tail = [&](const std::string& filters) {
    std::string listed;
    EXPECT_EQ(Run("audit tail --limit 100 " + filters, &listed, "", "agency-c", "auditor"), 0)
        << listed;
    return listed;
  };
  std::string listed = tail("--action get,search");
  EXPECT_TRUE(absl::StrContains(listed, " get ok")) << listed;
  EXPECT_TRUE(absl::StrContains(listed, " search ok")) << listed;
  EXPECT_FALSE(absl::StrContains(listed, " publish ")) << listed;
  EXPECT_TRUE(absl::StrContains(listed, "agency-a/analyst (agency-a analyst)")) << listed;
  EXPECT_TRUE(absl::StrContains(listed, "purpose \"CASE-7 follow-up\"")) << listed;
  // Repeated flags add up; an excluded action is gone.
  listed = tail("--action get --action publish --exclude-action get");
  EXPECT_TRUE(absl::StrContains(listed, " publish ok")) << listed;
  EXPECT_FALSE(absl::StrContains(listed, " get ok")) << listed;
  // By purpose (a part, any case), by agency and role, by person.
  listed = tail("--with-purpose 'case-7'");
  EXPECT_TRUE(absl::StrContains(listed, " get ok") && absl::StrContains(listed, " search ok"))
      << listed;
  EXPECT_FALSE(absl::StrContains(listed, " publish ")) << listed;
  EXPECT_TRUE(absl::StrContains(tail("--actor agency-a/analyst --action search"), " search ok"));
  EXPECT_FALSE(absl::StrContains(tail("--actor agency-a/auditor --action search"), " search "));
  EXPECT_TRUE(absl::StrContains(tail("--person 'A ANALYST' --action get"), " get ok"));
  EXPECT_FALSE(absl::StrContains(tail("--person nobody --action get"), " get "));
  // An unknown action is a usage error naming the valid ones.
  EXPECT_EQ(Run("audit tail --action get,fetch", &out, "", "agency-c", "auditor"), 2) << out;
  EXPECT_TRUE(absl::StrContains(out, "unknown --action 'fetch'")) << out;
  EXPECT_TRUE(absl::StrContains(out, "federated_search")) << out;
}

// A record's trail at this node: its publication, each read with the person and purpose, a
// refusal to another agency, and nothing of another record; hostile text in a purpose is shown
// escaped.
TEST_F(AuditPurposeTest, ARecordsTrailSaysWhoSawItWhyAndWhoWasRefused) {
  std::string out;
  const std::string id = Push(&out);
  ASSERT_EQ(id.size(), 36u) << out;
  std::string other_out;
  const std::string other = Push(&other_out, "+33698765432");
  ASSERT_EQ(other.size(), 36u) << other_out;
  ASSERT_NE(other, id);
  Push(&other_out);  // the same content again: unchanged, and said so
  ASSERT_EQ(Run("--purpose 'CASE-9 cross-check' get " + id, &out), 0) << out;
  ASSERT_EQ(Run("--purpose 'CASE-9 cross-check' search +33612345678", &out), 0) << out;
  // agency-b may not see it (no policy shares anything): refused, as not found.
  EXPECT_EQ(Run("--purpose 'curious' get " + id, &out, "", "agency-b"), 1) << out;
  // A raw client's purpose with a backslash sequence: kept, and shown as text.
  EXPECT_TRUE(RawGet(id, {"CASE-9 \\x1b[2J"}).ok());

  std::string trail;
  ASSERT_EQ(Run("audit trail " + id, &trail, "", "agency-c", "auditor"), 0) << trail;
  EXPECT_TRUE(absl::StrContains(trail, absl::StrCat("trail of record ", id))) << trail;
  EXPECT_TRUE(absl::StrContains(trail, "published v1 by agency-a/analyst (agency-a analyst)"))
      << trail;
  EXPECT_TRUE(absl::StrContains(trail,
                                "get v1 answered to agency-a/analyst (agency-a analyst)"
                                "  purpose \"CASE-9 cross-check\""))
      << trail;
  EXPECT_TRUE(absl::StrContains(trail, "search v1 answered to agency-a/analyst")) << trail;
  EXPECT_TRUE(absl::StrContains(trail,
                                "publish v1 by agency-a/analyst (agency-a analyst): "
                                "unchanged"))
      << trail;
  EXPECT_TRUE(absl::StrContains(trail, "refused get")) << trail;
  EXPECT_TRUE(absl::StrContains(trail, "to agency-b/analyst (agency-b analyst)")) << trail;
  EXPECT_TRUE(absl::StrContains(trail, "purpose \"curious\"")) << trail;
  EXPECT_TRUE(absl::StrContains(trail, "answered to: agency-a (")) << trail;
  EXPECT_TRUE(absl::StrContains(trail, "refused to: agency-b")) << trail;
  EXPECT_FALSE(absl::StrContains(trail, "\x1b")) << "raw escape in the output";
  EXPECT_FALSE(absl::StrContains(trail, other)) << trail;
  // JSON: the same entries, one object per line.
  ASSERT_EQ(Run("--json audit trail " + id, &out, "", "agency-c", "auditor"), 0) << out;
  EXPECT_TRUE(absl::StrContains(out, "\"purpose\":\"CASE-9 cross-check\"")) << out;
  EXPECT_FALSE(absl::StrContains(out, other)) << out;
  // A record no entry names.
  ASSERT_EQ(
      Run("audit trail 00000000-0000-4000-8000-000000000000", &out, "", "agency-c", "auditor"), 0)
      << out;
  EXPECT_TRUE(absl::StrContains(out, "no entry of this node's log names the record")) << out;
}

}  // namespace
}  // namespace nexus
