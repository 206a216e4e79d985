// A stopped node's record store edited beside its log: verification names each disagreement
// between store and log, and the node reads around what is damaged.
#include <gtest/gtest.h>

#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/indicator_normalizer.h"
#include "common/storage/store_keys.h"
#include "tests/audit_fixtures.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

using testing::DataDirEditor;
using testing::SampleDraft;
using testing::StoreTamperTest;

// A data directory written before the binding and before signed heads is legitimate: it
// verifies, with notes saying what could not be checked, and what can be checked still is.
TEST_F(StoreTamperTest, ADataDirectoryFromBeforeTheBindingVerifiesWithNotes) {
  auto key = PrivateKey::FromPemFile(testing::TestPki() + "/agency-a/signing.key");
  ASSERT_TRUE(key.ok());
  DataDirEditor(DataDir()).RewriteAsLegacy(*key, "agency-a");
  std::filesystem::remove(dir_.File("witness"));  // it witnessed the rewritten history
  std::string output;
  EXPECT_EQ(Verify(OfflineArgs(), &output), 0) << output;
  EXPECT_TRUE(absl::StrContains(output, "record store agrees")) << output;
  EXPECT_TRUE(absl::StrContains(output, "note: 6 record versions were logged before")) << output;
  EXPECT_TRUE(absl::StrContains(output, "written before signed heads")) << output;
  // Existence and latest version are still checked.
  DataDirEditor(DataDir()).Delete("records", store_keys::RecordKey(ids_[0], 2));
  ExpectDisagreement("the latest version was deleted");
}

TEST_F(StoreTamperTest, WithoutAHeadAnEntryBeyondTheLastCheckpointIsAFailure) {
  auto key = PrivateKey::FromPemFile(testing::TestPki() + "/agency-a/signing.key");
  ASSERT_TRUE(key.ok());
  std::filesystem::remove(dir_.File("witness"));
  {
    DataDirEditor editor(DataDir());
    editor.RewriteAsLegacy(*key, "agency-a");
    uint64_t size = 0;
    while (!editor.Get(size).empty()) ++size;
    v1::AuditEntry forged;
    ASSERT_TRUE(forged.ParseFromString(editor.Get(size - 1)));
    forged.set_sequence(size);
    forged.set_detail("forged");
    editor.Put(size, forged.SerializeAsString());
  }
  std::string output;
  EXPECT_EQ(Verify(OfflineArgs(), &output), 4) << output;
  EXPECT_TRUE(absl::StrContains(output, "the node holds no signed head and its newest checkpoint"))
      << output;
  EXPECT_FALSE(absl::StrContains(output, "note:")) << output;
}

TEST_F(StoreTamperTest, ADeletedRevocationIsNamed) {
  DataDirEditor(DataDir()).Delete("records", store_keys::RecordKey(ids_[0], 2));
  ExpectDisagreement(
      absl::StrCat("record '", ids_[0], "': the audit log's latest version is 2 (entry"));
}

TEST_F(StoreTamperTest, APlantedIndexKeyGivesNoHitAndIsNamed) {
  auto planted = NormalizeIndicator(v1::INDICATOR_TYPE_PHONE, "+33 6 99 99 99 99");
  ASSERT_TRUE(planted.ok());
  DataDirEditor(DataDir()).Put(
      "indicators", store_keys::IndicatorKey(v1::INDICATOR_TYPE_PHONE, *planted, ids_[1], 1), "");
  ExpectDisagreement("(planted index key)");
  StartNode();
  v1::SearchRequest search;
  search.set_value("+33 6 99 99 99 99");
  auto hits = Client()->Search(search);
  ASSERT_TRUE(hits.ok()) << hits.status();
  EXPECT_EQ(hits->hits_size(), 0);
  search.set_value("+33 6 12 34 56 71");  // the record's own value still matches
  EXPECT_EQ(Client()->Search(search)->hits_size(), 1);
}

TEST_F(StoreTamperTest, AnIndexKeyNamingNoRecordIsSkippedNotTheEndOfASearch) {
  auto value = NormalizeIndicator(v1::INDICATOR_TYPE_PHONE, "+33 6 12 34 56 71");
  ASSERT_TRUE(value.ok());
  // The lowest possible id: the search meets it before the record that really carries the value.
  DataDirEditor(DataDir()).Put("indicators",
                               store_keys::IndicatorKey(v1::INDICATOR_TYPE_PHONE, *value,
                                                        "00000000-0000-4000-8000-000000000000", 1),
                               "");
  ExpectDisagreement("(planted index key)");
  StartNode();
  v1::SearchRequest search;
  search.set_value("+33 6 12 34 56 71");
  auto hits = Client()->Search(search);
  ASSERT_TRUE(hits.ok()) << hits.status();
  ASSERT_EQ(hits->hits_size(), 1);
  EXPECT_EQ(PeekHeader(hits->hits(0).record())->id(), ids_[1]);
  EXPECT_TRUE(absl::StrContains(node_->ReadLog(), "store damaged")) << node_->ReadLog();
}

