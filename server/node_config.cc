#include "server/node_config.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <filesystem>
#include <set>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/crypto.h"
#include "common/enum_values.h"
#include "common/indicator_normalizer.h"
#include "common/record_validation.h"
#include "common/untrusted_text.h"
#include "common/uuid.h"

namespace nexus {
namespace {

// Keeps every parse error with its position; protobuf reports 0-based lines and columns.
class PositionedErrors : public google::protobuf::io::ErrorCollector {
 public:
  explicit PositionedErrors(std::string source) : source_(std::move(source)) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    // The parser's message quotes the offending text: escaped and bounded.
    errors_.push_back(absl::StrCat(source_, ":", line + 1, ":", column + 1, ": ",
                                   EscapeForTerminal(message, 256)));
  }
  void AddWarning(int line, google::protobuf::io::ColumnNumber column,
                  const std::string& message) override {
    AddError(line, column, message);
  }
  std::string Joined() const { return absl::StrJoin(errors_, "\n"); }

 private:
  std::string source_;
  std::vector<std::string> errors_;
};

std::string Resolve(const std::filesystem::path& base, const std::string& path) {
  if (path.empty() || std::filesystem::path(path).is_absolute()) return path;
  return (base / path).lexically_normal().string();
}

void FillDefaults(v1::FederationSettings& federation) {
  if (federation.heartbeat_seconds() == 0) federation.set_heartbeat_seconds(5);
  if (federation.max_retry_seconds() == 0) federation.set_max_retry_seconds(30);
  if (federation.witness_interval_seconds() == 0) federation.set_witness_interval_seconds(10);
}

void FillDefaults(v1::Limits& limits) {
  if (limits.max_message_bytes() == 0) limits.set_max_message_bytes(4 * 1024 * 1024);
  if (limits.max_records_per_publish() == 0) limits.set_max_records_per_publish(1000);
  if (limits.max_search_hits() == 0) limits.set_max_search_hits(1000);
  if (limits.max_record_bytes() == 0) limits.set_max_record_bytes(256 * 1024);
}

}  // namespace

absl::StatusOr<v1::NodeConfig> ParseNodeConfig(const std::string& text, const std::string& source) {
  google::protobuf::TextFormat::Parser parser;
  PositionedErrors errors(source);
  parser.RecordErrorsTo(&errors);
  v1::NodeConfig config;
  if (!parser.ParseFromString(text, &config)) {
    return absl::InvalidArgumentError(errors.Joined());
  }
  return config;
}

