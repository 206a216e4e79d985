// nexusctl audit report against a real node, rendered by a real browser: Debian's headless
// Chromium loads the page, and its DOM must show the figures the log holds, with the hostile
// purpose as text and no element made from it; its screenshot must be a real picture.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nexus/v1/audit.pb.h"
#include "nlohmann/json.hpp"
#include "tests/audit_fixtures.h"
#include "tests/nexusctl_fixture.h"

namespace nexus {
namespace {

constexpr char kHostilePurpose[] = R"("><img src=x onerror=alert(1)><script>alert(2)</script>)";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

size_t Lines(const std::string& text) {
  size_t lines = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) lines += !line.empty();
  return lines;
}

class AuditReportIntegrationTest : public NexusctlTest {
 protected:
  // Headless Chromium over file `page`, with `flags`; its own profile and HOME in a temp dir.
  int Chromium(const std::string& flags, const std::string& page, std::string* out) {
    const std::string profile = dir_.File("chromium-profile");
    return testing::RunCommand(
        absl::StrCat("HOME=", profile, " timeout 60 chromium --headless --no-sandbox ",
                     "--disable-gpu --no-first-run --user-data-dir=", profile, " ", flags,
                     " file://", page, " 2>/dev/null"),
        out);
  }
};

TEST_F(AuditReportIntegrationTest, ChromiumShowsTheLogsFiguresAndHostileTextAsText) {
  std::string out;
  ASSERT_EQ(testing::RunCommand("command -v chromium", &out), 0)
      << "chromium is not installed: the audit report is tested in a real browser "
         "(deploy/install-deps.sh installs Debian's chromium)";
  ASSERT_EQ(Run("push --tlp amber --scope federation --nexus-type hybrid --reliability B "
                "--credibility 2 --summary 'report test' --indicator 'iban=DE89 3704 0044 0532 "
                "0130 00'",
                &out),
            0)
      << out;
  const std::string id = out.substr(out.find("stored") + 11, 36);
  ASSERT_EQ(Run("--purpose CASE-2026-0042 get " + id, &out), 0) << out;
  ASSERT_EQ(Run("--purpose CASE-2026-0042 search de89370400440532013000", &out), 0) << out;
  ASSERT_EQ(Run(absl::StrCat("--purpose '", kHostilePurpose, "' get ", id), &out), 0) << out;
  EXPECT_EQ(Run("get 00000000-0000-4000-8000-000000000000", &out), 1) << out;
  EXPECT_EQ(Run("push --indicator ipv4=1.2.3.4", &out, "agency-b"), 1) << out;

  const std::string page = dir_.File("report.html");
  const std::string json_path = dir_.File("report.json");
  ASSERT_EQ(Run(absl::StrCat("audit report --since 2000-01-01 --html ", page, " --witness ",
                             dir_.File("witness"), " --json > ", json_path),
                &out),
            0)
      << out;
  const nlohmann::json report = nlohmann::json::parse(ReadFile(json_path));
  ASSERT_TRUE(report["verification"]["ok"].get<bool>()) << report.dump();

  // The figures against the log, as `audit list` shows it.
  ASSERT_EQ(
      Run("--json audit list --action get,pull,search,alert,federated-search --outcome ok", &out),
      0);
  const size_t reads = Lines(out);
  ASSERT_EQ(Run("--json audit list --outcome refused", &out), 0);
  const size_t refusals = Lines(out);
  EXPECT_EQ(reads, 3u);
  EXPECT_GE(refusals, 2u);
  EXPECT_EQ(report["reads"]["total"].get<size_t>(), reads);
  EXPECT_EQ(report["refusals"]["total"].get<size_t>(), refusals);
  EXPECT_EQ(report["reads"]["by_agency"]["agency-a"]["entries"].get<size_t>(), reads);

  // The page as the browser built it.
  std::string dom;
  ASSERT_EQ(Chromium("--dump-dom", page, &dom), 0) << dom;
  ASSERT_TRUE(absl::StrContains(dom, "</html>")) << dom;
  EXPECT_TRUE(absl::StrContains(dom, "id=\"verdict\">VERIFIED<")) << dom;
  EXPECT_TRUE(absl::StrContains(dom, absl::StrCat("id=\"reads-total\">", reads, "<"))) << dom;
  EXPECT_TRUE(absl::StrContains(dom, absl::StrCat("id=\"refusals-total\">", refusals, "<"))) << dom;
  EXPECT_TRUE(absl::StrContains(
      dom, absl::StrCat("id=\"window-entries\">", report["entries_in_window"].get<size_t>(), "<")));
  EXPECT_TRUE(absl::StrContains(dom, "CASE-2026-0042")) << dom;
  // The hostile purpose is text in a cell, and no element came from it.
  EXPECT_TRUE(absl::StrContains(dom, "&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(2)"))
      << dom;
  EXPECT_FALSE(absl::StrContains(dom, "<script")) << dom;
  EXPECT_FALSE(absl::StrContains(dom, "<img")) << dom;
  EXPECT_FALSE(absl::StrContains(dom, "onerror=\"")) << dom;

  const std::string png = dir_.File("report.png");
  ASSERT_EQ(Chromium(absl::StrCat("--screenshot=", png, " --window-size=1280,2000"), page, &out), 0)
      << out;
  const std::string image = ReadFile(png);
  ASSERT_GT(image.size(), 20000u) << "a screenshot of a page with figures, not a blank one";
  EXPECT_EQ(image.substr(0, 8), "\x89PNG\r\n\x1a\n");
}

