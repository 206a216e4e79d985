// The auditor's signed trail question, checked as every node checks it: with the test PKI's real
// certificates, hostile variants of each part are refused with a reason.
#include "common/trail_ask.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/crypto.h"
#include "common/uuid.h"
#include "tests/test_support.h"

namespace nexus::testing {
namespace {

std::string Read(const std::string& relative) {
  absl::StatusOr<std::string> text = ReadFileToString(absl::StrCat(TestPki(), "/", relative));
  EXPECT_TRUE(text.ok()) << text.status();
  return text.ok() ? *text : "";
}

class TrailAskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TrustedCertificates> trusted =
        TrustedCertificates::FromPemFile(absl::StrCat(TestPki(), "/ca.crt"));
    ASSERT_TRUE(trusted.ok()) << trusted.status();
    trusted_.emplace(*std::move(trusted));
  }

  v1::SignedTrailAsk Signed(const std::string& who, const std::string& record_id = kRecord,
                            absl::Time at = absl::Now(),
                            const std::vector<std::string>& path = {"agency-a", "agency-coord"}) {
    absl::StatusOr<v1::SignedTrailAsk> ask =
        SignTrailAsk(record_id, "case 2026/117", path, Read(who + ".crt"), Read(who + ".key"), at);
    EXPECT_TRUE(ask.ok()) << ask.status();
    return ask.ok() ? *ask : v1::SignedTrailAsk();
  }

  absl::StatusOr<CheckedTrailAsk> Check(const v1::SignedTrailAsk& ask) {
    return CheckTrailAsk(ask, *trusted_, absl::Now());
  }

  static constexpr char kRecord[] = "5b0e4c1e-4b52-4d4a-9d0c-6a1f4e2b7c11";
  std::optional<TrustedCertificates> trusted_;
};

TEST_F(TrailAskTest, AnAuditorsQuestionIsCheckedAndNamesTheAuditor) {
  absl::StatusOr<CheckedTrailAsk> checked = Check(Signed("agency-a/auditor"));
  ASSERT_TRUE(checked.ok()) << checked.status();
  EXPECT_EQ(checked->auditor.agency_id, "agency-a");
  EXPECT_EQ(checked->auditor.role, "auditor");
  EXPECT_EQ(checked->ask.record_id(), kRecord);
  EXPECT_EQ(checked->ask.purpose(), "case 2026/117");
  EXPECT_EQ(checked->ask.path_size(), 2);
  // Two questions are never the same bytes.
  EXPECT_NE(Signed("agency-a/auditor").ask(), Signed("agency-a/auditor").ask());
}

TEST_F(TrailAskTest, AChangedQuestionOrAnotherCertificateDoesNotVerify) {
  v1::SignedTrailAsk ask = Signed("agency-a/auditor");
  v1::TrailAsk changed;
  ASSERT_TRUE(changed.ParseFromString(ask.ask()));
  changed.set_record_id("00000000-0000-4000-8000-000000000000");
  v1::SignedTrailAsk tampered = ask;
  tampered.set_ask(changed.SerializeAsString());
  EXPECT_TRUE(absl::StrContains(Check(tampered).status().message(), "signature does not verify"))
      << Check(tampered).status();
  // A node passing the question on cannot put another auditor's certificate under it.
  v1::SignedTrailAsk swapped = ask;
  swapped.set_certificate_pem(Read("agency-c/auditor.crt"));
  EXPECT_EQ(Check(swapped).status().code(), absl::StatusCode::kUnauthenticated);
  v1::SignedTrailAsk garbage = ask;
  garbage.set_signature(std::string(64, '\x01'));
  EXPECT_EQ(Check(garbage).status().code(), absl::StatusCode::kUnauthenticated);
}

TEST_F(TrailAskTest, OnlyAnAuditorCertificateOfTheFederationAsks) {
  absl::Status analyst = Check(Signed("agency-a/analyst")).status();
  EXPECT_EQ(analyst.code(), absl::StatusCode::kPermissionDenied) << analyst;
  EXPECT_TRUE(absl::StrContains(analyst.message(), "role 'analyst'")) << analyst;
  absl::Status node = Check(Signed("agency-a/node")).status();
  EXPECT_EQ(node.code(), absl::StatusCode::kPermissionDenied) << node;
  absl::Status foreign = Check(Signed("extras/foreign")).status();
  EXPECT_EQ(foreign.code(), absl::StatusCode::kUnauthenticated) << foreign;
  EXPECT_TRUE(absl::StrContains(foreign.message(), "trusted CAs")) << foreign;
  // The CA's own key and certificate: not a person's.
  absl::StatusOr<v1::SignedTrailAsk> by_ca =
      SignTrailAsk(kRecord, "", {"agency-a"}, Read("ca.crt"), Read("ca.key"), absl::Now());
  ASSERT_TRUE(by_ca.ok());
  EXPECT_EQ(Check(*by_ca).status().code(), absl::StatusCode::kUnauthenticated)
      << Check(*by_ca).status();
  absl::Status expired = Check(Signed("extras/expired")).status();
  EXPECT_EQ(expired.code(), absl::StatusCode::kUnauthenticated) << expired;
  EXPECT_TRUE(absl::StrContains(expired.message(), "expired")) << expired;
}

TEST_F(TrailAskTest, HostileQuestionsAreRefusedWithAReason) {
  absl::Status old =
      Check(Signed("agency-a/auditor", kRecord, absl::Now() - absl::Minutes(11))).status();
  EXPECT_EQ(old.code(), absl::StatusCode::kInvalidArgument) << old;
  EXPECT_TRUE(absl::StrContains(old.message(), "before to 1m after this node's clock")) << old;
  absl::Status ahead =
      Check(Signed("agency-a/auditor", kRecord, absl::Now() + absl::Minutes(2))).status();
  EXPECT_EQ(ahead.code(), absl::StatusCode::kInvalidArgument) << ahead;
  for (const std::vector<std::string>& path :
       {std::vector<std::string>{}, std::vector<std::string>{"agency-a", "agency-b", "agency-a"},
        std::vector<std::string>{"agency-a", "Agency B\x1b[2J"},
        std::vector<std::string>(10, "agency-a")}) {
    absl::Status bad_path = Check(Signed("agency-a/auditor", kRecord, absl::Now(), path)).status();
    EXPECT_EQ(bad_path.code(), absl::StatusCode::kInvalidArgument) << bad_path;
    EXPECT_TRUE(absl::StrContains(bad_path.message(), "path")) << bad_path;
    EXPECT_FALSE(absl::StrContains(bad_path.message(), "\x1b")) << bad_path;
  }
  absl::Status not_id = Check(Signed("agency-a/auditor", "<script>\x1b[2J")).status();
  EXPECT_EQ(not_id.code(), absl::StatusCode::kInvalidArgument) << not_id;
  EXPECT_FALSE(absl::StrContains(not_id.message(), "\x1b")) << not_id;

  v1::SignedTrailAsk huge = Signed("agency-a/auditor");
  huge.set_certificate_pem(std::string(5 << 20, 'A'));
  EXPECT_TRUE(absl::StrContains(Check(huge).status().message(), "over the limit"))
      << Check(huge).status();
  huge = Signed("agency-a/auditor");
  huge.set_ask(std::string(5 << 20, '\xff'));
  EXPECT_EQ(Check(huge).status().code(), absl::StatusCode::kInvalidArgument);
  v1::SignedTrailAsk empty;
  EXPECT_EQ(Check(empty).status().code(), absl::StatusCode::kUnauthenticated)
      << Check(empty).status();
}

}  // namespace
}  // namespace nexus::testing
