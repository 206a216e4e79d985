// TAXII writes: a POST of objects to a writable collection is imported as `nexusctl import stix`
// imports a bundle (the same mapping, the same checks, nothing guessed: an object without a TLP
// marking is not imported) and published as the node's agency's records through the
// RecordPublisher, which audits each. Posting the same objects again stores nothing new.
#include <cstdio>
#include <memory>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/interop/bundle_import.h"
#include "common/interop/import_report.h"
#include "common/interop/stix_common.h"
#include "common/untrusted_text.h"
#include "common/uuid.h"
#include "nlohmann/json.hpp"
#include "server/taxii/taxii_api.h"
#include "server/taxii/taxii_media.h"

namespace nexus {
namespace {

using json = nlohmann::ordered_json;

// The object id in an import's source ("objects[3] indicator--…" → "indicator--…").
std::string ObjectIdOf(const std::string& source) {
  const size_t space = source.rfind(' ');
  absl::string_view id =
      space == std::string::npos ? source : absl::string_view(source).substr(space + 1);
  // The import quotes ids as it quotes any input ('…').
  if (id.size() >= 2 && id.front() == '\'' && id.back() == '\'') id = id.substr(1, id.size() - 2);
  return std::string(id);
}

json StatusJson(const TaxiiStatus& status) {
  auto details = [](const std::vector<TaxiiStatusDetail>& list) {
    json out = json::array();
    for (const TaxiiStatusDetail& detail : list) {
      json item = {{"id", detail.id}};
      if (!detail.version.empty()) item["version"] = detail.version;
      if (!detail.message.empty()) item["message"] = detail.message;
      out.push_back(std::move(item));
    }
    return out;
  };
  json body = {{"id", status.id},
               {"status", "complete"},
               {"request_timestamp", TaxiiTimestamp(status.request_unix_micros)},
               {"total_count", status.total},
               {"success_count", status.successes.size()},
               {"failure_count", status.failures.size()},
               {"pending_count", 0}};
  if (!status.successes.empty()) body["successes"] = details(status.successes);
  if (!status.failures.empty()) body["failures"] = details(status.failures);
  return body;
}

// The envelope as a STIX bundle the import reads: the bundle's members go after the
// envelope's, so that the byte offsets in the import's messages are the client's.
absl::StatusOr<std::string> EnvelopeAsBundle(const std::string& body) {
  const size_t open = body.find_first_not_of(" \t\r\n");
  const size_t close = body.find_last_not_of(" \t\r\n");
  if (open == std::string::npos || body[open] != '{' || body[close] != '}' || close == open) {
    return absl::InvalidArgumentError("the body is not a TAXII envelope (a JSON object)");
  }
  const size_t inside = body.find_first_not_of(" \t\r\n", open + 1);
  if (inside == close) {
    return absl::FailedPreconditionError("the envelope holds no \"objects\"");
  }
  return absl::StrCat(body.substr(0, close), ",\"type\":\"bundle\",\"id\":\"bundle--", NewUuid(),
                      "\"}");
}

}  // namespace

TaxiiResponse TaxiiApi::AddObjects(const TaxiiRequest& request,
                                   const TaxiiCollectionView& collection, const CallContext& call) {
  if (!collection.writable) {
    return TaxiiError(403, "Forbidden",
                      absl::StrCat("collection ", collection.id,
                                   " is read-only (taxii.collections[].writable in the node's "
                                   "configuration)"));
  }
  if (!IsTaxiiContentType(request.content_type)) {
    return TaxiiError(415, "Unsupported media type",
                      absl::StrCat("Content-Type ", QuoteInput(request.content_type), " is not ",
                                   kTaxiiMediaType));
  }
  if (request.body.size() > max_content_bytes_) {
    return TaxiiError(413, "Too large",
                      absl::StrCat("the body is ", request.body.size(), " bytes, over the ",
                                   max_content_bytes_, " this API root takes"));
  }
  absl::StatusOr<std::string> bundle = EnvelopeAsBundle(request.body);
  if (!bundle.ok()) {
    return TaxiiError(absl::IsInvalidArgument(bundle.status()) ? 400 : 422, "Not imported",
                      bundle.status().message());
  }
  ImportDefaults defaults;
  defaults.agency = agency_id_;
  defaults.limits.max_file_bytes = max_content_bytes_ + 256;
  // A collection of one nexus type says what its objects are about; STIX has no word for it.
  if (collection.nexus_types.size() == 1) {
    defaults.nexus_type = static_cast<v1::NexusType>(*collection.nexus_types.begin());
  }
  std::unique_ptr<BundleImport> import = NewStixImport(std::move(defaults));
  std::FILE* in = fmemopen(bundle->data(), bundle->size(), "r");
  if (in == nullptr) return TaxiiError(500, "Internal error", "cannot read the body");
  absl::Cleanup close = [in] { std::fclose(in); };
  if (absl::Status s = import->Scan(in); !s.ok()) {
    // The whole post is checked before anything is written: a malformed one writes nothing.
    if (absl::StrContains(s.message(), "duplicate member \"type\"") ||
        absl::StrContains(s.message(), "duplicate member \"id\"")) {
      return TaxiiError(422, "Not an envelope",
                        "the body is a STIX bundle; a TAXII POST takes an envelope, "
                        "{\"objects\": [...]}; nothing was imported");
    }
    const bool not_json = absl::StrContains(s.message(), "syntax error");
    return TaxiiError(not_json ? 400 : 422, not_json ? "Not JSON" : "Not imported",
                      absl::StrCat(s.message(), "; nothing was imported"));
  }
  std::rewind(in);

  TaxiiStatus status;
  status.id = NewUuid();
  status.agency = call.agency();
  status.request_unix_micros = absl::ToUnixMicros(absl::Now());
  ImportReport report;
  std::vector<v1::Record> drafts;
  std::vector<std::string> sources, versions;  // the object each draft came from, its modified
  const std::string detail =
      absl::StrCat("TAXII POST to collection ", collection.id, ", status ", status.id);
  bool published = false;
  auto publish = [&] {
    published = true;
    std::vector<v1::PublishResult> results = publisher_->Publish(
        call, std::move(drafts), PublishOptions{.skip_unchanged = true, .source_times = true},
        v1::AUDIT_ACTION_PUBLISH, detail);
    for (size_t i = 0; i < results.size(); ++i) {
      const v1::PublishResult& result = results[i];
      report.Result(result, sources[i]);
      TaxiiStatusDetail item{ObjectIdOf(sources[i]), versions[i], ""};
      if (result.outcome() == v1::PUBLISH_OUTCOME_REJECTED) {
        item.message = result.error();
        status.failures.push_back(std::move(item));
      } else {
        item.message =
            absl::StrCat(result.outcome() == v1::PUBLISH_OUTCOME_UNCHANGED ? "unchanged: record "
                                                                           : "stored: record ",
                         result.id(), " version ", result.version());
        status.successes.push_back(std::move(item));
      }
    }
    drafts.clear();
    sources.clear();
    versions.clear();
  };
  absl::Status emitted = import->Emit(
      in,
      [&](ImportedRecord&& imported) {
        if (!collection.Holds(imported.record)) {
          status.failures.push_back(
              {ObjectIdOf(imported.source), "", "not of this collection's origins or nexus types"});
          return absl::OkStatus();
        }
        versions.push_back(imported.record.modified_unix_micros() == 0
                               ? ""
                               : FormatStixTimestamp(imported.record.modified_unix_micros()));
        drafts.push_back(std::move(imported.record));
        sources.push_back(std::move(imported.source));
        if (drafts.size() >= 500) publish();
        return absl::OkStatus();
      },
      report);
  if (!drafts.empty()) publish();
  for (const ImportIssue& issue : report.issues()) {
    if (!issue.rejected) status.failures.push_back({ObjectIdOf(issue.object), "", issue.reason});
  }
  if (!emitted.ok()) {
    if (!published) {
      return TaxiiError(422, "Not imported",
                        absl::StrCat(emitted.message(), "; nothing was imported"));
    }
    status.failures.push_back({"envelope", "", std::string(emitted.message())});
  }
  // Every object is a success or a failure (clients check that the counts add up); objects
  // read only as context of others (marking definitions, identities, relationships the
  // records carry) are neither, and not counted.
  status.total = status.successes.size() + status.failures.size();
  TaxiiResponse response;
  response.audited = published;  // each record published is audited by the publisher
  response.http_status = 202;
  response.body = StatusJson(status).dump(-1, ' ', false, json::error_handler_t::replace);
  statuses_.Put(std::move(status));
  return response;
}

TaxiiResponse TaxiiApi::Status(const std::string& status_id, const CallContext& call) const {
  std::optional<TaxiiStatus> status = statuses_.Get(status_id, call.agency());
  if (!status.has_value()) {
    return TaxiiError(404, "Status not found",
                      absl::StrCat("no status ", QuoteInput(status_id),
                                   " of your agency's posts is kept (the last ",
                                   TaxiiStatuses::kMaxKept, " are)"));
  }
  TaxiiResponse response;
  response.body = StatusJson(*status).dump(-1, ' ', false, json::error_handler_t::replace);
  return response;
}

}  // namespace nexus
