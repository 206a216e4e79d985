#include "client/audit_commands.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/audit_client.h"
#include "client/audit_text.h"
#include "client/audit_verifier.h"
#include "client/federation_commands.h"
#include "client/offline_audit.h"
#include "client/record_text.h"
#include "client/store_cross_check.h"
#include "client/witness_file.h"
#include "common/checkpoint.h"
#include "common/merkle.h"
#include "common/untrusted_text.h"

namespace nexus {

const char kAuditUsage[] = R"(audit commands (auditor certificate, or any of the node's own agency):
  audit tail [--limit N]            the newest entries (default 20)
  audit list [filters]              entries, oldest first
  audit export [FILE] [filters]     entries as JSON lines (to FILE or standard output)
  audit verify [--offline DATA_DIR] recompute the whole tree and check it against the node's
                                    signed head, every checkpoint it signed, every checkpoint you
                                    witnessed before and (offline) its stored tree and records
  audit verify --peer AGENCY        the signed heads of AGENCY's audit log that the node (its
                                    peer) verified: NOT VERIFIED if the node raised an alarm or
                                    its heads contradict each other (with --keys: or a signature)
  audit prove ENTRY                 fetch and check the inclusion proof of one entry
  audit consistency OLD NEW         fetch and check the consistency proof between two checkpoints
filters: --from INDEX --to INDEX --actor AGENCY --action ACTION --record ID --outcome OUTCOME
         --after TIME --before TIME --limit N
--witness FILE: where verified checkpoints are kept (default ~/.nexusctl/witness/AGENCY.checkpoints)
--keys DIR must hold the audited agency's public key.
exit codes: 0 verified; 1 refused; 2 usage; 3 node unreachable; 4 NOT VERIFIED (the log, a proof
or the store does not verify); 5 CANNOT READ (the log could not be read: no verdict either way).
)";

namespace {

enum ExitCode {
  kOk = 0,
  kRefused = 1,
  kUsageError = 2,
  kUnavailable = 3,
  kUnverified = 4,  // the log, a proof or the store does not verify: evidence of tampering
  kUnreadable = 5,  // something could not be read: no verdict either way
};

// Messages may quote input (the node's answer, an entry's text): printed escaped and bounded.
constexpr size_t kMaxMessageBytes = 4096;

std::string Shown(absl::string_view text) {
  return EscapeMessageForTerminal(text, kMaxMessageBytes);
}

int Usage(const std::string& problem) {
  std::fprintf(stderr, "nexusctl audit: %s\n(see nexusctl --help)\n", Shown(problem).c_str());
  return kUsageError;
}

int Failure(const absl::Status& status, const std::string& doing) {
  std::fprintf(stderr, "nexusctl audit: %s: %s\n", doing.c_str(), Shown(status.message()).c_str());
  bool unreachable = status.code() == absl::StatusCode::kUnavailable ||
                     status.code() == absl::StatusCode::kDeadlineExceeded;
  return unreachable ? kUnavailable : kRefused;
}

int Unverified(const std::string& problem) {
  std::fprintf(stderr, "nexusctl audit: NOT VERIFIED: %s\n", Shown(problem).c_str());
  return kUnverified;
}

absl::StatusOr<v1::ListEntriesRequest> ListRequest(const CommandLine& line) {
  v1::ListEntriesRequest request;
  absl::StatusOr<uint64_t> from = line.Count("from");
  absl::StatusOr<uint64_t> to = line.Count("to");
  absl::StatusOr<uint64_t> limit = line.Count("limit");
  absl::StatusOr<int64_t> after = line.TimeMicros("after");
  absl::StatusOr<int64_t> before = line.TimeMicros("before");
  for (const absl::Status& s :
       {from.status(), to.status(), limit.status(), after.status(), before.status()}) {
    if (!s.ok()) return s;
  }
  request.set_start(*from);
  request.set_end(*to == 0 ? 0 : *to + 1);  // --to is inclusive
  request.set_limit(static_cast<uint32_t>(*limit));
  v1::AuditFilter* filter = request.mutable_filter();
  filter->set_actor_agency(line.Get("actor"));
  filter->set_record_id(line.Get("record"));
  filter->set_after_unix_micros(*after);
  filter->set_before_unix_micros(*before);
  if (line.Has("action")) {
    v1::AuditAction action;
    if (!ParseAuditAction(line.Get("action"), &action)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown --action '", line.Get("action"), "' (publish, get, pull, search, revoke, ...)"));
    }
    filter->set_action(action);
  }
  if (line.Has("outcome")) {
    v1::AuditOutcome outcome;
    if (!ParseAuditOutcome(line.Get("outcome"), &outcome)) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown --outcome '", line.Get("outcome"), "' (ok, unchanged, refused)"));
    }
    filter->set_outcome(outcome);
  }
  return request;
}

