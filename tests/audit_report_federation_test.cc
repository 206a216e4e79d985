// nexusctl audit report over the logs of two real nodes after real replication: the origin's
// report counts the versions it sent to the peer, by TLP read from its record store (offline),
// and the peer's the versions it received; both agree with the entries `audit list` shows.
//
// NEXUS_KEEP_AUDIT_REPORT=DIR keeps the origin's page there (the README's screenshot is made
// from it with headless Chromium).
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"
#include "tests/federation_harness.h"

namespace nexus::testing {
namespace {

// nexusctl at `node` with the certificate of `role` of `agency` (default: the node's own
// auditor), with `args`; returns the exit code.
int Nexusctl(const FederationNode& node, const std::string& args, std::string* output,
             const std::string& role = "auditor", std::string agency = "") {
  const std::string& pki = TestPki();
  if (agency.empty()) agency = node.agency();
  return RunCommand(absl::StrCat(NEXUS_NEXUSCTL_PATH, " --target ", node.address(), " --ca ", pki,
                                 "/ca.crt --cert ", pki, "/", agency, "/", role, ".crt --key ", pki,
                                 "/", agency, "/", role, ".key --keys ", pki, "/keys ", args),
                    output);
}

// Versions named by the entries `audit list` prints as JSON lines.
size_t ListedVersions(const std::string& lines) {
  size_t versions = 0;
  for (absl::string_view line : absl::StrSplit(lines, '\n', absl::SkipEmpty())) {
    const nlohmann::json listed = nlohmann::json::parse(line);
    versions += listed["entry"].value("targets", nlohmann::json::array()).size();
  }
  return versions;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(AuditReportFederationTest, FlowsMatchTheReplicationEntriesOnBothSides) {
  FederationNode c(kAgencyC), b(kAgencyB);
  c.set_policy(kEverythingToAgencyB);
  c.AddPeer(InboundPeer(kAgencyB));
  b.AddPeer(PullPeer(kAgencyC, c.address()));
  ASSERT_EQ(c.Start(), absl::OkStatus());
  ASSERT_EQ(b.Start(), absl::OkStatus());
  auto published =
      PublishAll(c, {FederationDraft("green", v1::TLP_GREEN, v1::DISTRIBUTION_SCOPE_FEDERATION),
                     FederationDraft("amber 1", v1::TLP_AMBER, v1::DISTRIBUTION_SCOPE_FEDERATION),
                     FederationDraft("amber 2", v1::TLP_AMBER, v1::DISTRIBUTION_SCOPE_FEDERATION)});
  ASSERT_TRUE(published.ok()) << published.status();
  for (const v1::PublishResult& result : *published) {
    ASSERT_TRUE(WaitFor([&] { return b.Get(result.id(), 0).ok(); })) << b.ReadLog();
  }
  std::string out;
  ASSERT_EQ(Nexusctl(b, "--purpose CASE-7 get " + (*published)[0].id(), &out, "analyst"), 0) << out;
  // Reads and a refusal at the origin, for its page.
  const std::string& id = (*published)[1].id();
  ASSERT_EQ(Nexusctl(c, "--purpose 'CASE-2026-0042 joint team' get " + id, &out, "analyst"), 0)
      << out;
  ASSERT_EQ(Nexusctl(c, "--purpose 'CASE-2026-0042 joint team' get " + id, &out, "analyst"), 0)
      << out;
  ASSERT_EQ(Nexusctl(c, "--purpose 'CASE-2026-0107' search 'green'", &out, "analyst"), 0) << out;
  EXPECT_NE(Nexusctl(c, "--purpose 'CASE-9' get " + id, &out, "analyst", "agency-a"), 0) << out;

  // The peer, online: what it received from the origin.
  const std::string witness = c.dir() + "/witness";
  ASSERT_EQ(Nexusctl(c, "--json audit list --action replicate --outcome ok", &out), 0) << out;
  const size_t sent = ListedVersions(out);
  ASSERT_EQ(Nexusctl(b, "--json audit list --action receive --outcome ok", &out), 0) << out;
  const size_t received = ListedVersions(out);
  EXPECT_EQ(sent, 3u);
  EXPECT_EQ(received, 3u);
  ASSERT_EQ(Nexusctl(b, "audit report --json --witness " + b.dir() + "/witness 2>/dev/null", &out),
            0)
      << out;
  const nlohmann::json at_b = nlohmann::json::parse(out);
  // Each receipt names the version's TLP: the report counts by it without the records.
  EXPECT_EQ(at_b["flows"]["peers"]["agency-c"]["received"]["GREEN"]["versions"], 1) << at_b.dump(1);
  EXPECT_EQ(at_b["flows"]["peers"]["agency-c"]["received"]["AMBER"]["versions"], 2) << at_b.dump(1);
  // Its analysts' reads (the harness's own gets while it waited included), as listed.
  ASSERT_EQ(Nexusctl(b, "--json audit list --action get,pull,search --outcome ok", &out), 0);
  const size_t reads = std::count(out.begin(), out.end(), '\n');
  EXPECT_GE(reads, 1u);
  EXPECT_EQ(at_b["reads"]["by_agency"]["agency-b"]["entries"], reads);

  // The origin, offline over its data directory: the TLP of each version sent, from its store.
  ASSERT_EQ(c.Stop(), 0);
  const std::string page = c.dir() + "/report.html";
  ASSERT_EQ(Nexusctl(c,
                     absl::StrCat("audit report --offline ", c.data_dir(),
                                  " --agency agency-c --json --html ", page, " --witness ", witness,
                                  " 2>/dev/null"),
                     &out),
            0)
      << out;
  const nlohmann::json at_c = nlohmann::json::parse(out);
  const nlohmann::json& to_b = at_c["flows"]["peers"]["agency-b"]["sent"];
  EXPECT_EQ(to_b["GREEN"]["versions"], 1) << at_c.dump(1);
  EXPECT_EQ(to_b["AMBER"]["versions"], 2) << at_c.dump(1);
  EXPECT_TRUE(at_c["verification"]["ok"].get<bool>());
  EXPECT_EQ(at_c["verification"]["store_mismatches"], 0) << "offline, the store is checked too";
  const std::string html = ReadFile(page);
  EXPECT_TRUE(absl::StrContains(html, "<svg class=\"flows\"")) << html;
  EXPECT_TRUE(absl::StrContains(html, "GREEN 1")) << html;
  if (const char* keep = std::getenv("NEXUS_KEEP_AUDIT_REPORT")) {
    std::filesystem::copy_file(page, std::string(keep) + "/audit-report.html",
                               std::filesystem::copy_options::overwrite_existing);
  }
}

}  // namespace
}  // namespace nexus::testing
