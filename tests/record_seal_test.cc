// Signing and verification, including records with withheld parts and every way a tampered
// record must fail.
#include "common/record_seal.h"

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/record_validation.h"
#include "common/uuid.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

class RecordSealTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(keys_.Add("agency-a", "1", key_.public_key()).ok());
    record_ = testing::SampleDraft({{v1::INDICATOR_TYPE_PHONE, "+33 6 12 34 56 78"},
                                    {v1::INDICATOR_TYPE_EMAIL, "A@Example.org"},
                                    {v1::INDICATOR_TYPE_PERSON, "Jean Dupont"}});
    record_.add_handling_codes("no further dissemination");
    record_.mutable_related()->add_ids(NewUuid());
    ASSERT_TRUE(ValidateAndNormalize(record_).ok());
    record_.set_id(NewUuid());
    record_.set_origin_agency("agency-a");
    record_.set_version(3);
    record_.set_created_unix_micros(1000);
    record_.set_modified_unix_micros(2000);
    sealed_ = SealRecord(record_, key_, "1");
  }

  // Index of the first manifest part of `kind`.
  uint32_t PartOf(v1::PartKind kind) const {
    v1::Manifest manifest;
    manifest.ParseFromString(sealed_.manifest());
    for (int i = 0; i < manifest.parts_size(); ++i) {
      if (manifest.parts(i).kind() == kind) return i;
    }
    ADD_FAILURE() << "no part of kind " << kind;
    return 0;
  }

  void ExpectFails(const v1::SignedRecord& record, absl::string_view why) {
    absl::StatusOr<OpenedRecord> opened = OpenRecord(record, keys_);
    ASSERT_FALSE(opened.ok()) << "expected failure: " << why;
    EXPECT_TRUE(absl::StrContains(opened.status().message(), why)) << opened.status();
  }

  PrivateKey key_ = PrivateKey::Generate();
  Keyring keys_;
  v1::Record record_;
  v1::SignedRecord sealed_;
};

TEST_F(RecordSealTest, OpensToTheSameContent) {
  absl::StatusOr<OpenedRecord> opened = OpenRecord(sealed_, keys_);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->record.SerializeAsString(), record_.SerializeAsString());
  EXPECT_TRUE(opened->withheld.empty());
  EXPECT_EQ(opened->header.version(), 3u);
}

TEST_F(RecordSealTest, SignedBytesSurviveReserialization) {
  v1::SignedRecord copy;
  ASSERT_TRUE(copy.ParseFromString(sealed_.SerializeAsString()));
  EXPECT_EQ(copy.manifest(), sealed_.manifest());
  EXPECT_TRUE(OpenRecord(copy, keys_).ok());
}

TEST_F(RecordSealTest, WithheldPartStillVerifiesAndIsReported) {
  uint32_t person = PartOf(v1::PART_KIND_INDICATOR) + 2;
  uint32_t summary = PartOf(v1::PART_KIND_SUMMARY);
  WithholdPart(sealed_, person);
  WithholdPart(sealed_, summary);
  absl::StatusOr<OpenedRecord> opened = OpenRecord(sealed_, keys_);
  ASSERT_TRUE(opened.ok()) << opened.status();
  ASSERT_EQ(opened->withheld.size(), 2u);
  EXPECT_EQ(opened->withheld[0].index, person);
  EXPECT_EQ(opened->withheld[0].kind, v1::PART_KIND_INDICATOR);
  EXPECT_EQ(opened->withheld[1].kind, v1::PART_KIND_SUMMARY);
  EXPECT_EQ(opened->record.indicators_size(), 2);
  EXPECT_TRUE(opened->record.summary().empty());
  // The withheld values are nowhere in what would be sent.
  std::string wire = sealed_.SerializeAsString();
  EXPECT_FALSE(absl::StrContains(wire, "Jean Dupont"));
  EXPECT_FALSE(absl::StrContains(wire, "A sample record."));
}

TEST_F(RecordSealTest, ChangedValueFails) {
  uint32_t email = PartOf(v1::PART_KIND_INDICATOR) + 1;
  v1::Indicator indicator;
  indicator.ParseFromString(sealed_.disclosures(email).value());
  indicator.set_value("b@example.org");
  sealed_.mutable_disclosures(email)->set_value(indicator.SerializeAsString());
  ExpectFails(sealed_, "does not match its signed digest");
}

TEST_F(RecordSealTest, ChangedSummaryTextFails) {
  uint32_t summary = PartOf(v1::PART_KIND_SUMMARY);
  sealed_.mutable_disclosures(summary)->set_value("A sample record!");
  ExpectFails(sealed_, "does not match its signed digest");
}

TEST_F(RecordSealTest, ChangedHeaderFails) {
  v1::Manifest manifest;
  ASSERT_TRUE(manifest.ParseFromString(sealed_.manifest()));
  v1::RecordHeader header;
  ASSERT_TRUE(header.ParseFromString(manifest.header()));
  header.set_tlp(v1::TLP_CLEAR);  // widening the originator's limit
  manifest.set_header(header.SerializeAsString());
  sealed_.set_manifest(manifest.SerializeAsString());
  ExpectFails(sealed_, "signature of agency 'agency-a' key id '1' is not valid");
}

TEST_F(RecordSealTest, ChangedDigestInManifestFails) {
  v1::Manifest manifest;
  ASSERT_TRUE(manifest.ParseFromString(sealed_.manifest()));
  manifest.mutable_parts(0)->mutable_digest()->front() ^= 1;
  sealed_.set_manifest(manifest.SerializeAsString());
  ExpectFails(sealed_, "is not valid");
}