absl::StatusOr<std::unique_ptr<AuditClient>> Connect(const ClientOptions& options) {
  return AuditClient::Create(options);
}

int List(const CommandLine& line, const ClientOptions& options, bool json, bool tail,
         std::ostream& out) {
  absl::StatusOr<v1::ListEntriesRequest> request = ListRequest(line);
  if (!request.ok()) return Usage(std::string(request.status().message()));
  if (tail) {
    request->set_newest_first(true);
    if (request->limit() == 0) request->set_limit(20);
  }
  absl::StatusOr<std::unique_ptr<AuditClient>> client = Connect(options);
  if (!client.ok()) return Usage(std::string(client.status().message()));
  std::vector<v1::AuditEntryBytes> listed;
  absl::Status status = (*client)->ListEntries(*request, [&](const v1::AuditEntryBytes& entry) {
    if (tail) {
      listed.push_back(entry);
    } else {
      out << (json ? AuditEntryToJson(entry) + "\n" : AuditEntryToHumanText(entry));
    }
    return true;
  });
  if (!status.ok()) return Failure(status, "list");
  for (auto it = listed.rbegin(); it != listed.rend(); ++it) {
    out << (json ? AuditEntryToJson(*it) + "\n" : AuditEntryToHumanText(*it));
  }
  return kOk;
}

std::string WitnessPath(const CommandLine& line, const std::string& origin) {
  return line.Has("witness") ? line.Get("witness") : WitnessFile::DefaultPath(origin);
}

// Checks `latest` (already signature-verified) against the witnessed checkpoint of the largest
// size not above it, with a consistency proof from the node, then records it as witnessed.
// Witnessed checkpoints were each checked against the one before, so one proof covers them all.
absl::Status Witness(const CommandLine& line, AuditClient& client, const Keyring& keys,
                     const v1::SignedCheckpoint& latest_signed, const v1::Checkpoint& latest) {
  WitnessFile witness(WitnessPath(line, latest.origin()));
  absl::StatusOr<std::vector<v1::SignedCheckpoint>> seen = witness.Load();
  if (!seen.ok()) return seen.status();
  std::optional<v1::Checkpoint> previous;
  for (const v1::SignedCheckpoint& signed_checkpoint : *seen) {
    absl::StatusOr<v1::Checkpoint> checkpoint = VerifyCheckpoint(signed_checkpoint, keys);
    if (!checkpoint.ok()) return checkpoint.status();
    if (checkpoint->tree_size() > latest.tree_size()) {
      return absl::DataLossError(absl::StrCat("the log shrank: you witnessed tree size ",
                                              checkpoint->tree_size(), ", the node now signs ",
                                              latest.tree_size()));
    }
    if (!previous || checkpoint->tree_size() >= previous->tree_size()) previous = *checkpoint;
  }
  if (previous) {
    absl::StatusOr<std::vector<merkle::Hash>> proof =
        client.ConsistencyProof(previous->tree_size(), latest.tree_size());
    if (!proof.ok()) return proof.status();
    absl::Status consistent = merkle::VerifyConsistency(
        previous->tree_size(), latest.tree_size(), *RootOf(*previous), *RootOf(latest), *proof);
    if (!consistent.ok()) {
      return absl::DataLossError(
          absl::StrCat("history was rewritten: the tree at size ", latest.tree_size(),
                       " is not an extension of the one you witnessed at size ",
                       previous->tree_size(), " (", consistent.message(), ")"));
    }
    if (previous->tree_size() == latest.tree_size()) return absl::OkStatus();
  }
  return witness.Add(latest_signed);
}

