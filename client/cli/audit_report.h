// The figures of an audit report (nexusctl audit report) for an oversight body: who sent how many
// record versions to which agency and who sent what here (by TLP where it is known), who read
// and why, what was refused and why, over time, and the busiest records; with the entries behind
// each figure.
//
// Built in one pass, one entry at a time, in bounded memory whatever the log's size: counters
// per agency, action and refusal reason are small by nature (and capped all the same, since an
// offline log may come from anywhere); purposes and records are counted in a TopCounter (exact
// up to its capacity, an honest bound beyond it); each figure keeps only its first
// kReportListedEntries entries, bounded copies of their fields, and how many it has in all.
#ifndef NEXUS_CLIENT_CLI_AUDIT_REPORT_H_
#define NEXUS_CLIENT_CLI_AUDIT_REPORT_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/strings/string_view.h"
#include "client/cli/time_series.h"
#include "client/cli/top_counter.h"
#include "nexus/v1/audit.pb.h"
#include "nexus/v1/record.pb.h"

namespace nexus {

inline constexpr size_t kReportListedEntries = 100;  // entries listed behind each figure
inline constexpr size_t kReportMaxAgencies = 64;     // beyond: counted as "(other agencies)"
inline constexpr size_t kReportPurposeSlots = 1000;  // (agency, purpose) pairs counted exactly
inline constexpr size_t kReportRecordSlots = 5000;   // record ids counted exactly
inline constexpr size_t kReportMessageSlots = 200;   // refusal messages counted exactly
inline constexpr size_t kReportRecordIndexes = 5;    // first entries kept per counted record

// Which entries a report covers: time_unix_micros in [since, until); 0 leaves a side open.
struct ReportWindow {
  int64_t since_unix_micros = 0;
  int64_t until_unix_micros = 0;
  bool Contains(int64_t time) const {
    return (since_unix_micros == 0 || time >= since_unix_micros) &&
           (until_unix_micros == 0 || time < until_unix_micros);
  }
};

// The TLP of a stored record version, when the report can read the record store (offline);
// nullopt when the version is not there. Audit entries do not carry a record's TLP.
using TlpLookup = std::function<std::optional<v1::Tlp>(const std::string& id, uint64_t version)>;

// One entry as a figure lists it: bounded copies of its fields, as stored (escaped when shown).
struct ReportEntryLine {
  uint64_t index = 0;
  int64_t time_unix_micros = 0;
  std::string actor;   // "agency/role", "agency/node(self)", "unidentified@peer"
  std::string person;  // the certificate's common name
  std::string action;  // "get", "replicate", ...
  std::string purpose;
  std::string records;  // "id v2, id v3, +4 more"
  std::string outcome;  // "ok", "unchanged", "refused"
  std::string code;     // a refusal's status code name
  std::string error;    // a refusal's error, already escaped by the node
  bool error_escaped = true;
};

// The entries behind one figure: the first kReportListedEntries and how many in all.
struct ReportEntryList {
  std::vector<ReportEntryLine> first;
  uint64_t total = 0;
};

// Versions that went between this node and one peer agency in one direction, at one TLP.
struct FlowCount {
  uint64_t versions = 0;  // record versions named by the entries
  uint64_t entries = 0;
  uint64_t cut = 0;  // targets the entries say their bound left out (not counted above)
};

struct PeerFlows {
  // TLP label ("AMBER", ..., "not in the entry", "not in the store") → versions.
  std::map<std::string, FlowCount> sent, received;
  uint64_t withheld = 0;  // versions considered for the peer and not sent (decision counts)
};

struct AgencyReads {
  uint64_t entries = 0;
  std::map<std::string, uint64_t> by_action;  // "get" → entries
};

struct RecordActivity {
  std::vector<uint64_t> first_indexes;  // first kReportRecordIndexes entries naming it
};

struct AuditReport {
  ReportWindow window;
  bool tlp_from_store = false;  // TLPs were looked up in the record store beside the log
  uint64_t entries_read = 0;    // the whole log, as the verifier read it
  uint64_t entries_in_window = 0;
  uint64_t malformed = 0;  // entries that do not parse (in the window or not: time unknown)
  int64_t first_time = 0, last_time = 0;  // of entries in the window
  std::map<std::string, uint64_t> by_action;

  std::map<std::string, PeerFlows> flows;  // peer agency → flows
  ReportEntryList flow_entries;

  std::map<std::string, AgencyReads> reads;       // reading agency → reads
  TopCounter read_purposes{kReportPurposeSlots};  // key: agency '\n' purpose
  TimeSeries reads_over_time;                     // series: action
  ReportEntryList read_entries;

  std::map<std::string, uint64_t> refusals;  // reason ("get: PERMISSION_DENIED") → entries
  TopCounter refusal_messages{kReportMessageSlots};
  TimeSeries refusals_over_time;  // series: reason
  ReportEntryList refusal_entries;

  TopCounter records{kReportRecordSlots};  // record id → entries naming it
  std::unordered_map<std::string, RecordActivity> record_activity;  // for the ids `records` keeps
  ReportEntryList record_entries;                                   // entries naming any record
};

// Separates agency and purpose in AuditReport::read_purposes keys.
inline constexpr char kPurposeKeySeparator = '\n';

class AuditReportBuilder {
 public:
  // `tlp` may be empty: the TLP of versions sent and received is then reported as not in the
  // entry.
  AuditReportBuilder(ReportWindow window, TlpLookup tlp);

  // One entry of the log, in index order, as stored. Every entry counts in entries_read; those
  // in the window go into the figures.
  void Add(uint64_t index, absl::string_view bytes);
  void Add(uint64_t index, const v1::AuditEntry& entry);

  const AuditReport& report() const { return report_; }

 private:
  void AddFlow(uint64_t index, const v1::AuditEntry& entry, bool sent);
  void AddRead(uint64_t index, const v1::AuditEntry& entry);
  void AddRefusal(uint64_t index, const v1::AuditEntry& entry);
  void AddRecords(uint64_t index, const v1::AuditEntry& entry);

  TlpLookup tlp_;
  AuditReport report_;
};

// The entry as a figure lists it.
ReportEntryLine ReportLineOf(uint64_t index, const v1::AuditEntry& entry);

// "get: PERMISSION_DENIED": what a refusal is counted under (bounded: unknown numbers are named
// as such, never by their value).
std::string RefusalReason(const v1::AuditEntry& entry);

// "AMBER", "AMBER+STRICT", ...
std::string TlpLabel(v1::Tlp tlp);

// Reads answered to an agency (consistent with `audit trail`'s "answered to").
bool IsAnsweredRead(const v1::AuditEntry& entry);

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_AUDIT_REPORT_H_
