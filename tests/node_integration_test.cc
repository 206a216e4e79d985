// A real nexusd process with real certificates, driven through the client library over mTLS.
#include <grpcpp/create_channel.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/security/credentials.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <fstream>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "client/audit_client.h"
#include "client/nexus_client.h"
#include "client/publish_upload.h"
#include "common/crypto.h"
#include "common/record_seal.h"
#include "common/uuid.h"
#include "nexus/v1/agency_service.pb.h"
#include "tests/test_support.h"

namespace nexus {
namespace {

using testing::ClientFor;
using testing::NexusdProcess;
using testing::SampleDraft;

class NodeIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(keys_.AddDirectory(testing::TestPki() + "/keys").ok());
    config_ = testing::WriteNodeConfig(dir_.path(), "agency-a");
    StartNode();
  }

  void StartNode() {
    node_ = std::make_unique<NexusdProcess>(config_);
    ASSERT_TRUE(node_->ok()) << node_->ReadLog();
    client_ = Client("agency-a");
  }

  std::unique_ptr<NexusClient> Client(const std::string& agency,
                                      const std::string& role = "analyst") {
    auto client = NexusClient::Create(ClientFor(node_->address(), agency, role));
    EXPECT_TRUE(client.ok()) << client.status();
    return client.ok() ? *std::move(client) : nullptr;
  }

  std::vector<v1::PullResponse> PullAll(uint64_t since, v1::PullRequest request = {}) {
    request.set_since(since);
    std::vector<v1::PullResponse> pulled;
    absl::Status status = client_->Pull(request, [&](const v1::PullResponse& r) {
      pulled.push_back(r);
      return true;
    });
    EXPECT_TRUE(status.ok()) << status;
    return pulled;
  }

  // How many audit entries of `action` the node's log holds, read with its own agency's
  // certificate.
  int TransportRefusals(v1::AuditAction action) {
    auto auditor = AuditClient::Create(ClientFor(node_->address(), "agency-a"));
    EXPECT_TRUE(auditor.ok()) << auditor.status();
    int found = 0;
    v1::ListEntriesRequest request;
    request.mutable_filter()->set_action(action);
    EXPECT_TRUE((*auditor)
                    ->ListEntries(request,
                                  [&](const v1::AuditEntryBytes&) {
                                    ++found;
                                    return true;
                                  })
                    .ok());
    return found;
  }

  testing::TempDir dir_;
  std::string config_;
  Keyring keys_;
  std::unique_ptr<NexusdProcess> node_;
  std::unique_ptr<NexusClient> client_;
};