// A failure to read is never a verdict on the log: it gets its own exit code and wording.
// Online (`from_node`), an unreachable node is exit 3 as for every command.
int CannotRead(const absl::Status& status, const std::string& what, bool from_node = true) {
  bool unreachable = from_node && (status.code() == absl::StatusCode::kUnavailable ||
                                   status.code() == absl::StatusCode::kDeadlineExceeded);
  bool refused = status.code() == absl::StatusCode::kPermissionDenied ||
                 status.code() == absl::StatusCode::kUnauthenticated;
  std::fprintf(stderr, "nexusctl audit: CANNOT READ %s (nothing is known about tampering): %s\n",
               what.c_str(), Shown(status.message()).c_str());
  return unreachable ? kUnavailable : refused ? kRefused : kUnreadable;
}

// Records `head` (verified, and checked against every witnessed checkpoint by VerifyAuditLog,
// which recomputed the tree at each witnessed size) as witnessed, unless already covered.
absl::Status WitnessVerified(const WitnessFile& witness,
                             const std::vector<v1::SignedCheckpoint>& seen,
                             const v1::SignedCheckpoint& head, uint64_t head_size) {
  for (const v1::SignedCheckpoint& signed_checkpoint : seen) {
    v1::Checkpoint checkpoint;
    if (checkpoint.ParseFromString(signed_checkpoint.checkpoint()) &&
        checkpoint.tree_size() >= head_size) {
      return absl::OkStatus();
    }
  }
  return witness.Add(head);
}

