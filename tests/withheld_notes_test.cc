// Notes of whose policy withheld a part: made from a redaction, and what a receiver keeps of a
// peer's notes (only what describes a part really absent, by a well-formed agency id).
#include "server/withheld_notes.h"

#include <gtest/gtest.h>

#include "common/crypto.h"
#include "common/record_seal.h"
#include "common/record_validation.h"
#include "policy/redaction.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

v1::SignedRecord Sealed() {
  v1::Record record =
      testing::SampleDraft({{v1::INDICATOR_TYPE_PHONE, "+33 6 12 34 56 78"},
                            {v1::INDICATOR_TYPE_IBAN, "FR7630006000011234567890189"}});
  record.set_id("3f1c2b9a-0d4e-4c8f-9a6b-1e2d3c4b5a69");
  record.set_origin_agency("agency-a");
  record.set_version(1);
  EXPECT_TRUE(ValidateAndNormalize(record).ok());
  return SealRecord(record, PrivateKey::Generate(), "1");
}

TEST(WithheldNotesTest, ARedactionNamesTheNodeAndTheIndicatorsType) {
  const v1::SignedRecord held = Sealed();
  v1::SignedRecord shared = held;
  policy::Withheld withheld;
  withheld.indicator_types = 1u << v1::INDICATOR_TYPE_IBAN;
  ASSERT_EQ(policy::ApplyRedaction(withheld, shared), 1);
  std::vector<v1::WithheldNote> notes = NotesOfRedaction(held, shared, "agency-c");
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0].kind(), v1::PART_KIND_INDICATOR);
  EXPECT_EQ(notes[0].indicator_type(), v1::INDICATOR_TYPE_IBAN);
  EXPECT_EQ(notes[0].by(), "agency-c");
  EXPECT_TRUE(NotesOfRedaction(held, held, "agency-c").empty());
}

TEST(WithheldNotesTest, AReceiverKeepsOnlyNotesAboutPartsReallyAbsent) {
  const v1::SignedRecord held = Sealed();
  v1::SignedRecord shared = held;
  policy::Withheld withheld;
  withheld.kinds = 1u << v1::PART_KIND_SUMMARY;
  ASSERT_EQ(policy::ApplyRedaction(withheld, shared), 1);
  std::vector<v1::WithheldNote> honest = NotesOfRedaction(held, shared, "agency-c");
  ASSERT_EQ(honest.size(), 1u);
  // Each bad note comes before the honest one, so that each is judged on its own.
  google::protobuf::RepeatedPtrField<v1::WithheldNote> claimed;
  v1::WithheldNote disclosed = honest[0];  // a part the record does disclose
  disclosed.set_part(0);
  *claimed.Add() = disclosed;
  v1::WithheldNote forged_by = honest[0];
  forged_by.set_by("Agency C\n\x1b[31m");
  *claimed.Add() = forged_by;
  v1::WithheldNote wrong_kind = honest[0];
  wrong_kind.set_kind(v1::PART_KIND_TAGS);
  *claimed.Add() = wrong_kind;
  v1::WithheldNote out_of_range = honest[0];
  out_of_range.set_part(1000);
  *claimed.Add() = out_of_range;
  v1::WithheldNote undefined_type = honest[0];
  undefined_type.set_indicator_type(static_cast<v1::IndicatorType>(9999));
  *claimed.Add() = undefined_type;
  *claimed.Add() = honest[0];
  std::vector<v1::WithheldNote> kept = CredibleNotes(shared, claimed);
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].SerializeAsString(), honest[0].SerializeAsString());
}

}  // namespace
}  // namespace nexus
