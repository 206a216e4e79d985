// A reader is told whose policy withheld what it does not get, along a relay: agency-a's node
// withholds the case reference from agency-c's, which withholds the summary and the phone number
// from agency-b's; agency-b's analyst learns both, each by its node, and the type of the
// indicator withheld.
#include <gtest/gtest.h>

#include <algorithm>

#include "tests/federation_harness.h"

namespace nexus::testing {
namespace {

TEST(FederationWithheldTest, EachWithheldPartNamesWhosePolicyWithheldIt) {
  FederationNode a(kAgencyA), c(kAgencyC), b(kAgencyB);
  a.set_policy(R"pb(
    name: "a to c without case references"
    rules {
      id: "to-c"
      effect: EFFECT_PERMIT
      recipient { agencies: "agency-c" }
      redact { case_reference: true }
    }
  )pb");
  c.set_policy(R"pb(
    name: "c to b without summaries or phones"
    rules {
      id: "to-b"
      effect: EFFECT_PERMIT
      recipient { agencies: "agency-b" }
      redact { summary: true indicator_types: INDICATOR_TYPE_PHONE }
    }
  )pb");
  a.AddPeer(InboundPeer(kAgencyC));
  c.AddPeer(PullPeer(kAgencyA, a.address()));
  c.AddPeer(InboundPeer(kAgencyB));
  b.AddPeer(PullPeer(kAgencyC, c.address()));
  ASSERT_EQ(a.Start(), absl::OkStatus());
  ASSERT_EQ(c.Start(), absl::OkStatus());
  ASSERT_EQ(b.Start(), absl::OkStatus());
  auto published =
      PublishAll(a, {FederationDraft("relayed", v1::TLP_GREEN, v1::DISTRIBUTION_SCOPE_FEDERATION)});
  ASSERT_TRUE(published.ok()) << published.status();
  const std::string id = (*published)[0].id();
  absl::StatusOr<v1::GetResponse> got;
  ASSERT_TRUE(WaitFor([&] {
    got = b.Get(id, 0);
    return got.ok();
  })) << c.ReadLog();
  ASSERT_EQ(WithheldParts(got->record()), "case_reference,indicator[0],summary")
      << WithheldParts(got->record());
  auto note_of = [&](v1::PartKind kind) -> const v1::WithheldNote* {
    auto it = std::find_if(got->withheld().begin(), got->withheld().end(),
                           [&](const v1::WithheldNote& note) { return note.kind() == kind; });
    return it == got->withheld().end() ? nullptr : &*it;
  };
  ASSERT_EQ(got->withheld_size(), 3) << got->ShortDebugString();
  ASSERT_NE(note_of(v1::PART_KIND_CASE_REFERENCE), nullptr);
  EXPECT_EQ(note_of(v1::PART_KIND_CASE_REFERENCE)->by(), kAgencyA);
  ASSERT_NE(note_of(v1::PART_KIND_SUMMARY), nullptr);
  EXPECT_EQ(note_of(v1::PART_KIND_SUMMARY)->by(), kAgencyC);
  ASSERT_NE(note_of(v1::PART_KIND_INDICATOR), nullptr);
  EXPECT_EQ(note_of(v1::PART_KIND_INDICATOR)->by(), kAgencyC);
  EXPECT_EQ(note_of(v1::PART_KIND_INDICATOR)->indicator_type(), v1::INDICATOR_TYPE_PHONE);
}

}  // namespace
}  // namespace nexus::testing