absl::Status ValidateNodeConfig(const v1::NodeConfig& config, const std::string& source) {
  std::vector<std::string> problems;
  auto require = [&](bool ok, absl::string_view problem) {
    if (!ok) problems.push_back(absl::StrCat(source, ": ", problem));
  };
  // No enum field today; any added later is checked without anyone remembering to.
  std::vector<std::string> undefined;
  FindUndefinedEnumValues(config, undefined);
  for (const std::string& problem : undefined) require(false, problem);
  require(IsValidAgencyId(config.agency_id()),
          absl::StrCat("agency_id ", QuoteInput(config.agency_id()), " is not a valid agency id"));
  require(!config.listen_address().empty(), "listen_address is required");
  require(!config.data_dir().empty(), "data_dir is required");
  require(!config.tls().certificate_file().empty(), "tls.certificate_file is required");
  require(!config.tls().private_key_file().empty(), "tls.private_key_file is required");
  require(!config.tls().ca_file().empty(), "tls.ca_file is required");
  require(!config.signing_key_file().empty(), "signing_key_file is required");
  require(!config.signing_key_id().empty(), "signing_key_id is required");
  // Below 16 KiB no ordinary record or audit page fits; above 1 GiB gRPC's int sizes overflow.
  const uint32_t message_bytes = config.limits().max_message_bytes();
  require(message_bytes == 0 || (message_bytes >= 16 * 1024 && message_bytes <= (1u << 30)),
          absl::StrCat("limits.max_message_bytes ", message_bytes,
                       " is outside 16384 to 1073741824 (0: the default, 4 MiB)"));
  std::set<std::string> ids;
  bool self_listed = false;
  for (int i = 0; i < config.agencies_size(); ++i) {
    const v1::Agency& agency = config.agencies(i);
    std::string where = absl::StrCat("agencies[", i, "]");
    require(IsValidAgencyId(agency.id()),
            absl::StrCat(where, ".id ", QuoteInput(agency.id()), " is not a valid agency id"));
    require(ids.insert(agency.id()).second,
            absl::StrCat(where, ".id ", QuoteInput(agency.id()), " is listed twice"));
    require(!agency.keys().empty(),
            absl::StrCat(where, " (", EscapeForTerminal(agency.id(), 96), ") has no keys"));
    std::set<std::string> key_ids;
    for (int k = 0; k < agency.keys_size(); ++k) {
      require(!agency.keys(k).key_id().empty() && key_ids.insert(agency.keys(k).key_id()).second,
              absl::StrCat(where, ".keys[", k, "].key_id is empty or repeated"));
      require(!agency.keys(k).public_key_file().empty(),
              absl::StrCat(where, ".keys[", k, "].public_key_file is required"));
    }
    require(v1::Sector_IsValid(agency.sector()),
            absl::StrCat(where, ".sector ", agency.sector(), " is not a defined sector"));
    require(agency.liaison().size() <= 256 && IsValidUtf8(agency.liaison()) &&
                std::none_of(agency.liaison().begin(), agency.liaison().end(),
                             [](char c) { return static_cast<unsigned char>(c) < 0x20; }),
            absl::StrCat(where,
                         ".liaison must be at most 256 bytes of text, no control "
                         "characters"));
    if (agency.id() == config.agency_id()) {
      self_listed = true;
      require(key_ids.count(config.signing_key_id()) == 1,
              absl::StrCat("signing_key_id ", QuoteInput(config.signing_key_id()), " is not among ",
                           where, ".keys"));
    }
  }
  for (int i = 0; i < config.agencies_size(); ++i) {
    for (int j = 0; j < config.agencies(i).oversees_size(); ++j) {
      const std::string& overseen = config.agencies(i).oversees(j);
      require(
          ids.count(overseen) == 1 && overseen != config.agencies(i).id(),
          absl::StrCat("agencies[", i, "].oversees[", j, "] ", QuoteInput(overseen),
                       ids.count(overseen) == 1 ? " is the agency itself" : " is not in agencies"));
    }
  }
  for (int i = 0; i < config.audit().oversight_agencies_size(); ++i) {
    require(ids.count(config.audit().oversight_agencies(i)) == 1,
            absl::StrCat("audit.oversight_agencies[", i, "] ",
                         QuoteInput(config.audit().oversight_agencies(i)), " is not in agencies"));
  }
  for (int i = 0; i < config.audit().require_purpose_for_size(); ++i) {
    const int action = config.audit().require_purpose_for(i);
    require(action != v1::AUDIT_ACTION_UNSPECIFIED && v1::AuditAction_IsValid(action),
            absl::StrCat("audit.require_purpose_for[", i, "] ", action,
                         " is not an action (AUDIT_ACTION_GET, AUDIT_ACTION_SEARCH, ...)"));
  }

  require(self_listed, absl::StrCat("agency_id ", QuoteInput(config.agency_id()),
                                    " must also be listed in agencies, with its public keys"));
  std::set<std::string> peers;
  for (int i = 0; i < config.peers_size(); ++i) {
    const v1::Peer& peer = config.peers(i);
    std::string where = absl::StrCat("peers[", i, "] ", QuoteInput(peer.agency_id()));
    require(ids.count(peer.agency_id()) == 1,
            absl::StrCat(where, " is not in agencies (a peer needs its members' entry and keys)"));
    require(peer.agency_id() != config.agency_id(), absl::StrCat(where, " is this node itself"));
    require(peers.insert(peer.agency_id()).second, absl::StrCat(where, " is listed twice"));
    const bool inbound =
        peer.direction() == v1::Peer::DIRECTION_INBOUND ||
        (peer.direction() == v1::Peer::DIRECTION_UNSPECIFIED && peer.address().empty());
    require(inbound || !peer.address().empty(),
            absl::StrCat(where, " needs an address (host:port) for direction ",
                         v1::Peer::Direction_Name(peer.direction())));
    require(!inbound || peer.address().empty(),
            absl::StrCat(where, " is INBOUND: it calls this node, so no address is dialled"));
    require(
        peer.address().size() <= 255 && peer.address().find_first_of(" \t\n") == std::string::npos,
        absl::StrCat(where, " address ", QuoteInput(peer.address()), " is not host:port"));
  }
  const v1::FederationSettings& federation = config.federation();
  require(federation.heartbeat_seconds() <= 3600,
          absl::StrCat("federation.heartbeat_seconds ", federation.heartbeat_seconds(),
                       " is above 3600"));
  require(federation.max_retry_seconds() <= 3600,
          absl::StrCat("federation.max_retry_seconds ", federation.max_retry_seconds(),
                       " is above 3600"));
  require(federation.witness_interval_seconds() <= 86400,
          absl::StrCat("federation.witness_interval_seconds ",
                       federation.witness_interval_seconds(), " is above 86400"));
  for (int i = 0; i < federation.search_peers_size(); ++i) {
    const std::string& name = federation.search_peers(i);
    auto peer = std::find_if(config.peers().begin(), config.peers().end(),
                             [&](const v1::Peer& p) { return p.agency_id() == name; });
    require(peer != config.peers().end(), absl::StrCat("federation.search_peers[", i, "] ",
                                                       QuoteInput(name), " is not in peers"));
    require(peer == config.peers().end() || !peer->address().empty(),
            absl::StrCat("federation.search_peers[", i, "] ", QuoteInput(name),
                         " has no address (an INBOUND peer cannot be asked)"));
  }
  require(federation.search_deadline_seconds() <= 60,
          absl::StrCat("federation.search_deadline_seconds ", federation.search_deadline_seconds(),
                       " is above 60"));
  const v1::LinkSettings& links = config.links();
  require(links.max_records_per_selector() <= 100000,
          absl::StrCat("links.max_records_per_selector ", links.max_records_per_selector(),
                       " is above 100000"));
  for (int i = 0; i < links.notice_peers_size(); ++i) {
    const std::string& name = links.notice_peers(i);
    auto peer = std::find_if(config.peers().begin(), config.peers().end(),
                             [&](const v1::Peer& p) { return p.agency_id() == name; });
    require(peer != config.peers().end() && !peer->address().empty(),
            absl::StrCat("links.notice_peers[", i, "] ", QuoteInput(name),
                         " is not a peer this node dials (in peers, with an address)"));
  }
  for (int i = 0; i < links.never_link_size(); ++i) {
    const std::string& selector = links.never_link(i);
    const size_t colon = selector.find(':');
    v1::IndicatorType type;
    require(colon != std::string::npos && ParseIndicatorType(selector.substr(0, colon), &type) &&
                NormalizeIndicator(type, selector.substr(colon + 1)).ok(),
            absl::StrCat("links.never_link[", i, "] ", QuoteInput(selector),
                         " is not TYPE:VALUE with a known type and a valid value"));
  }
  const v1::TaxiiSettings& taxii = config.taxii();
  require(taxii.listen_address().size() <= 255 &&
              taxii.listen_address().find_first_of(" \t\n/") == std::string::npos,
          absl::StrCat("taxii.listen_address ", QuoteInput(taxii.listen_address()),
                       " is not host:port"));
  require(taxii.max_content_bytes() <= 256u << 20,
          absl::StrCat("taxii.max_content_bytes ", taxii.max_content_bytes(), " is above 256 MiB"));
  require(taxii.max_page_objects() <= 100000,
          absl::StrCat("taxii.max_page_objects ", taxii.max_page_objects(), " is above 100000"));
  std::set<std::string> collection_ids;
  for (int i = 0; i < taxii.collections_size(); ++i) {
    const v1::TaxiiCollection& collection = taxii.collections(i);
    const std::string where =
        absl::StrCat("taxii.collections[", i, "] ", QuoteInput(collection.id()));
    require(IsCanonicalUuid(collection.id()),
            absl::StrCat(where, ": id must be a UUID in lower-case canonical form"));
    require(collection_ids.insert(collection.id()).second, absl::StrCat(where, " is listed twice"));
    require(!collection.title().empty() && collection.title().size() <= 256 &&
                collection.description().size() <= 4096,
            absl::StrCat(where, " needs a title (at most 256 bytes; description at most 4096)"));
    for (const std::string& origin : collection.origin_agencies()) {
      require(ids.count(origin) == 1,
              absl::StrCat(where, ": origin_agencies ", QuoteInput(origin), " is not in agencies"));
    }
    for (int type : collection.nexus_types()) {
      require(v1::NexusType_IsValid(type) && type != v1::NEXUS_TYPE_UNSPECIFIED,
              absl::StrCat(where, ": nexus_types ", type, " is not a nexus type"));
    }
    require(!collection.writable() || collection.origin_agencies().empty() ||
                std::find(collection.origin_agencies().begin(), collection.origin_agencies().end(),
                          config.agency_id()) != collection.origin_agencies().end(),
            absl::StrCat(where,
                         " is writable, but its origin_agencies leave out this node's agency, "
                         "whose records every POST publishes"));
  }
  require(taxii.collections().empty() || !taxii.listen_address().empty(),
          "taxii.collections are configured but taxii.listen_address is not: the endpoint is off");
  if (problems.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(problems, "\n"));
}