TEST_F(NodeIntegrationTest, PublishGetPullSearchRevoke) {
  v1::Record wallet = SampleDraft(
      {{v1::INDICATOR_TYPE_CRYPTO_WALLET, "BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ"}});
  wallet.mutable_assessment()->set_nexus_type(v1::NEXUS_TYPE_BLACK_HOLE);
  auto published = client_->Publish(
      {SampleDraft(), wallet, SampleDraft({{v1::INDICATOR_TYPE_IPV4, "300.1.1.1"}})});
  ASSERT_TRUE(published.ok()) << published.status();
  ASSERT_EQ(published->size(), 3u);
  EXPECT_EQ((*published)[0].outcome(), v1::PUBLISH_OUTCOME_STORED);
  EXPECT_EQ((*published)[1].outcome(), v1::PUBLISH_OUTCOME_STORED);
  EXPECT_EQ((*published)[2].error(), "indicator[0]: invalid IPv4 address '300.1.1.1'");
  const std::string id = (*published)[1].id();

  // Get, verified against the origin's key from the PKI (not from the node).
  auto got = client_->Get(id, 0);
  ASSERT_TRUE(got.ok()) << got.status();
  auto opened = OpenRecord(*got, keys_);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->record.origin_agency(), "agency-a");
  EXPECT_EQ(opened->record.indicators(0).normalized(),
            "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq");
  EXPECT_TRUE(absl::IsNotFound(client_->Get(id, 7).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(client_->Get("not-an-id", 0).status()));

  // Search by a differently written form of the same wallet.
  v1::SearchRequest search;
  search.set_value("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq");
  auto hits = client_->Search(search);
  ASSERT_TRUE(hits.ok()) << hits.status();
  ASSERT_EQ(hits->hits_size(), 1);
  EXPECT_EQ(hits->hits(0).matched_type(), v1::INDICATOR_TYPE_CRYPTO_WALLET);
  EXPECT_TRUE(OpenRecord(hits->hits(0).record(), keys_).ok());
  search.set_value("+33 (6) 12-34-56-78");
  EXPECT_EQ(client_->Search(search)->hits_size(), 1);
  search.set_value("!!!");
  search.set_type(v1::INDICATOR_TYPE_IPV4);
  EXPECT_TRUE(absl::IsInvalidArgument(client_->Search(search).status()));

  // Pull with a filter, then resume from a cursor.
  v1::PullRequest filter;
  filter.add_nexus_types(v1::NEXUS_TYPE_BLACK_HOLE);
  auto filtered = PullAll(0, filter);
  ASSERT_EQ(filtered.size(), 1u);
  EXPECT_EQ(filtered[0].cursor(), 2u);

  auto revoked = client_->Revoke(id, "superseded");
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(revoked->version(), 2u);
  auto after = PullAll(2);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0].cursor(), 3u);
  auto revoked_record = OpenRecord(after[0].record(), keys_);
  ASSERT_TRUE(revoked_record.ok());
  EXPECT_TRUE(revoked_record->record.revoked());
  EXPECT_EQ(revoked_record->record.version(), 2u);
}

// A reader learns the node's agency from the node's TLS certificate (as the handshake verified
// it), so it can tell whether the feed positions it gets are plain numbers: they are exactly
// when its own agency is the node's.
TEST_F(NodeIntegrationTest, APullNamesTheNodesAgencyFromItsCertificate) {
  ASSERT_TRUE(client_->Publish({SampleDraft()}).ok());
  NexusClient::PullInfo info;
  int pulled = 0;
  ASSERT_TRUE(client_
                  ->Pull(
                      v1::PullRequest(),
                      [&](const v1::PullResponse&) {
                        EXPECT_EQ(info.node_agency, "agency-a");  // known before the first record
                        return ++pulled > 0;
                      },
                      &info)
                  .ok());
  EXPECT_EQ(pulled, 1);
  EXPECT_EQ(info.node_agency, "agency-a");
}

TEST_F(NodeIntegrationTest, PublishStreamInBatches) {
  std::vector<v1::Record> records;
  for (int i = 0; i < 1000; ++i) {
    records.push_back(
        SampleDraft({{v1::INDICATOR_TYPE_PHONE, absl::StrCat("+4420", 7000000 + i)}}));
  }
  auto results = client_->PublishStream(records, 128);
  ASSERT_TRUE(results.ok()) << results.status();
  ASSERT_EQ(results->size(), 1000u);
  std::set<uint64_t> cursors;
  for (const auto& r : *results) {
    ASSERT_EQ(r.outcome(), v1::PUBLISH_OUTCOME_STORED) << r.error();
    cursors.insert(r.cursor());
  }
  EXPECT_EQ(cursors.size(), 1000u);
  EXPECT_EQ(PullAll(0).size(), 1000u);
}

