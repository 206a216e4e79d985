#include "client/cli/audit_report_json.h"

#include "nlohmann/json.hpp"

namespace nexus {
namespace {

using nlohmann::json;

json EntryList(const ReportEntryList& list) {
  json first = json::array();
  for (const ReportEntryLine& line : list.first) {
    first.push_back({{"index", line.index},
                     {"time_unix_micros", line.time_unix_micros},
                     {"actor", line.actor},
                     {"person", line.person},
                     {"action", line.action},
                     {"purpose", line.purpose},
                     {"records", line.records},
                     {"outcome", line.outcome},
                     {"code", line.code},
                     {"error", line.error}});
  }
  return {{"total", list.total}, {"first", std::move(first)}};
}

json Top(const TopCounter& counter, size_t n) {
  json items = json::array();
  for (const TopCounter::Item& item : counter.Top(n)) {
    items.push_back({{"key", item.key}, {"count", item.count}, {"overcount", item.overcount}});
  }
  return {{"exact", counter.exact()}, {"distinct_kept", counter.kept()}, {"top", items}};
}

json Series(const TimeSeries& series) {
  int64_t width = 0;
  json buckets = json::array();
  if (!series.empty()) {
    for (const auto& [start, counts] : series.ForChart(48, &width)) {
      buckets.push_back({{"start_unix_seconds", start}, {"counts", counts}});
    }
  }
  return {{"bucket_seconds", width}, {"buckets", std::move(buckets)}};
}

}  // namespace

std::string AuditReportToJson(const AuditReport& report, const VerifyOutcome& verification,
                              const ReportRun& run) {
  const AuditVerifyReport& verified = verification.report;
  json head = nullptr;
  if (verification.head) {
    head = {{"tree_size", verification.head->tree_size()},
            {"time_unix_micros", verification.head->time_unix_micros()}};
  }
  json out = {
      {"verification",
       {{"ok", verified.ok},
        {"agency", verified.origin},
        {"agency_from", verification.agency_source},
        {"entries", verified.entries},
        {"verified_size", verified.verified_size},
        {"checkpoints", verified.checkpoints},
        {"root", verified.root},
        {"head", head},
        {"problem", verified.problem},
        {"index", verified.index},
        {"witness_file", verification.witness_path},
        {"witnessed_heads", verification.witnessed},
        {"witnessed_size", verification.witnessed_size},
        {"recoveries", verified.recoveries.size()},
        {"notes", verified.notes},
        {"store_mismatches",
         verification.store ? json(verification.store->total_mismatches) : json(nullptr)}}},
      {"window",
       {{"since_unix_micros", report.window.since_unix_micros},
        {"until_unix_micros", report.window.until_unix_micros}}},
      {"entries_read", report.entries_read},
      {"entries_in_window", report.entries_in_window},
      {"malformed", report.malformed},
      {"by_action", report.by_action},
      {"tlp_from_store", report.tlp_from_store},
  };
  json flows = json::object();
  for (const auto& [peer, peer_flows] : report.flows) {
    json sides = json::object();
    for (const auto& [name, by_tlp] :
         {std::pair("sent", &peer_flows.sent), std::pair("received", &peer_flows.received)}) {
      json side = json::object();
      for (const auto& [tlp, count] : *by_tlp) {
        side[tlp] = {{"versions", count.versions}, {"entries", count.entries}, {"cut", count.cut}};
      }
      sides[name] = std::move(side);
    }
    sides["withheld"] = peer_flows.withheld;
    flows[peer] = std::move(sides);
  }
  out["flows"] = {{"peers", std::move(flows)}, {"entries", EntryList(report.flow_entries)}};
  json reads = json::object();
  uint64_t read_total = 0;
  for (const auto& [agency, agency_reads] : report.reads) {
    reads[agency] = {{"entries", agency_reads.entries}, {"by_action", agency_reads.by_action}};
    read_total += agency_reads.entries;
  }
  out["reads"] = {{"total", read_total},
                  {"by_agency", std::move(reads)},
                  {"purposes", Top(report.read_purposes, 100)},
                  {"over_time", Series(report.reads_over_time)},
                  {"entries", EntryList(report.read_entries)}};
  uint64_t refusal_total = 0;
  for (const auto& [reason, count] : report.refusals) refusal_total += count;
  out["refusals"] = {{"total", refusal_total},
                     {"by_reason", report.refusals},
                     {"messages", Top(report.refusal_messages, 10)},
                     {"over_time", Series(report.refusals_over_time)},
                     {"entries", EntryList(report.refusal_entries)}};
  out["records"] = {{"busiest", Top(report.records, 30)},
                    {"entries", EntryList(report.record_entries)}};
  out["run"] = {{"source", run.source},
                {"generated_at", run.generated_at},
                {"seconds", run.seconds},
                {"peak_rss_kib", run.peak_rss_kib}};
  // ASCII only, and text that is not UTF-8 replaced: safe to print, valid for any reader.
  return out.dump(1, ' ', /*ensure_ascii=*/true, json::error_handler_t::replace) + "\n";
}

}  // namespace nexus