TEST_F(RecordSealTest, SwappedPartsFail) {
  uint32_t first = PartOf(v1::PART_KIND_INDICATOR);
  v1::Disclosure a = sealed_.disclosures(first);
  v1::Disclosure b = sealed_.disclosures(first + 1);
  std::swap(*a.mutable_value(), *b.mutable_value());
  std::swap(*a.mutable_salt(), *b.mutable_salt());
  *sealed_.mutable_disclosures(first) = a;
  *sealed_.mutable_disclosures(first + 1) = b;
  ExpectFails(sealed_, "does not match its signed digest");
}

// A signed manifest built by the published scheme, with one part per (kind, digest kind, value):
// `digest_kind` is the kind hashed into the digest, `kind` the one the manifest declares.
struct ForgedPart {
  v1::PartKind kind;
  v1::PartKind digest_kind;
  std::string salt;
  std::string value;
};

v1::SignedRecord SignParts(const std::vector<ForgedPart>& parts, const PrivateKey& key) {
  v1::Manifest manifest;
  v1::SignedRecord forged;
  for (const ForgedPart& part : parts) {
    const char kind = static_cast<char>(part.digest_kind);
    v1::PartDigest* digest = manifest.add_parts();
    digest->set_kind(part.kind);
    digest->set_digest(DigestBytes(
        Sha256Of({"nexus.v1.part", part.salt, absl::string_view(&kind, 1), part.value})));
    v1::Disclosure* disclosure = forged.add_disclosures();
    disclosure->set_part(manifest.parts_size() - 1);
    disclosure->set_salt(part.salt);
    disclosure->set_value(part.value);
  }
  v1::RecordHeader header;
  header.set_origin_agency("agency-a");
  manifest.set_header(header.SerializeAsString());
  forged.set_manifest(manifest.SerializeAsString());
  forged.set_key_id("1");
  forged.set_signature(key.Sign(absl::StrCat("nexus.v1.record", forged.manifest())));
  return forged;
}

TEST_F(RecordSealTest, PartPassedOffAsAnotherKindFails) {
  // The same salt and value digested as a summary but declared as tags: only the kind byte in
  // the digest tells them apart.
  v1::Tags tags;
  tags.add_values("x");
  std::string salt(16, 's');
  ASSERT_TRUE(OpenRecord(SignParts({{v1::PART_KIND_TAGS, v1::PART_KIND_TAGS, salt,
                                     tags.SerializeAsString()}},
                                   key_),
                         keys_)
                  .ok());
  ExpectFails(
      SignParts({{v1::PART_KIND_TAGS, v1::PART_KIND_SUMMARY, salt, tags.SerializeAsString()}},
                key_),
      "does not match its signed digest");
}

TEST_F(RecordSealTest, ReusedSaltFailsEvenWhenProperlySigned) {
  // Two parts sharing one salt, signed with the real key: signature and digests are valid, yet
  // the record must be refused.
  std::string salt(16, 'x');
  v1::SignedRecord forged =
      SignParts({{v1::PART_KIND_SUMMARY, v1::PART_KIND_SUMMARY, salt, "first"},
                 {v1::PART_KIND_SUMMARY, v1::PART_KIND_SUMMARY, salt, "second"}},
                key_);
  // Without the reuse it would open: the construction itself is right.
  v1::SignedRecord one_part = forged;
  WithholdPart(one_part, 1);
  ASSERT_TRUE(OpenRecord(one_part, keys_).ok());
  ExpectFails(forged, "reuses the salt");
}

TEST_F(RecordSealTest, WrongKeyFails) {
  Keyring other;
  ASSERT_TRUE(other.Add("agency-a", "1", PrivateKey::Generate().public_key()).ok());
  absl::StatusOr<OpenedRecord> opened = OpenRecord(sealed_, other);
  ASSERT_FALSE(opened.ok());
  EXPECT_TRUE(absl::StrContains(opened.status().message(), "is not valid"));
}

TEST_F(RecordSealTest, UnknownKeyIsNamed) {
  sealed_.set_key_id("2");
  absl::StatusOr<OpenedRecord> opened = OpenRecord(sealed_, keys_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().message(), "no public key for agency 'agency-a' key id '2'");
}

TEST_F(RecordSealTest, TruncatedSignatureFails) {
  sealed_.mutable_signature()->resize(63);
  ExpectFails(sealed_, "is not valid");
}

TEST_F(RecordSealTest, MalformedManifestFails) {
  sealed_.set_manifest("\xff\xff\xff");
  ExpectFails(sealed_, "manifest is malformed");
}

TEST_F(RecordSealTest, DisclosureOutOfRangeFails) {
  sealed_.mutable_disclosures(0)->set_part(1000);
  ExpectFails(sealed_, "out of order or out of range");
}

TEST_F(RecordSealTest, ShortSaltFails) {
  sealed_.mutable_disclosures(0)->mutable_salt()->resize(8);
  ExpectFails(sealed_, "8-byte salt");
}

TEST_F(RecordSealTest, EachSealUsesFreshSalts) {
  v1::SignedRecord again = SealRecord(record_, key_, "1");
  EXPECT_NE(again.manifest(), sealed_.manifest());
  for (int i = 0; i < again.disclosures_size(); ++i) {
    EXPECT_NE(again.disclosures(i).salt(), sealed_.disclosures(i).salt());
  }
}

}  // namespace
}  // namespace nexus
