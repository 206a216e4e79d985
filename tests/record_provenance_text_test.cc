// How nexusctl shows where a record came from (the peer node it was received through) and the
// other manifests its origin signed for the same version (equivocation), in text and JSON.
#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "client/cli/record_text.h"
#include "common/crypto.h"
#include "common/record_seal.h"
#include "common/record_validation.h"
#include "common/untrusted_text.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

using google::protobuf::RepeatedPtrField;
using google::protobuf::Struct;

class RecordProvenanceTextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(keys_.Add("agency-b", "1", key_.public_key()).ok());
    shown_ = Seal("first account", 2);
    other_ = Seal("second account", 2);
  }

  v1::SignedRecord Seal(const std::string& summary, uint64_t version) {
    v1::Record record = testing::SampleDraft();
    record.set_summary(summary);
    EXPECT_TRUE(ValidateAndNormalize(record).ok());
    record.set_id("3f1c2d4e-0000-4000-8000-000000000001");
    record.set_origin_agency("agency-b");
    record.set_version(version);
    record.set_created_unix_micros(1000);
    record.set_modified_unix_micros(2000);
    return SealRecord(record, key_, "1");
  }

  static std::string ManifestHex(const v1::SignedRecord& record) {
    return HexEncode(DigestBytes(Sha256(record.manifest())));
  }

  PrivateKey key_ = PrivateKey::Generate();
  Keyring keys_;
  v1::SignedRecord shown_, other_;
};

TEST_F(RecordProvenanceTextTest, ReceivedFromIsShownEscapedAndInJson) {
  RecordView view = ViewRecord(shown_, &keys_);
  std::string text = RecordToHumanText(view);
  EXPECT_FALSE(absl::StrContains(text, "received:")) << "the node's own record: " << text;
  EXPECT_TRUE(absl::StrContains(RecordToJson(view), ",\"received_from\":\"\","));

  view.received_from = "wa-coord";
  text = RecordToHumanText(view);
  EXPECT_TRUE(absl::StrContains(text, "\n  received:    via wa-coord\n")) << text;
  EXPECT_FALSE(absl::StrContains(text, "EQUIVOCATION")) << text;
  std::string json = RecordToJson(view);
  EXPECT_TRUE(absl::StrContains(json, ",\"received_from\":\"wa-coord\",")) << json;
  EXPECT_FALSE(absl::StrContains(json, "equivocations")) << "pull and search do not know: " << json;

  view.received_from = "evil\n  signature:   verified\x1b[0m\xe2\x80\xae";
  text = RecordToHumanText(view);
  EXPECT_TRUE(
      absl::StrContains(text, "received:    via evil\\n  signature:   verified\\x1b[0m\\u202e\n"))
      << text;
  json = RecordToJson(view);
  EXPECT_TRUE(
      absl::StrContains(json, R"("received_from":"evil\n  signature:   verified\u001b[0m\u202e")"))
      << json;
}

TEST_F(RecordProvenanceTextTest, EquivocationsAreCheckedAgainstTheRecordShown) {
  RepeatedPtrField<v1::SignedRecord> others;
  *others.Add() = other_;                    // the origin signed another version 2
  *others.Add() = Seal("third account", 3);  // another version: not an equivocation
  *others.Add() = shown_;                    // the record itself
  *others.Add() = other_;
  (*others.rbegin()->mutable_signature())[0] ^= 1;  // not the origin's signature
  others.Add()->set_manifest(
      "\x0a\x05"
      "ab");  // not a manifest

  std::vector<EquivocationView> views = ViewEquivocations(shown_, others, &keys_);
  ASSERT_EQ(views.size(), 5u);
  EXPECT_TRUE(views[0].verified) << views[0].problem;
  EXPECT_EQ(views[0].manifest_sha256, ManifestHex(other_));
  EXPECT_EQ(views[1].problem, "not of this record's origin, id and version");
  EXPECT_EQ(views[2].problem, "the very manifest shown");
  EXPECT_FALSE(views[3].verified);
  EXPECT_TRUE(absl::StrContains(views[3].problem, "signature")) << views[3].problem;
  EXPECT_TRUE(absl::StartsWith(views[4].problem, "malformed")) << views[4].problem;
  for (size_t i = 1; i < views.size(); ++i) EXPECT_FALSE(views[i].verified) << i;

  std::vector<EquivocationView> without_keys = ViewEquivocations(shown_, others, nullptr);
  EXPECT_FALSE(without_keys[0].verified);
  EXPECT_EQ(without_keys[0].problem, "no public key for its origin and key id in --keys");
}

TEST_F(RecordProvenanceTextTest, GetWarnsNamingEachManifest) {
  RepeatedPtrField<v1::SignedRecord> others;
  *others.Add() = other_;
  *others.Add() = Seal("third account", 3);
  RecordView view = ViewRecord(shown_, &keys_);
  view.received_from = "wa-coord";
  view.equivocations = ViewEquivocations(shown_, others, &keys_);

  std::string text = RecordToHumanText(view);
  EXPECT_TRUE(absl::StrContains(text, "  WARNING: EQUIVOCATION: ")) << text;
  EXPECT_TRUE(absl::StrContains(text, "    shown: manifest sha256 " + ManifestHex(shown_) + "\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(text, "    other: manifest sha256 " + ManifestHex(other_) +
                                          "  signed by the origin (verified)\n"))
      << text;
  EXPECT_TRUE(absl::StrContains(text, "  NOT VERIFIED (not evidence): not of this record's"))
      << text;

  Struct object;
  std::string json = RecordToJson(view);
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(json, &object).ok()) << json;
  EXPECT_EQ(object.fields().at("received_from").string_value(), "wa-coord");
  EXPECT_EQ(object.fields().at("manifest_sha256").string_value(), ManifestHex(shown_));
  const auto& listed = object.fields().at("equivocations").list_value().values();
  ASSERT_EQ(listed.size(), 2);
  EXPECT_EQ(listed[0].struct_value().fields().at("manifest_sha256").string_value(),
            ManifestHex(other_));
  EXPECT_TRUE(listed[0].struct_value().fields().at("verified").bool_value());
  EXPECT_FALSE(listed[1].struct_value().fields().at("verified").bool_value());

  view.equivocations->clear();  // get, and the node holds none
  EXPECT_FALSE(absl::StrContains(RecordToHumanText(view), "EQUIVOCATION"));
  EXPECT_TRUE(absl::StrContains(RecordToJson(view), "\"equivocations\":[]"));
}

}  // namespace
}  // namespace nexus