int Verify(const CommandLine& line, const ClientOptions& options, const Keyring* keys, bool json) {
  // Another agency's log, as this node witnessed it: its own command, since no entry is read.
  if (line.Has("peer")) return RunPeerAuditVerify(line, options, keys, json);
  if (keys == nullptr) return Usage("verify needs --keys DIR with the audited agency's public key");
  AuditVerifyOptions verify;
  verify.keys = keys;
  AuditVerifyReport report;
  std::optional<StoreCrossCheckReport> store;
  std::unique_ptr<WitnessFile> witness;
  if (line.Has("offline")) {
    absl::StatusOr<std::unique_ptr<OfflineAuditLog>> log =
        OfflineAuditLog::Open(line.Get("offline"));
    if (!log.ok()) {
      if (absl::IsNotFound(log.status())) return Unverified(std::string(log.status().message()));
      return CannotRead(log.status(), "the data directory", /*from_node=*/false);
    }
    absl::StatusOr<std::vector<v1::SignedCheckpoint>> checkpoints = (*log)->Checkpoints();
    if (absl::IsUnavailable(checkpoints.status())) {
      return CannotRead(checkpoints.status(), "the checkpoints", /*from_node=*/false);
    }
    if (!checkpoints.ok()) return Unverified(std::string(checkpoints.status().message()));
    verify.checkpoints = *std::move(checkpoints);
    absl::StatusOr<v1::SignedCheckpoint> head = (*log)->Head();
    if (head.ok()) {
      verify.head = *head;
    } else if (absl::IsUnavailable(head.status())) {
      return CannotRead(head.status(), "the signed head", /*from_node=*/false);
    } else if (!absl::IsNotFound(head.status())) {
      return Unverified(std::string(head.status().message()));
    }
    v1::Checkpoint named;  // whose log this claims to be: the witness file is chosen by it
    if (verify.head) {
      named.ParseFromString(verify.head->checkpoint());
    } else if (!verify.checkpoints.empty()) {
      named.ParseFromString(verify.checkpoints.back().checkpoint());
    }
    if (!named.origin().empty()) {
      witness = std::make_unique<WitnessFile>(WitnessPath(line, named.origin()));
      absl::StatusOr<std::vector<v1::SignedCheckpoint>> seen = witness->Load();
      if (!seen.ok()) return Usage(std::string(seen.status().message()));
      verify.witnessed = *std::move(seen);
    }
    verify.stored_nodes = (*log)->StoredNodes();
    report = VerifyAuditLog(verify, (*log)->Entries());
    absl::StatusOr<OfflineAuditLog::Superseded> superseded = (*log)->SupersededCheckpoints();
    if (!superseded.ok()) {
      return CannotRead(superseded.status(), "the superseded checkpoints", /*from_node=*/false);
    }
    if (superseded->checkpoints != 0) {
      report.notes.push_back(absl::StrCat(
          superseded->checkpoints, " checkpoints superseded by an accepted recovery (nexusd ",
          "--accept-unverified-audit-log)",
          superseded->recovery_entry >= 0 ? absl::StrCat(" at entry ", superseded->recovery_entry)
                                          : std::string(),
          ": they contradict the accepted log and were not verified; a witness file that "
          "holds one of them shows the rewrite"));
    }
    if (report.ok) {
      absl::StatusOr<StoreCrossCheckReport> checked = CrossCheckStore(**log);
      if (!checked.ok()) return CannotRead(checked.status(), "the record store", false);
      store = *std::move(checked);
      if (store->total_mismatches != 0) {
        report.ok = false;
        report.problem = absl::StrCat("the record store and the audit log disagree in ",
                                      store->total_mismatches, " places");
      }
    }
    if (report.ok && witness != nullptr) {
      if (absl::Status s = WitnessVerified(*witness, verify.witnessed,
                                           verify.head ? *verify.head : verify.checkpoints.back(),
                                           report.verified_size);
          !s.ok()) {
        return CannotRead(s, "the witness file", /*from_node=*/false);
      }
    }
  } else {
    absl::StatusOr<std::unique_ptr<AuditClient>> client = Connect(options);
    if (!client.ok()) return Usage(std::string(client.status().message()));
    // Checkpoints first, then the head: the head, fetched later, covers every checkpoint
    // listed, so any checkpoint beyond it is evidence of a truncation, not a race.
    uint64_t superseded = 0;
    absl::StatusOr<std::vector<v1::SignedCheckpoint>> all =
        (*client)->ListCheckpoints(0, &superseded);
    if (!all.ok()) return CannotRead(all.status(), "the node's checkpoints");
    verify.checkpoints = *std::move(all);
    absl::StatusOr<v1::SignedCheckpoint> latest = (*client)->GetCheckpoint(/*sign_now=*/false);
    if (!latest.ok()) return CannotRead(latest.status(), "the node's signed head");
    absl::StatusOr<v1::Checkpoint> head = VerifyCheckpoint(*latest, *keys);
    if (!head.ok()) return Unverified(std::string(head.status().message()));
    verify.head = *latest;
    absl::StatusOr<std::vector<v1::SignedCheckpoint>> seen =
        WitnessFile(WitnessPath(line, head->origin())).Load();
    if (!seen.ok()) return Usage(std::string(seen.status().message()));
    verify.witnessed = *std::move(seen);
    v1::ListEntriesRequest request;
    request.set_end(head->tree_size());
    AuditClient* raw = client->get();
    absl::Status read_status;
    report = VerifyAuditLog(verify, [&](const auto& visit) {
      read_status = raw->ListEntries(request, [&](const v1::AuditEntryBytes& entry) {
        return visit(entry.index(), entry.entry(), entry.leaf_hash());
      });
      return read_status;
    });
    if (report.unreadable) return CannotRead(read_status, "the node's entries");
    if (superseded != 0) {
      report.notes.push_back(absl::StrCat(
          superseded, " checkpoints superseded by an accepted recovery (nexusd ",
          "--accept-unverified-audit-log; its NODE_START entry names them): they contradict the "
          "accepted log and were not verified; a witness file that holds one of them shows the "
          "rewrite"));
    }
    if (report.ok) {
      absl::Status witnessed = Witness(line, **client, *keys, *latest, *head);
      if (!witnessed.ok()) {
        if (!absl::IsDataLoss(witnessed)) return CannotRead(witnessed, "a consistency proof");
        report.ok = false;
        report.problem = std::string(witnessed.message());
      }
    }
  }
  if (report.unreadable) {
    return CannotRead(absl::DataLossError(report.problem), "the log", /*from_node=*/false);
  }
  if (json) {
    std::cout << "{\"ok\":" << (report.ok ? "true" : "false") << ",\"entries\":" << report.entries
              << ",\"verified_size\":" << report.verified_size
              << ",\"checkpoints\":" << report.checkpoints << ",\"index\":" << report.index
              << ",\"problem\":" << JsonQuote(report.problem)
              << ",\"expected\":" << JsonQuote(report.expected)
              << ",\"found\":" << JsonQuote(report.found) << ",\"root\":" << JsonQuote(report.root)
              << ",\"store_mismatches\":[";
    if (store) {
      for (size_t i = 0; i < store->mismatches.size(); ++i) {
        std::cout << (i == 0 ? "" : ",") << JsonQuote(store->mismatches[i]);
      }
    }
    std::cout << "]}\n";
  } else if (report.ok) {
    std::cout << "OK: " << report.entries << " entries of agency '" << Shown(report.origin) << "'; "
              << report.checkpoints << " signed checkpoints verified; tree size "
              << report.verified_size << " root " << report.root << "\n";
    if (store) {
      std::cout << "OK: the record store agrees with the log: " << store->versions
                << " record versions, " << store->feed_entries << " feed entries, "
                << store->index_keys << " index keys\n";
      if (store->legacy_versions != 0) {
        std::cout << "note: " << store->legacy_versions
                  << " record versions were logged before audit entries bound the manifest "
                     "digest and feed position (an older data directory): for them only "
                     "existence and the latest version were checked\n";
      }
    }
    for (const std::string& note : report.notes) std::cout << "note: " << Shown(note) << "\n";
  } else if (store && store->total_mismatches != 0) {
    std::cout << "STORE AND LOG DISAGREE (the log itself verifies: " << report.entries
              << " entries): " << Shown(report.problem) << "\n";
    for (const std::string& mismatch : store->mismatches) {
      std::cout << "  " << Shown(mismatch) << "\n";
    }
    if (store->total_mismatches > store->mismatches.size()) {
      std::cout << "  ... and " << store->total_mismatches - store->mismatches.size() << " more\n";
    }
    // The log verified: what it says about itself (an accepted recovery) explains the store.
    for (const std::string& note : report.notes) std::cout << "note: " << Shown(note) << "\n";
  } else {
    std::cout << "BROKEN at entry " << report.index << ": " << Shown(report.problem) << "\n";
    if (!report.expected.empty()) std::cout << "  expected " << Shown(report.expected) << "\n";
    if (!report.found.empty()) std::cout << "  found    " << Shown(report.found) << "\n";
  }
  return report.ok ? kOk : kUnverified;
}