// A window that holds nothing still verifies the whole log and says so first.
TEST_F(AuditReportIntegrationTest, AnEmptyWindowStillVerifiesTheWholeLog) {
  std::string out;
  const std::string page = dir_.File("empty.html");
  ASSERT_EQ(Run(absl::StrCat("audit report --since 2000-01-01 --until 2000-01-02 --html ", page,
                             " --witness ", dir_.File("witness")),
                &out),
            0)
      << out;
  EXPECT_TRUE(absl::StrContains(out, "VERIFIED: 0 entries in the window")) << out;
  const std::string html = ReadFile(page);
  EXPECT_TRUE(absl::StrContains(html, "id=\"verdict\">VERIFIED<"));
  EXPECT_TRUE(absl::StrContains(html, "id=\"window-entries\">0<"));
  EXPECT_EQ(Run("audit report --witness " + dir_.File("witness"), &out), 2) << out;
  EXPECT_EQ(Run("audit report --since 2026-02-30x --json", &out), 2) << out;
}

// A log edited in its data directory: the page is written all the same, NOT VERIFIED first on
// it, and the command exits 4 as `audit verify` does.
TEST_F(AuditReportIntegrationTest, AnEditedLogIsReportedNotVerifiedFirst) {
  std::string out;
  ASSERT_EQ(Run("--purpose CASE-1 get 00000000-0000-4000-8000-000000000000", &out), 1) << out;
  node_->Stop();
  {
    testing::DataDirEditor editor(dir_.File("data"));
    v1::AuditEntry entry;
    ASSERT_TRUE(entry.ParseFromString(editor.Get(1)));
    entry.set_purpose("an edited purpose");
    editor.Put(1, entry.SerializeAsString());
  }
  const std::string page = dir_.File("edited.html");
  EXPECT_EQ(Run(absl::StrCat("audit report --offline ", dir_.File("data"),
                             " --agency agency-a --html ", page, " --witness ", dir_.File("w")),
                &out),
            4)
      << out;
  EXPECT_TRUE(absl::StrContains(out, "NOT VERIFIED")) << out;
  const std::string html = ReadFile(page);
  const size_t verdict = html.find("id=\"verdict\">NOT VERIFIED<");
  ASSERT_NE(verdict, std::string::npos) << html;
  EXPECT_LT(verdict, html.find("id=\"flows\"")) << "the verdict comes before every figure";
  EXPECT_TRUE(absl::StrContains(html, "BROKEN at entry 1")) << html;
}

}  // namespace
}  // namespace nexus