absl::StatusOr<v1::NodeConfig> LoadNodeConfig(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  absl::StatusOr<v1::NodeConfig> config = ParseNodeConfig(*text, path);
  if (!config.ok()) return config.status();
  if (absl::Status s = ValidateNodeConfig(*config, path); !s.ok()) return s;

  std::filesystem::path base = std::filesystem::absolute(path).parent_path();
  v1::NodeConfig& c = *config;
  c.set_data_dir(Resolve(base, c.data_dir()));
  c.mutable_tls()->set_certificate_file(Resolve(base, c.tls().certificate_file()));
  c.mutable_tls()->set_private_key_file(Resolve(base, c.tls().private_key_file()));
  c.mutable_tls()->set_ca_file(Resolve(base, c.tls().ca_file()));
  c.set_signing_key_file(Resolve(base, c.signing_key_file()));
  c.set_policy_file(Resolve(base, c.policy_file()));
  if (!c.backup().directory().empty()) {
    c.mutable_backup()->set_directory(Resolve(base, c.backup().directory()));
  }
  for (v1::Agency& agency : *c.mutable_agencies()) {
    for (v1::AgencyKey& key : *agency.mutable_keys()) {
      key.set_public_key_file(Resolve(base, key.public_key_file()));
    }
  }
  FillDefaults(*c.mutable_limits());
  FillDefaults(*c.mutable_federation());
  for (v1::Peer& peer : *c.mutable_peers()) {
    if (peer.direction() == v1::Peer::DIRECTION_UNSPECIFIED) {
      peer.set_direction(peer.address().empty() ? v1::Peer::DIRECTION_INBOUND
                                                : v1::Peer::DIRECTION_PULL);
    }
  }
  return config;
}

}  // namespace nexus
