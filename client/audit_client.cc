#include "client/audit_client.h"

#include <grpcpp/client_context.h>

#include "absl/strings/str_cat.h"
#include "client/channel.h"
#include "nexus/v1/audit_service.grpc.pb.h"

namespace nexus {
namespace {

void SetDeadline(grpc::ClientContext& context, absl::Duration timeout) {
  context.set_deadline(std::chrono::system_clock::now() + absl::ToChronoMilliseconds(timeout));
}

absl::StatusOr<std::vector<merkle::Hash>> Hashes(const v1::Proof& proof) {
  std::vector<merkle::Hash> hashes;
  for (const std::string& bytes : proof.hashes()) {
    if (bytes.size() != 32) return absl::DataLossError("proof element is not a 32-byte hash");
    merkle::Hash& hash = hashes.emplace_back();
    std::copy(bytes.begin(), bytes.end(), hash.begin());
  }
  return hashes;
}

// Entries written before entries were bounded may be large, but none this large: a node claiming
// more is not believed, so that it cannot make the client hold unbounded memory.
constexpr uint64_t kMaxJoinedEntryBytes = 64 << 20;

}  // namespace

struct AuditClient::Stub {
  std::unique_ptr<v1::AuditService::Stub> stub;
};

AuditClient::AuditClient(std::unique_ptr<Stub> stub, absl::Duration timeout)
    : stub_(std::move(stub)), timeout_(timeout) {}
AuditClient::~AuditClient() = default;

absl::StatusOr<std::unique_ptr<AuditClient>> AuditClient::Create(const ClientOptions& options) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(options);
  if (!channel.ok()) return channel.status();
  auto stub = std::make_unique<Stub>();
  stub->stub = v1::AuditService::NewStub(*channel);
  return std::unique_ptr<AuditClient>(new AuditClient(std::move(stub), options.timeout));
}

absl::StatusOr<v1::SignedCheckpoint> AuditClient::GetCheckpoint(bool sign_now,
                                                                std::string* node_agency) {
  grpc::ClientContext context;
  SetDeadline(context, timeout_);
  v1::GetCheckpointRequest request;
  request.set_sign_now(sign_now);
  v1::SignedCheckpoint response;
  grpc::Status status = stub_->stub->GetCheckpoint(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  if (node_agency != nullptr) {
    absl::StatusOr<CertificateIdentity> identity = ServerIdentity(context);
    *node_agency = identity.ok() && identity->role == "node" ? identity->agency_id : "";
  }
  return response;
}

absl::StatusOr<std::vector<v1::SignedCheckpoint>> AuditClient::ListCheckpoints(
    uint64_t since_size, uint64_t* superseded) {
  std::vector<v1::SignedCheckpoint> all;
  while (true) {  // page by tree size
    grpc::ClientContext context;
    SetDeadline(context, timeout_);
    v1::ListCheckpointsRequest request;
    request.set_since_size(since_size);
    v1::ListCheckpointsResponse response;
    grpc::Status status = stub_->stub->ListCheckpoints(&context, request, &response);
    if (!status.ok()) return FromGrpc(status);
    if (superseded != nullptr) *superseded = response.superseded_checkpoints();
    if (response.checkpoints().empty()) return all;
    for (const v1::SignedCheckpoint& checkpoint : response.checkpoints()) {
      v1::Checkpoint parsed;
      if (!parsed.ParseFromString(checkpoint.checkpoint()) || parsed.tree_size() < since_size) {
        return absl::DataLossError("the node listed a malformed or out-of-order checkpoint");
      }
      since_size = parsed.tree_size() + 1;
      all.push_back(checkpoint);
    }
  }
}

absl::Status AuditClient::ListEntries(
    const v1::ListEntriesRequest& request,
    const std::function<bool(const v1::AuditEntryBytes&)>& on_entry) {
  grpc::ClientContext context;
  auto reader = stub_->stub->ListEntries(&context, request);
  // An entry arriving in pieces, until its last piece. Pieces of one entry follow each other
  // with no other entry between them; anything else is a broken stream, never a silent gap.
  v1::AuditEntryBytes joined;
  bool joining = false;
  absl::Status broken;
  auto fail = [&](const std::string& problem) {
    broken = absl::DataLossError(absl::StrCat("the node's listing is broken: ", problem));
    return false;
  };
  absl::Status read =
      ReadStream<v1::AuditEntryPage>(context, *reader, [&](const v1::AuditEntryPage& page) {
        for (const v1::AuditEntryBytes& entry : page.entries()) {
          if (entry.total_size() == 0) {
            if (joining) return fail(absl::StrCat("entry ", joined.index(), " is incomplete"));
            if (!on_entry(entry)) return false;
            continue;
          }
          if (entry.total_size() > kMaxJoinedEntryBytes) {
            return fail(absl::StrCat("entry ", entry.index(), " claims ", entry.total_size(),
                                     " bytes, more than any entry may hold"));
          }
          if (entry.offset() == 0) {
            if (joining) return fail(absl::StrCat("entry ", joined.index(), " is incomplete"));
            joined = entry;
            joining = true;
          } else if (!joining || entry.index() != joined.index() ||
                     entry.offset() != joined.entry().size() ||
                     entry.total_size() != joined.total_size()) {
            return fail(absl::StrCat("piece at offset ", entry.offset(), " of entry ",
                                     entry.index(), " is out of order"));
          } else {
            joined.mutable_entry()->append(entry.entry());
          }
          if (joined.entry().size() > joined.total_size()) {
            return fail(
                absl::StrCat("the pieces of entry ", entry.index(), " exceed its announced size"));
          }
          if (joined.entry().size() == joined.total_size()) {
            joining = false;
            joined.clear_offset();
            joined.clear_total_size();
            if (!on_entry(joined)) return false;
          }
        }
        return true;
      });
  if (broken.ok() && read.ok() && joining) {
    fail(absl::StrCat("the listing ended inside entry ", joined.index()));
  }
  return broken.ok() ? read : broken;
}

absl::StatusOr<std::vector<merkle::Hash>> AuditClient::InclusionProof(uint64_t index,
                                                                      uint64_t tree_size) {
  grpc::ClientContext context;
  SetDeadline(context, timeout_);
  v1::InclusionProofRequest request;
  request.set_index(index);
  request.set_tree_size(tree_size);
  v1::Proof response;
  grpc::Status status = stub_->stub->GetInclusionProof(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  return Hashes(response);
}

absl::StatusOr<v1::RecordTrailAnswer> AuditClient::RecordTrail(
    const v1::RecordTrailRequest& request) {
  grpc::ClientContext context;
  SetDeadline(context, timeout_);
  v1::RecordTrailAnswer answer;
  grpc::Status status = stub_->stub->RecordTrail(&context, request, &answer);
  if (!status.ok()) return FromGrpc(status);
  return answer;
}

absl::StatusOr<std::vector<merkle::Hash>> AuditClient::ConsistencyProof(uint64_t first,
                                                                        uint64_t second) {
  grpc::ClientContext context;
  SetDeadline(context, timeout_);
  v1::ConsistencyProofRequest request;
  request.set_first_size(first);
  request.set_second_size(second);
  v1::Proof response;
  grpc::Status status = stub_->stub->GetConsistencyProof(&context, request, &response);
  if (!status.ok()) return FromGrpc(status);
  return Hashes(response);
}

}  // namespace nexus