// A client with several requests in flight: the node prepares each while the one before
// commits, and the answers are those of the requests taken one after the other, in order. A
// request over the limit ends the stream after the ones before it are answered.
TEST_F(NodeIntegrationTest, PublishStreamWithRequestsInFlightAnswersInOrder) {
  v1::Record original = SampleDraft({{v1::INDICATOR_TYPE_PHONE, "+442070009999"}});
  original.set_id(NewUuid());
  v1::Record changed = original;
  changed.set_summary("Changed.");
  absl::StatusOr<std::unique_ptr<PublishUpload>> upload =
      PublishUpload::Open(ClientFor(node_->address(), "agency-a"), /*skip_unchanged=*/true,
                          /*max_in_flight=*/4);
  ASSERT_TRUE(upload.ok()) << upload.status();
  // Each request changes the record from what the one before stored: every one is a version.
  const std::vector<v1::Record> sequence = {original, changed, original, changed, original};
  for (const v1::Record& record : sequence) ASSERT_TRUE((*upload)->Send({record}).ok());
  ASSERT_TRUE((*upload)->Send({original}).ok());  // the same as the latest: unchanged
  ASSERT_TRUE((*upload)->Send(std::vector<v1::Record>(1001, SampleDraft())).ok());
  absl::Status finished = (*upload)->Finish();
  EXPECT_EQ(finished.code(), absl::StatusCode::kInvalidArgument) << finished;
  EXPECT_TRUE(absl::StrContains(finished.message(), "1001 records")) << finished;
  std::vector<std::vector<v1::PublishResult>> answers = (*upload)->TakeAnswered();
  ASSERT_EQ(answers.size(), sequence.size() + 1);
  for (size_t i = 0; i < answers.size(); ++i) {
    ASSERT_EQ(answers[i].size(), 1u);
    const v1::PublishResult& result = answers[i][0];
    const bool last = i == sequence.size();
    EXPECT_EQ(result.outcome(), last ? v1::PUBLISH_OUTCOME_UNCHANGED : v1::PUBLISH_OUTCOME_STORED)
        << i << ": " << result.error();
    EXPECT_EQ(result.version(), last ? sequence.size() : i + 1) << i;
  }
  EXPECT_EQ(PullAll(0).size(), sequence.size());
  // One audit entry per draft (none refused on the way to being stored) and one for the request
  // over the limit, the last.
  auto auditor = AuditClient::Create(ClientFor(node_->address(), "agency-a"));
  ASSERT_TRUE(auditor.ok()) << auditor.status();
  v1::ListEntriesRequest query;
  query.mutable_filter()->set_action(v1::AUDIT_ACTION_PUBLISH);
  std::vector<v1::AuditEntry> published;
  ASSERT_TRUE((*auditor)
                  ->ListEntries(query,
                                [&](const v1::AuditEntryBytes& bytes) {
                                  EXPECT_TRUE(
                                      published.emplace_back().ParseFromString(bytes.entry()));
                                  return true;
                                })
                  .ok());
  ASSERT_EQ(published.size(), sequence.size() + 2);
  for (size_t i = 0; i + 1 < published.size(); ++i) {
    EXPECT_NE(published[i].outcome(), v1::AUDIT_OUTCOME_REFUSED) << published[i].error();
  }
  EXPECT_EQ(published.back().outcome(), v1::AUDIT_OUTCOME_REFUSED);
  EXPECT_EQ(published.back().count(), 1001u);
}