TEST_F(StoreTamperTest, ADeletedFeedEntryIsNamedAndThePullGoesOn) {
  DataDirEditor(DataDir()).Delete("feed", store_keys::FeedKey(3));
  ExpectDisagreement("feed position 3 of record");
  StartNode();
  auto pulled = PullAll();
  EXPECT_EQ(pulled.size(), 5u);  // six versions stored, one unreachable through the feed
}

TEST_F(StoreTamperTest, ARedirectedFeedEntryIsNamedAndTheReaderSeesTheRepeat) {
  {
    DataDirEditor editor(DataDir());
    editor.Put("feed", store_keys::FeedKey(2), editor.Get("feed", store_keys::FeedKey(4)));
  }
  ExpectDisagreement("feed position 2 points to");
  StartNode();
  const std::string& pki = testing::TestPki();
  std::string output;
  int code = testing::RunCommand(
      absl::StrCat(NEXUS_NEXUSCTL_PATH, " --target ", node_->address(), " --ca ", pki,
                   "/ca.crt --cert ", pki, "/agency-a/analyst.crt --key ", pki,
                   "/agency-a/analyst.key --keys ", pki, "/keys pull --since 0"),
      &output);
  EXPECT_EQ(code, 4) << output;
  EXPECT_TRUE(absl::StrContains(output, "arrived twice")) << output;
}

TEST_F(StoreTamperTest, ADanglingFeedEntryIsSkippedReportedAndNamed) {
  DataDirEditor(DataDir()).Put("feed", store_keys::FeedKey(2),
                               store_keys::RecordKey("00000000-0000-4000-8000-000000000000", 1));
  ExpectDisagreement("feed position 2 points to record '00000000-0000-4000-8000-000000000000'");
  StartNode();
  auto pulled = PullAll();
  ASSERT_EQ(pulled.size(), 5u);  // the pull went past the damaged entry
  EXPECT_EQ(pulled[1].first, 3u);
  bool reported = false;
  for (const v1::AuditEntry& entry : AllEntries()) {
    reported =
        reported || (entry.action() == v1::AUDIT_ACTION_PULL &&
                     absl::StrContains(entry.detail(), "damaged feed entries at positions 2"));
  }
  EXPECT_TRUE(reported);
  EXPECT_TRUE(absl::StrContains(node_->ReadLog(), "feed entry 2 skipped")) << node_->ReadLog();
  // The reader is told too: the answer has a hole.
  NexusClient::PullInfo info;
  ASSERT_TRUE(Client()
                  ->Pull(
                      {}, [](const v1::PullResponse&) { return true; }, &info)
                  .ok());
  EXPECT_EQ(info.unreadable_entries, 1u);
  std::string output;
  const std::string& pki = testing::TestPki();
  EXPECT_EQ(testing::RunCommand(
                absl::StrCat(NEXUS_NEXUSCTL_PATH, " --target ", node_->address(), " --ca ", pki,
                             "/ca.crt --cert ", pki, "/agency-a/analyst.crt --key ", pki,
                             "/agency-a/analyst.key --keys ", pki, "/keys pull --since 0"),
                &output),
            3)
      << output;
  EXPECT_TRUE(absl::StrContains(output, "INCOMPLETE: the node could not read 1 entries")) << output;
}

// Keys of the wrong length are what a hand-made edit leaves: the node must read around them (never
// past their end), serve everything else, and verification must name them.
TEST_F(StoreTamperTest, KeysOfTheWrongLengthAreReadAroundAndNamed) {
  {
    DataDirEditor editor(DataDir());
    editor.Put("feed", std::string("\xff", 1), store_keys::RecordKey(ids_[1], 1));  // sorts last
    editor.Put("records", ids_[2] + "abc", "not a record");  // under the id, shorter than a key
  }
  std::string output;
  EXPECT_EQ(Verify(OfflineArgs(), &output), 4) << output;
  StartNode();
  auto pulled = PullAll();
  EXPECT_EQ(pulled.size(), 6u);  // 5 versions 1 and the revocation; the damaged key passed over
  auto latest = Client()->Get(ids_[2], 0);
  ASSERT_TRUE(latest.ok()) << latest.status();
  EXPECT_EQ(PeekHeader(*latest)->version(), 1u);
  // New writes continue after the last real cursor, not after the damaged key.
  auto more = Client()->Publish({SampleDraft()});
  ASSERT_TRUE(more.ok());
  EXPECT_EQ((*more)[0].cursor(), 7u);
}

}  // namespace
}  // namespace nexus