int Prove(const CommandLine& line, const ClientOptions& options, const Keyring* keys) {
  if (keys == nullptr) return Usage("prove needs --keys DIR with the audited agency's public key");
  uint64_t index;
  if (line.positional().size() != 3 || !absl::SimpleAtoi(line.positional()[2], &index)) {
    return Usage("prove takes one ENTRY index");
  }
  absl::StatusOr<std::unique_ptr<AuditClient>> client = Connect(options);
  if (!client.ok()) return Usage(std::string(client.status().message()));
  absl::StatusOr<v1::SignedCheckpoint> latest = (*client)->GetCheckpoint(/*sign_now=*/true);
  if (!latest.ok()) return Failure(latest.status(), "prove");
  absl::StatusOr<v1::Checkpoint> checkpoint = VerifyCheckpoint(*latest, *keys);
  if (!checkpoint.ok()) return Unverified(std::string(checkpoint.status().message()));
  if (index >= checkpoint->tree_size()) {
    return Failure(absl::OutOfRangeError(absl::StrCat("entry ", index, " is beyond tree size ",
                                                      checkpoint->tree_size())),
                   "prove");
  }
  v1::ListEntriesRequest request;
  request.set_start(index);
  request.set_end(index + 1);
  v1::AuditEntryBytes entry;
  bool found = false;
  absl::Status listed = (*client)->ListEntries(request, [&](const v1::AuditEntryBytes& e) {
    entry = e;
    found = true;
    return false;
  });
  if (!listed.ok()) return Failure(listed, "prove");
  if (!found || entry.index() != index)
    return Unverified(absl::StrCat("entry ", index, " is missing"));
  absl::StatusOr<std::vector<merkle::Hash>> proof =
      (*client)->InclusionProof(index, checkpoint->tree_size());
  if (!proof.ok()) return Failure(proof.status(), "prove");
  absl::Status included =
      merkle::VerifyInclusion(index, checkpoint->tree_size(), merkle::LeafHash(entry.entry()),
                              *proof, *RootOf(*checkpoint));
  if (!included.ok()) {
    return Unverified(absl::StrCat("entry ", index, " is not in the signed tree of size ",
                                   checkpoint->tree_size(), ": ", included.message()));
  }
  if (absl::Status s = Witness(line, **client, *keys, *latest, *checkpoint); !s.ok()) {
    return Unverified(std::string(s.message()));
  }
  std::cout << AuditEntryToHumanText(entry) << "OK: entry " << index
            << " is included in the tree of size " << checkpoint->tree_size() << " (root "
            << merkle::ToHex(*RootOf(*checkpoint)) << ") signed by '" << Shown(checkpoint->origin())
            << "'; proof of " << proof->size() << " hashes\n";
  return kOk;
}