// An importer keeps its source's times and, with skip_unchanged, can import the same data again
// without storing anything new, over Publish and PublishStream alike.
TEST_F(NodeIntegrationTest, AReImportWithSkipUnchangedStoresNothingNew) {
  constexpr int64_t k2021 = 1'609'459'200'000'000;  // 2021-01-01T00:00:00Z
  std::vector<v1::Record> records;
  for (int i = 0; i < 20; ++i) {
    v1::Record record = SampleDraft({{v1::INDICATOR_TYPE_IPV4, absl::StrCat("198.51.100.", i)}});
    record.set_id(NewUuid());
    record.set_created_unix_micros(k2021);
    record.set_modified_unix_micros(k2021 + i);
    records.push_back(std::move(record));
  }
  const PublishOptions skip{.skip_unchanged = true};
  auto first = client_->PublishStream(records, 8, skip);
  ASSERT_TRUE(first.ok()) << first.status();
  for (const v1::PublishResult& r : *first) ASSERT_EQ(r.outcome(), v1::PUBLISH_OUTCOME_STORED);
  auto opened = OpenRecord(*client_->Get(records[3].id(), 0), keys_);
  ASSERT_TRUE(opened.ok()) << opened.status();
  EXPECT_EQ(opened->record.created_unix_micros(), k2021);
  EXPECT_EQ(opened->record.modified_unix_micros(), k2021 + 3);

  records[5].set_summary("Changed at the source.");
  records[5].set_modified_unix_micros(k2021 + 100);
  auto again = client_->PublishStream(records, 8, skip);
  ASSERT_TRUE(again.ok()) << again.status();
  for (int i = 0; i < 20; ++i) {
    const v1::PublishResult& r = (*again)[i];
    EXPECT_EQ(r.outcome(), i == 5 ? v1::PUBLISH_OUTCOME_STORED : v1::PUBLISH_OUTCOME_UNCHANGED)
        << i << ": " << r.error();
    EXPECT_EQ(r.version(), i == 5 ? 2u : 1u);
  }
  auto unary = client_->Publish({records[0], records[5]}, skip);
  ASSERT_TRUE(unary.ok()) << unary.status();
  EXPECT_EQ((*unary)[0].outcome(), v1::PUBLISH_OUTCOME_UNCHANGED);
  EXPECT_EQ((*unary)[1].outcome(), v1::PUBLISH_OUTCOME_UNCHANGED);
  EXPECT_EQ(PullAll(0).size(), 21u);

  // Without the option the same record is a new version, and its source's time must move on.
  auto refused = client_->Publish({records[0]});
  ASSERT_TRUE(refused.ok()) << refused.status();
  EXPECT_EQ((*refused)[0].code(), static_cast<int>(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ((*refused)[0].error(),
            "modified_unix_micros 2021-01-01T00:00:00Z is not after the latest version's "
            "modified 2021-01-01T00:00:00Z (version 1)");
}

TEST_F(NodeIntegrationTest, AnotherAgencyCannotPublishAndSeesNothingWithoutAPolicy) {
  auto other = Client("agency-b");
  auto published = other->Publish({SampleDraft()});
  ASSERT_FALSE(published.ok());
  EXPECT_EQ(published.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(absl::StrContains(published.status().message(), "agency 'agency-b' cannot publish"))
      << published.status();
  auto own = client_->Publish({SampleDraft()});
  ASSERT_TRUE(own.ok());
  const std::string id = (*own)[0].id();
  EXPECT_TRUE(absl::IsPermissionDenied(other->Revoke(id, "").status()));
  // Default deny: the record is answered exactly as a record that does not exist.
  auto got = other->Get(id, 0);
  EXPECT_TRUE(absl::IsNotFound(got.status())) << got.status();
  EXPECT_EQ(got.status().message(), absl::StrCat("record ", id, " not found"));
  int pulled = 0;
  v1::PullRequest pull;
  EXPECT_TRUE(other->Pull(pull, [&](const v1::PullResponse&) { return ++pulled > 0; }).ok());
  EXPECT_EQ(pulled, 0);
  v1::SearchRequest search;
  search.set_value("+33 6 12 34 56 78");
  EXPECT_EQ(other->Search(search)->hits_size(), 0);
  EXPECT_EQ(client_->Search(search)->hits_size(), 1);
  EXPECT_TRUE(absl::StrContains(node_->ReadLog(), "refused publish request"));
}

TEST_F(NodeIntegrationTest, NonMemberAgencyIsRefused) {
  // agency-c has certificates from the federation CA but this node's config omits it.
  node_->Stop();
  std::string text = *ReadFileToString(config_);
  size_t at = text.find("agencies { id: \"agency-c\"");
  text.erase(at, text.find('\n', at) - at);
  std::ofstream(config_) << text;
  StartNode();
  auto outsider = Client("agency-c");
  auto got = outsider->Get("00000000-0000-4000-8000-000000000000", 0);
  EXPECT_TRUE(absl::IsPermissionDenied(got.status())) << got.status();
  EXPECT_TRUE(absl::StrContains(got.status().message(), "not a member")) << got.status();
}

TEST_F(NodeIntegrationTest, AuditorRoleCannotPublish) {
  auto auditor = Client("agency-a", "auditor");
  auto published = auditor->Publish({SampleDraft()});
  ASSERT_FALSE(published.ok());
  EXPECT_EQ(published.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(absl::StrContains(published.status().message(), "role 'auditor'"));
}

TEST_F(NodeIntegrationTest, ForeignCaAndExpiredCertificatesAreRefused) {
  for (const char* role : {"foreign", "expired"}) {
    auto client = Client("agency-a", role);
    auto published = client->Publish({SampleDraft()});
    ASSERT_FALSE(published.ok()) << role;
    EXPECT_EQ(published.status().code(), absl::StatusCode::kUnavailable)
        << role << ": " << published.status();
  }
  EXPECT_TRUE(PullAll(0).empty());
}

// One unary call with raw bytes, as a generic gRPC tool makes it; returns the status and the
// response bytes.
std::pair<grpc::Status, std::string> RawCall(const std::shared_ptr<grpc::Channel>& channel,
                                             const std::string& method,
                                             const std::string& request_bytes) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  grpc::Slice slice(request_bytes);
  grpc::ByteBuffer request(&slice, 1), response;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&context, method, grpc::StubOptions(), &request, &response, [&](grpc::Status s) {
    std::lock_guard lock(mu);
    status = s;
    done = true;
    cv.notify_all();
  });
  std::unique_lock lock(mu);
  cv.wait(lock, [&] { return done; });
  std::string body;
  std::vector<grpc::Slice> slices;
  if (status.ok() && response.Dump(&slices).ok()) {
    for (const auto& s : slices) body.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  return {status, body};
}

// A channel with `agency`'s analyst certificate, for raw calls.
std::shared_ptr<grpc::Channel> AnalystChannel(const std::string& address,
                                              const std::string& agency) {
  ClientOptions options = ClientFor(address, agency);
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = *ReadFileToString(options.ca_file);
  tls.pem_cert_chain = *ReadFileToString(options.cert_file);
  tls.pem_private_key = *ReadFileToString(options.key_file);
  return grpc::CreateChannel(address, grpc::SslCredentials(tls));
}

TEST_F(NodeIntegrationTest, ClientWithoutCertificateIsRefused) {
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = *ReadFileToString(testing::TestPki() + "/ca.crt");
  v1::GetRequest get;
  get.set_id("00000000-0000-4000-8000-000000000000");
  auto [status, body] = RawCall(grpc::CreateChannel(node_->address(), grpc::SslCredentials(tls)),
                                "/nexus.v1.AgencyService/Get", get.SerializeAsString());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
}

TEST_F(NodeIntegrationTest, HealthServiceAnswers) {
  // grpc.health.v1.HealthCheckRequest{service: "nexus.v1.AgencyService"}, encoded by hand.
  std::string service = "nexus.v1.AgencyService";
  auto [status, body] =
      RawCall(AnalystChannel(node_->address(), "agency-a"), "/grpc.health.v1.Health/Check",
              absl::StrCat("\x0a", std::string(1, static_cast<char>(service.size())), service));
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(body, std::string("\x08\x01"));  // status: SERVING
}

TEST_F(NodeIntegrationTest, OversizedMessageIsRefusedAndNothingElseLost) {
  node_->Stop();
  config_ =
      testing::WriteNodeConfig(dir_.path(), "agency-a", "limits { max_message_bytes: 65536 }\n");
  StartNode();
  ASSERT_TRUE(client_->Publish({SampleDraft()}).ok());
  v1::Record huge = SampleDraft();
  huge.set_summary(std::string(60000, 'x'));
  auto published = client_->Publish({huge, huge});
  ASSERT_FALSE(published.ok());
  EXPECT_EQ(published.status().code(), absl::StatusCode::kResourceExhausted) << published.status();
  EXPECT_EQ(PullAll(0).size(), 1u);
  ASSERT_TRUE(client_->Publish({SampleDraft()}).ok());
}

TEST_F(NodeIntegrationTest, UnparsableRequestIsRefusedLoggedAndAudited) {
  // A length-delimited field whose length runs past the end: no GetRequest parses from it.
  auto [status, body] =
      RawCall(AnalystChannel(node_->address(), "agency-b"), "/nexus.v1.AgencyService/Get",
              "\x0a\xff\xff\x03"
              "abc");
  EXPECT_FALSE(status.ok());
  EXPECT_TRUE(testing::WaitFor([&] {
    return absl::StrContains(node_->ReadLog(), "before any handler");
  })) << node_->ReadLog();
  EXPECT_EQ(TransportRefusals(v1::AUDIT_ACTION_TRANSPORT), 1);
  ASSERT_TRUE(client_->Publish({SampleDraft()}).ok());  // the node goes on serving
}

TEST_F(NodeIntegrationTest, EverythingSurvivesARestart) {
  auto published = client_->Publish({SampleDraft(), SampleDraft()});
  ASSERT_TRUE(published.ok());
  EXPECT_EQ(node_->Stop(), 0) << node_->ReadLog();  // graceful: exit status 0
  EXPECT_TRUE(absl::StrContains(node_->ReadLog(), "store closed"));
  StartNode();
  auto got = client_->Get((*published)[1].id(), 0);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(OpenRecord(*got, keys_).ok());
  auto more = client_->Publish({SampleDraft()});
  ASSERT_TRUE(more.ok());
  EXPECT_EQ((*more)[0].cursor(), 3u);
  EXPECT_EQ(PullAll(0).size(), 3u);
}

// A process crash: what was acknowledged was written before the answer. (A kill leaves the OS page
// cache intact, so this cannot tell a synced write from an unsynced one; sync = true in
// CommitQueue is what covers power loss, and no test here simulates that.)
TEST_F(NodeIntegrationTest, AcknowledgedPublishesSurviveKillNine) {
  auto published = client_->PublishStream(std::vector<v1::Record>(200, SampleDraft()), 50);
  ASSERT_TRUE(published.ok());
  node_->Kill();
  StartNode();
  EXPECT_EQ(PullAll(0).size(), 200u);
}

TEST(NexusdStartup, ConfigErrorNamesFileLineAndColumn) {
  testing::TempDir dir;
  std::string path = dir.File("node.textproto");
  std::ofstream(path) << "agency_id: \"agency-a\"\nlisten_adress: \"127.0.0.1:0\"\n";
  std::string output;
  int rc = testing::RunCommand(absl::StrCat(NEXUS_NEXUSD_PATH, " --config ", path), &output);
  EXPECT_EQ(rc, 1);
  EXPECT_TRUE(absl::StrContains(output, path + ":2:")) << output;
  EXPECT_TRUE(absl::StrContains(output, "listen_adress")) << output;
}

TEST(NexusdStartup, MismatchedSigningKeyIsRefused) {
  testing::TempDir dir;
  // agency-a's node with agency-b's signing key.
  std::string config = testing::WriteNodeConfig(dir.path(), "agency-a");
  std::string text = *ReadFileToString(config);
  std::string own = testing::TestPki() + "/agency-a/signing.key";
  text.replace(text.find(own), own.size(), testing::TestPki() + "/agency-b/signing.key");
  std::ofstream(config) << text;
  std::string output;
  int rc = testing::RunCommand(absl::StrCat(NEXUS_NEXUSD_PATH, " --config ", config), &output);
  EXPECT_EQ(rc, 1);
  EXPECT_TRUE(absl::StrContains(output,
                                "does not match the public key listed for agency "
                                "'agency-a' key '1'"))
      << output;
}

}  // namespace
}  // namespace nexus