int Consistency(const CommandLine& line, const ClientOptions& options, const Keyring* keys) {
  if (keys == nullptr) {
    return Usage("consistency needs --keys DIR with the audited agency's public key");
  }
  uint64_t first, second;
  if (line.positional().size() != 4 || !absl::SimpleAtoi(line.positional()[2], &first) ||
      !absl::SimpleAtoi(line.positional()[3], &second) || first > second) {
    return Usage("consistency takes OLD_SIZE NEW_SIZE, with OLD_SIZE <= NEW_SIZE");
  }
  absl::StatusOr<std::unique_ptr<AuditClient>> client = Connect(options);
  if (!client.ok()) return Usage(std::string(client.status().message()));
  absl::StatusOr<std::vector<v1::SignedCheckpoint>> all = (*client)->ListCheckpoints(0);
  if (!all.ok()) return Failure(all.status(), "consistency");
  // Roots come from signed checkpoints only: the node's, or ones witnessed earlier.
  std::map<uint64_t, std::pair<v1::Checkpoint, v1::SignedCheckpoint>> signed_roots;
  std::string sizes;
  for (const v1::SignedCheckpoint& c : *all) {
    absl::StatusOr<v1::Checkpoint> checkpoint = VerifyCheckpoint(c, *keys);
    if (!checkpoint.ok()) return Unverified(std::string(checkpoint.status().message()));
    auto [it, inserted] = signed_roots.try_emplace(checkpoint->tree_size(), *checkpoint, c);
    if (!inserted && it->second.first.root_hash() != checkpoint->root_hash()) {
      return Unverified(absl::StrCat("the node signed two different roots for tree size ",
                                     checkpoint->tree_size(), ": it keeps two histories"));
    }
    absl::StrAppend(&sizes, sizes.empty() ? "" : ", ", checkpoint->tree_size());
  }
  for (uint64_t size : {first, second}) {
    if (!signed_roots.count(size)) {
      return Usage(absl::StrCat("no signed checkpoint at tree size ", size,
                                "; the node has: ", sizes.empty() ? "none" : sizes));
    }
  }
  const v1::Checkpoint& old_checkpoint = signed_roots[first].first;
  const v1::Checkpoint& new_checkpoint = signed_roots[second].first;
  absl::StatusOr<std::vector<merkle::Hash>> proof = (*client)->ConsistencyProof(first, second);
  if (!proof.ok()) return Failure(proof.status(), "consistency");
  absl::Status consistent = merkle::VerifyConsistency(first, second, *RootOf(old_checkpoint),
                                                      *RootOf(new_checkpoint), *proof);
  if (!consistent.ok()) {
    return Unverified(absl::StrCat("tree size ", second, " is not an extension of tree size ",
                                   first, ": ", consistent.message()));
  }
  const auto& newest = signed_roots.rbegin()->second;
  if (absl::Status s = Witness(line, **client, *keys, newest.second, newest.first); !s.ok()) {
    return Unverified(std::string(s.message()));
  }
  std::cout << "OK: tree size " << second << " (root " << merkle::ToHex(*RootOf(new_checkpoint))
            << ") extends tree size " << first << " (root "
            << merkle::ToHex(*RootOf(old_checkpoint)) << "); proof of " << proof->size()
            << " hashes\n";
  return kOk;
}

}  // namespace

int RunAuditCommand(const CommandLine& line, const ClientOptions& options, const Keyring* keys,
                    bool json) {
  if (line.positional().size() < 2) return Usage("audit needs a subcommand");
  const std::string& command = line.positional()[1];
  if (command == "tail") return List(line, options, json, /*tail=*/true, std::cout);
  if (command == "list") return List(line, options, json, /*tail=*/false, std::cout);
  if (command == "export") {
    if (line.positional().size() > 3) return Usage("export takes at most one FILE");
    if (line.positional().size() == 3 && line.positional()[2] != "-") {
      std::ofstream out(line.positional()[2]);
      if (!out) return Usage("cannot write " + line.positional()[2]);
      return List(line, options, /*json=*/true, /*tail=*/false, out);
    }
    return List(line, options, /*json=*/true, /*tail=*/false, std::cout);
  }
  if (command == "verify") return Verify(line, options, keys, json);
  if (command == "prove") return Prove(line, options, keys);
  if (command == "consistency") return Consistency(line, options, keys);
  return Usage("unknown audit subcommand '" + command + "'");
}

}  // namespace nexus
