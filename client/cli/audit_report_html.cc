#include "client/cli/audit_report_html.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "common/untrusted_text.h"

namespace nexus {
namespace {

constexpr size_t kShownIdBytes = 128;
constexpr size_t kShownTextBytes = 512;
constexpr size_t kShownRows = 30;   // rows of a table of purposes, messages or records
constexpr size_t kChartBars = 48;   // bars of a chart over time
constexpr size_t kChartSeries = 6;  // series of a chart over time; the rest as "other"
constexpr char kReadActions[] = "get,pull,search,alert,federated-search";

std::string H(absl::string_view text, size_t max_bytes = kShownTextBytes) {
  return HtmlText(text, max_bytes);
}

std::string Time(int64_t micros) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::FromUnixMicros(micros),
                          absl::UTCTimeZone());
}

std::string TimeSeconds(int64_t seconds) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%SZ", absl::FromUnixSeconds(seconds),
                          absl::UTCTimeZone());
}

std::string Width(int64_t seconds) {
  if (seconds % 86400 == 0) return absl::StrCat(seconds / 86400, " d");
  if (seconds % 3600 == 0) return absl::StrCat(seconds / 3600, " h");
  if (seconds % 60 == 0) return absl::StrCat(seconds / 60, " min");
  return absl::StrCat(seconds, " s");
}

// A command the page gives to list entries, shown as code.
std::string Command(const std::string& command) {
  return absl::StrCat("<code class=\"cmd\">", H(command, 4096), "</code>");
}

std::string ListCommand(const ReportWindow& window, const std::string& filters) {
  std::string command = "nexusctl audit list";
  if (!filters.empty()) absl::StrAppend(&command, " ", filters);
  const std::string flags = WindowFlags(window);
  if (!flags.empty()) absl::StrAppend(&command, " ", flags);
  return command;
}

const char* TlpColor(const std::string& label) {
  if (label == "CLEAR") return "#ffffff";
  if (label == "GREEN") return "#33a532";
  if (label == "AMBER") return "#ffc000";
  if (label == "AMBER+STRICT") return "#ff8000";
  if (label == "RED") return "#e3002b";
  return "#9e9e9e";
}

const char* SeriesColor(size_t i) {
  static const char* kColors[] = {"#3366cc", "#dc3912", "#ff9900", "#109618",
                                  "#990099", "#0099c6", "#7f7f7f"};
  return kColors[std::min(i, std::size(kColors) - 1)];
}

// The entries behind a figure, and how to list them all.
void WriteEntryList(const char* anchor, const char* title, const ReportEntryList& list,
                    const std::string& all_command, std::ostream& out) {
  out << "<section class=\"entries\" id=\"" << anchor << "\"><h3>" << title << ": " << list.total
      << " entries</h3>\n";
  if (list.total == 0) {
    out << "<p>None in this window.</p></section>\n";
    return;
  }
  out << "<table><thead><tr><th>#</th><th>time (UTC)</th><th>actor</th><th>person</th>"
         "<th>action</th><th>purpose</th><th>records</th><th>outcome</th></tr></thead><tbody>\n";
  for (const ReportEntryLine& line : list.first) {
    out << "<tr><td class=\"n\">" << line.index << "</td><td class=\"t\">"
        << Time(line.time_unix_micros) << "</td><td>" << H(line.actor) << "</td><td>"
        << H(line.person) << "</td><td>" << H(line.action) << "</td><td>" << H(line.purpose)
        << "</td><td class=\"id\">" << H(line.records) << "</td><td>" << H(line.outcome);
    if (!line.code.empty()) {
      out << " <span class=\"code\">" << H(line.code) << "</span><br><span class=\"err\">"
          << HtmlText(line.error, kShownTextBytes, /*already_escaped=*/true) << "</span>";
    }
    out << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
  if (list.total > list.first.size()) {
    out << "<p class=\"more\">and " << list.total - list.first.size()
        << " more — list them all with: " << Command(all_command) << "</p>\n";
  } else if (!all_command.empty()) {
    out << "<p class=\"more\">The same with: " << Command(all_command) << "</p>\n";
  }
  out << "</section>\n";
}

void WriteVerification(const VerifyOutcome& outcome, std::ostream& out) {
  const AuditVerifyReport& report = outcome.report;
  const bool store_disagrees = outcome.store && outcome.store->total_mismatches != 0;
  const char* verdict = report.ok         ? "VERIFIED"
                        : store_disagrees ? "STORE AND LOG DISAGREE"
                                          : "NOT VERIFIED";
  out << "<section id=\"verification\" class=\"" << (report.ok ? "ok" : "broken")
      << "\"><h2>Verification of the log</h2>\n<p class=\"verdict\" id=\"verdict\">" << verdict
      << "</p>\n<dl>\n<dt>whose log</dt><dd>agency <b>" << H(report.origin, kShownIdBytes)
      << "</b> (the agency expected from " << H(outcome.agency_source) << ")</dd>\n"
      << "<dt>entries verified</dt><dd id=\"entries-verified\">" << report.entries << "</dd>\n";
  if (outcome.head) {
    out << "<dt>signed head</dt><dd>tree size <b>" << outcome.head->tree_size()
        << "</b>, root <code>" << H(report.root.empty() ? "(not verified)" : report.root)
        << "</code>, signed " << Time(outcome.head->time_unix_micros()) << "</dd>\n";
  }
  out << "<dt>signed checkpoints verified</dt><dd>" << report.checkpoints << "</dd>\n"
      << "<dt>witnessed heads</dt><dd>";
  if (outcome.witnessed == 0) {
    out << "none witnessed before this run: nothing to compare with yet";
  } else {
    out << outcome.witnessed << " heads witnessed before, up to tree size "
        << outcome.witnessed_size << ": "
        << (report.ok ? "the log is consistent with every one of them"
                      : "see the verdict: the log is not shown consistent with them");
  }
  out << "</dd>\n<dt>witness file</dt><dd><code>" << H(outcome.witness_path) << "</code>"
      << (report.ok ? " (this head is now witnessed in it)" : "") << "</dd>\n";
  if (outcome.store) {
    out << "<dt>record store</dt><dd>"
        << (store_disagrees ? "disagrees with the log in " : "agrees with the log: ");
    if (store_disagrees) {
      out << outcome.store->total_mismatches << " places<ul>";
      for (const std::string& mismatch : outcome.store->mismatches) {
        out << "<li>" << HtmlText(mismatch, kShownTextBytes, true) << "</li>";
      }
      out << "</ul>";
    } else {
      out << outcome.store->versions << " record versions, " << outcome.store->feed_entries
          << " feed entries, " << outcome.store->index_keys << " index keys";
    }
    out << "</dd>\n";
  }
  out << "</dl>\n";
  if (!report.ok && !store_disagrees) {
    out << "<p class=\"problem\">BROKEN"
        << (report.index >= 0 ? absl::StrCat(" at entry ", report.index) : std::string()) << ": "
        << HtmlText(report.problem, 4096, true) << "</p>\n";
    if (!report.expected.empty()) {
      out << "<p>expected <code>" << H(report.expected) << "</code></p>\n";
    }
    if (!report.found.empty()) out << "<p>found <code>" << H(report.found) << "</code></p>\n";
    out << "<p>The figures below are built from the entries read up to the break.</p>\n";
  }
  for (const LogOpeningRecord& recovery : report.recoveries) {
    out << "<p class=\"warning\">WARNING: " << HtmlText(DescribeRecovery(recovery), 4096, true)
        << "</p>\n";
  }
  if (outcome.superseded != 0) {
    out << "<p class=\"note\">" << H(SupersededNote(outcome.superseded)) << "</p>\n";
  }
  for (const std::string& note : report.notes) {
    out << "<p class=\"note\">" << HtmlText(note, 4096, true) << "</p>\n";
  }
  out << "</section>\n";
}

// The flows between this node and its peers as a node-link picture: this node on the left, each
// peer on the right, an arrow each way labelled with the versions by TLP.
void WriteFlowsPicture(const AuditReport& report, const std::string& agency, std::ostream& out) {
  const size_t peers = report.flows.size();
  const int row = 90;
  const int height = std::max<int>(160, static_cast<int>(peers) * row + 20);
  const int cy = height / 2;
  out << "<svg class=\"flows\" role=\"img\" aria-label=\"sharing flows\" width=\"960\" height=\""
      << height << "\" viewBox=\"0 0 960 " << height << "\" xmlns=\"http://www.w3.org/2000/svg\">"
      << "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
         "markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\">"
         "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#333\"/></marker></defs>\n"
      << "<rect x=\"20\" y=\"" << cy - 30 << "\" width=\"200\" height=\"60\" rx=\"8\" "
      << "class=\"self\"/><text x=\"120\" y=\"" << cy - 4 << "\" text-anchor=\"middle\" "
      << "class=\"node\">" << H(agency, 40) << "</text><text x=\"120\" y=\"" << cy + 16
      << "\" text-anchor=\"middle\" class=\"small\">this node</text>\n";
  size_t i = 0;
  for (const auto& [peer, flows] : report.flows) {
    const int top = 20 + static_cast<int>(i++) * row;
    auto label = [&](const char* verb, const std::map<std::string, FlowCount>& by_tlp) {
      uint64_t total = 0;
      for (const auto& [tlp, count] : by_tlp) total += count.versions;
      std::string text = absl::StrCat("<tspan>", verb, " ", total, "</tspan>");
      for (const auto& [tlp, count] : by_tlp) {
        absl::StrAppend(&text, "<tspan fill=\"", TlpColor(tlp),
                        "\" class=\"dot\"> ●</tspan><tspan>", H(tlp, 40), " ", count.versions,
                        "</tspan>");
      }
      return std::make_pair(total, text);
    };
    auto [sent, sent_label] = label("sent", flows.sent);
    auto [received, received_label] = label("received", flows.received);
    auto stroke = [](uint64_t n) { return 1.5 + std::log10(1.0 + static_cast<double>(n)) * 2; };
    out << "<line x1=\"220\" y1=\"" << cy - 8 << "\" x2=\"700\" y2=\"" << top + 22
        << "\" stroke=\"#333\" stroke-width=\"" << stroke(sent)
        << "\" marker-end=\"url(#arrow)\"/>\n"
        << "<line x1=\"700\" y1=\"" << top + 48 << "\" x2=\"220\" y2=\"" << cy + 8
        << "\" stroke=\"#777\" stroke-dasharray=\"6 3\" stroke-width=\"" << stroke(received)
        << "\" marker-end=\"url(#arrow)\"/>\n"
        << "<text x=\"690\" y=\"" << top + 12 << "\" text-anchor=\"end\" class=\"small\">"
        << sent_label << "</text>\n"
        << "<text x=\"690\" y=\"" << top + 66 << "\" text-anchor=\"end\" class=\"small\">"
        << received_label << "</text>\n"
        << "<rect x=\"700\" y=\"" << top + 10 << "\" width=\"240\" height=\"50\" rx=\"8\" "
        << "class=\"peer\"/><text x=\"820\" y=\"" << top + 40
        << "\" text-anchor=\"middle\" class=\"node\">" << H(peer, 40) << "</text>\n";
  }
  out << "</svg>\n";
}

// A stacked bar chart over time: one bar per bucket, one colour per series (the kChartSeries
// largest; the rest as "other").
void WriteTimeChart(const TimeSeries& series, const char* what, std::ostream& out) {
  if (series.empty()) {
    out << "<p>No " << what << " in this window.</p>\n";
    return;
  }
  int64_t width = 0;
  const TimeSeries::Buckets buckets = series.ForChart(kChartBars, &width);
  std::map<std::string, uint64_t> totals;
  uint64_t max = 0;
  for (const auto& [start, counts] : buckets) {
    uint64_t sum = 0;
    for (const auto& [name, count] : counts) {
      totals[name] += count;
      sum += count;
    }
    max = std::max(max, sum);
  }
  std::vector<std::pair<uint64_t, std::string>> ranked;
  for (const auto& [name, count] : totals) ranked.push_back({count, name});
  std::sort(ranked.rbegin(), ranked.rend());
  std::map<std::string, size_t> colour;
  for (size_t i = 0; i < ranked.size() && i < kChartSeries; ++i) colour[ranked[i].second] = i;
  const int64_t first = buckets.begin()->first;
  const int64_t span = (buckets.rbegin()->first - first) / width + 1;
  const bool to_scale = span <= static_cast<int64_t>(kChartBars);
  const size_t bars = to_scale ? static_cast<size_t>(span) : buckets.size();
  const double left = 60, plot_width = 880, plot_height = 180, top = 10;
  // Bars at most 40 px wide: a window of a few seconds is one narrow bar, not a wall.
  const double bar_width =
      std::min(40.0, plot_width / static_cast<double>(std::max<size_t>(bars, 1)));
  out << "<svg class=\"chart\" role=\"img\" aria-label=\"" << what
      << " over time\" width=\"960\" height=\"240\" viewBox=\"0 0 960 240\" "
         "xmlns=\"http://www.w3.org/2000/svg\">"
      << "<line x1=\"" << left << "\" y1=\"" << top + plot_height << "\" x2=\"" << left + plot_width
      << "\" y2=\"" << top + plot_height << "\" stroke=\"#333\"/>"
      << "<text x=\"" << left - 6 << "\" y=\"" << top + 10 << "\" text-anchor=\"end\" "
      << "class=\"small\">" << max << "</text><text x=\"" << left - 6 << "\" y=\""
      << top + plot_height << "\" text-anchor=\"end\" class=\"small\">0</text>\n";
  size_t position = 0;
  for (const auto& [start, counts] : buckets) {
    const double x =
        left + bar_width * (to_scale ? static_cast<double>((start - first) / width) : position++);
    double y = top + plot_height;
    std::string tip = absl::StrCat(TimeSeconds(start), " (", Width(width), ")");
    std::map<size_t, uint64_t> stacked;  // colour → count
    for (const auto& [name, count] : counts) {
      auto it = colour.find(name);
      stacked[it == colour.end() ? kChartSeries : it->second] += count;
      absl::StrAppend(&tip, "\n", name, ": ", count);
    }
    for (const auto& [c, count] : stacked) {
      const double h = plot_height * static_cast<double>(count) / static_cast<double>(max);
      y -= h;
      out << "<rect x=\"" << x + 1 << "\" y=\"" << y << "\" width=\""
          << std::max(1.0, bar_width - 2) << "\" height=\"" << h << "\" fill=\"" << SeriesColor(c)
          << "\"><title>" << H(tip, 4096) << "</title></rect>";
    }
    out << "\n";
  }
  const double extent = std::max(bar_width * static_cast<double>(bars), 320.0);
  out << "<text x=\"" << left << "\" y=\"" << top + plot_height + 18 << "\" class=\"small\">"
      << TimeSeconds(first) << "</text><text x=\"" << left + extent << "\" y=\""
      << top + plot_height + 18 << "\" text-anchor=\"end\" class=\"small\">"
      << TimeSeconds(buckets.rbegin()->first) << "</text>\n";
  double x = left;
  for (size_t i = 0; i < ranked.size() && i <= kChartSeries; ++i) {
    const std::string name = i < kChartSeries ? ranked[i].second : "other";
    out << "<rect x=\"" << x << "\" y=\"" << top + plot_height + 30 << "\" width=\"12\" "
        << "height=\"12\" fill=\"" << SeriesColor(i) << "\"/><text x=\"" << x + 16 << "\" y=\""
        << top + plot_height + 41 << "\" class=\"small\">" << H(name, 60) << "</text>";
    x += 30 + 7.0 * static_cast<double>(std::min<size_t>(name.size(), 60));
  }
  out << "<text x=\"" << x + 10 << "\" y=\"" << top + plot_height + 41 << "\" class=\"small\">"
      << "one bar: " << Width(width) << (to_scale ? "" : " (empty bars left out)") << "</text>";
  out << "</svg>\n";
}

// A horizontal bar inside a table cell, drawn with CSS.
std::string Bar(uint64_t count, uint64_t max) {
  const double percent = max == 0 ? 0 : 100.0 * static_cast<double>(count) / max;
  return absl::StrCat("<span class=\"bar\" style=\"width:", static_cast<int>(percent),
                      "%\"></span>");
}

void WriteFlows(const AuditReport& report, const std::string& agency, std::ostream& out) {
  const ReportWindow& w = report.window;
  out << "<section id=\"flows\"><h2>Sharing flows</h2>\n<p>Record versions this node sent to "
         "each peer agency's node (replication: <i>replicate</i> entries, the peer as actor) and "
         "received from it (<i>receive</i> entries that stored versions). ";
  out << "Each entry names the TLP of the versions it counts";
  if (report.tlp_from_store) {
    out << "; for entries written before entries carried it, the TLP is read from the record "
           "store beside the log.";
  } else {
    out << "; entries written before entries carried it show <b>not in the entry</b> (a report "
           "over a copy of the node's data directory, <code>--offline</code>, reads it from the "
           "record store).";
  }
  out << " <a href=\"#flow-entries\">Entries behind this figure</a>.</p>\n";
  if (report.flows.empty()) {
    out << "<p id=\"no-flows\">No versions were sent or received in this window.</p>"
        << "</section>\n";
    return;
  }
  WriteFlowsPicture(report, agency, out);
  out << "<table id=\"flows-table\"><thead><tr><th>peer agency</th><th>direction</th>"
         "<th>TLP</th><th>versions</th><th>entries</th><th>list them with</th></tr></thead>"
         "<tbody>\n";
  for (const auto& [peer, flows] : report.flows) {
    const std::string actor = peer.front() == '(' ? "" : absl::StrCat("--actor ", ShellQuote(peer));
    for (const auto& [direction, by_tlp] :
         {std::pair("sent", &flows.sent), std::pair("received", &flows.received)}) {
      for (const auto& [tlp, count] : *by_tlp) {
        out << "<tr><td>" << H(peer, kShownIdBytes) << "</td><td>" << direction
            << "</td><td><span class=\"tlp\" style=\"background:" << TlpColor(tlp) << "\"></span>"
            << H(tlp) << "</td><td class=\"n flow-versions\">" << count.versions
            << (count.cut != 0 ? absl::StrCat(" (+", count.cut, " cut from the entries)") : "")
            << "</td><td class=\"n\">" << count.entries << "</td><td>"
            << Command(ListCommand(
                   w, absl::StrCat("--action ",
                                   std::string(direction) == "sent" ? "replicate" : "receive",
                                   " --outcome ok", actor.empty() ? "" : " ", actor)))
            << "</td></tr>\n";
      }
    }
    if (flows.withheld != 0) {
      out << "<tr><td>" << H(peer, kShownIdBytes) << "</td><td>withheld</td><td></td>"
          << "<td class=\"n\">" << flows.withheld
          << "</td><td colspan=\"2\">versions considered for the peer and not sent (the "
             "sharing policy's decisions, counted in the replicate entries)</td></tr>\n";
    }
  }
  out << "</tbody></table></section>\n";
}

void WriteReads(const AuditReport& report, std::ostream& out) {
  const ReportWindow& w = report.window;
  uint64_t total = 0, max = 0;
  for (const auto& [agency, reads] : report.reads) {
    total += reads.entries;
    max = std::max(max, reads.entries);
  }
  out << "<section id=\"reads\"><h2>Reads by agency and purpose</h2>\n<p><span id=\"reads-total\">"
      << total << "</span> reads answered (get, pull, search, alert, federated search) in this "
      << "window. <a href=\"#read-entries\">Entries behind this figure</a>.</p>\n";
  WriteTimeChart(report.reads_over_time, "reads", out);
  if (report.reads.empty()) {
    out << "</section>\n";
    return;
  }
  out << "<table id=\"reads-table\"><thead><tr><th>agency</th><th>reads</th><th></th>"
         "<th>by action</th><th>list them with</th></tr></thead><tbody>\n";
  for (const auto& [agency, reads] : report.reads) {
    std::vector<std::string> actions;
    for (const auto& [action, count] : reads.by_action) {
      actions.push_back(absl::StrCat(action, " ", count));
    }
    const std::string actor =
        agency.front() == '(' ? "" : absl::StrCat(" --actor ", ShellQuote(agency));
    out << "<tr><td>" << H(agency, kShownIdBytes) << "</td><td class=\"n agency-reads\">"
        << reads.entries << "</td><td class=\"barcell\">" << Bar(reads.entries, max) << "</td><td>"
        << H(absl::StrJoin(actions, ", ")) << "</td><td>"
        << Command(ListCommand(w, absl::StrCat("--action ", kReadActions, " --outcome ok", actor)))
        << "</td></tr>\n";
  }
  out << "</tbody></table>\n<h3>Purposes given</h3>\n<table id=\"purposes-table\"><thead><tr>"
         "<th>agency</th><th>purpose</th><th>reads</th><th>list them with (a part of the "
         "purpose, any case)</th></tr></thead><tbody>\n";
  const std::vector<TopCounter::Item> purposes = report.read_purposes.Top(kShownRows);
  for (const TopCounter::Item& item : purposes) {
    const size_t separator = item.key.find(kPurposeKeySeparator);
    const std::string agency = item.key.substr(0, separator);
    const std::string purpose = item.key.substr(separator + 1);
    std::string filters = absl::StrCat("--action ", kReadActions, " --outcome ok");
    if (agency.front() != '(') absl::StrAppend(&filters, " --actor ", ShellQuote(agency));
    if (!purpose.empty()) absl::StrAppend(&filters, " --with-purpose ", ShellQuote(purpose));
    out << "<tr><td>" << H(agency, kShownIdBytes) << "</td><td class=\"purpose\">"
        << (purpose.empty() ? "<i>(no purpose given)</i>" : H(purpose)) << "</td><td class=\"n\">"
        << item.count
        << (item.overcount != 0 ? absl::StrCat(" (at least ", item.count - item.overcount, ")")
                                : "")
        << "</td><td>" << Command(ListCommand(w, filters)) << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
  if (report.read_purposes.kept() > purposes.size()) {
    out << "<p class=\"note\">The " << purposes.size() << " most frequent of "
        << report.read_purposes.kept() << " (agency, purpose) pairs.</p>\n";
  }
  if (!report.read_purposes.exact()) {
    out << "<p class=\"note\">More than " << report.read_purposes.capacity()
        << " distinct (agency, purpose) pairs: counts are upper bounds (space-saving count), "
           "each with the least it can be; the per-agency totals above are exact.</p>\n";
  }
  out << "</section>\n";
}

void WriteRefusals(const AuditReport& report, std::ostream& out) {
  const ReportWindow& w = report.window;
  uint64_t total = 0, max = 0;
  for (const auto& [reason, count] : report.refusals) {
    total += count;
    max = std::max(max, count);
  }
  out << "<section id=\"refusals\"><h2>Refusals by reason over time</h2>\n<p><span "
         "id=\"refusals-total\">"
      << total << "</span> refusals in this window, by action and status code. "
      << "<a href=\"#refusal-entries\">Entries behind this figure</a>.</p>\n";
  WriteTimeChart(report.refusals_over_time, "refusals", out);
  if (report.refusals.empty()) {
    out << "</section>\n";
    return;
  }
  out << "<table id=\"refusals-table\"><thead><tr><th>reason</th><th>refusals</th><th></th>"
         "<th>list them with (every refused call of that action)</th></tr></thead><tbody>\n";
  for (const auto& [reason, count] : report.refusals) {
    const std::string action = reason.substr(0, reason.find(':'));
    std::string filters = "--outcome refused";
    if (action != "unknown action") {
      std::string flag = action;
      std::replace(flag.begin(), flag.end(), '_', '-');
      absl::StrAppend(&filters, " --action ", flag);
    }
    out << "<tr><td>" << H(reason) << "</td><td class=\"n\">" << count
        << "</td><td class=\"barcell\">" << Bar(count, max) << "</td><td>"
        << Command(ListCommand(w, filters)) << "</td></tr>\n";
  }
  out << "</tbody></table>\n<h3>Most frequent refusal messages</h3>\n<table><thead><tr>"
         "<th>message (first 160 bytes)</th><th>refusals</th></tr></thead><tbody>\n";
  for (const TopCounter::Item& item : report.refusal_messages.Top(10)) {
    out << "<tr><td class=\"err\">" << HtmlText(item.key, kShownTextBytes, true)
        << "</td><td class=\"n\">" << item.count
        << (item.overcount != 0 ? absl::StrCat(" (at least ", item.count - item.overcount, ")")
                                : "")
        << "</td></tr>\n";
  }
  out << "</tbody></table></section>\n";
}

void WriteRecords(const AuditReport& report, std::ostream& out) {
  const std::vector<TopCounter::Item> top = report.records.Top(kShownRows);
  out << "<section id=\"records\"><h2>Busiest records</h2>\n<p>Records named by the most entries "
         "in this window (published, read, sent, received, refused). "
      << "<a href=\"#record-entries\">Entries behind this figure</a>.</p>\n";
  if (top.empty()) {
    out << "<p>No entry in this window names a record.</p></section>\n";
    return;
  }
  const std::string window = WindowFlags(report.window);
  out << "<table id=\"records-table\"><thead><tr><th>record</th><th>entries</th><th></th>"
         "<th>first entries</th><th>its whole trail</th></tr></thead><tbody>\n";
  for (const TopCounter::Item& item : top) {
    std::vector<std::string> first;
    auto activity = report.record_activity.find(item.key);
    if (activity != report.record_activity.end()) {
      for (uint64_t index : activity->second.first_indexes)
        first.push_back(absl::StrCat("#", index));
    }
    out << "<tr><td class=\"id\">" << H(item.key, kShownIdBytes) << "</td><td class=\"n\">"
        << item.count
        << (item.overcount != 0 ? absl::StrCat(" (at least ", item.count - item.overcount, ")")
                                : "")
        << "</td><td class=\"barcell\">" << Bar(item.count, top.front().count) << "</td><td>"
        << absl::StrJoin(first, " ") << "</td><td>"
        << Command(absl::StrCat("nexusctl audit trail ", ShellQuote(item.key),
                                window.empty() ? "" : " ", window))
        << "</td></tr>\n";
  }
  out << "</tbody></table>\n";
  if (!report.records.exact()) {
    out << "<p class=\"note\">More than " << report.records.capacity()
        << " distinct records: counts are upper bounds (space-saving count) with the least each "
           "can be; every record named more often than 1 in "
        << report.records.capacity() << " times is listed.</p>\n";
  }
  out << "</section>\n";
}

constexpr char kStyle[] = R"css(
body{font:14px/1.45 "DejaVu Sans",Helvetica,Arial,sans-serif;color:#1b1b1b;margin:24px auto;
max-width:1000px;padding:0 16px}
h1{font-size:24px;margin:0 0 4px}h2{font-size:19px;border-bottom:2px solid #ccc;margin-top:32px}
h3{font-size:15px}code{font:12px "DejaVu Sans Mono",monospace;word-break:break-all}
.cmd{background:#f3f3f3;padding:1px 4px;border-radius:3px}
table{border-collapse:collapse;width:100%;margin:8px 0;font-size:12.5px}
th,td{border:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top;
overflow-wrap:anywhere}th{background:#f0f0f0;white-space:nowrap}
td:first-child{white-space:nowrap}td.n{text-align:right;white-space:nowrap}
td.t{white-space:nowrap}.id{font-family:"DejaVu Sans Mono",monospace;font-size:11.5px}
#verification{border:3px solid;border-radius:8px;padding:4px 16px 10px;margin-top:16px}
#verification.ok{border-color:#2e7d32;background:#f1f8f1}
#verification.broken{border-color:#c62828;background:#fdf0f0}
.verdict{font-size:22px;font-weight:bold;margin:4px 0}.ok .verdict{color:#2e7d32}
.broken .verdict{color:#c62828}dl{display:grid;grid-template-columns:210px 1fr;gap:2px 12px}
dt{font-weight:bold}dd{margin:0;overflow-wrap:anywhere}.warning{color:#b71c1c;font-weight:bold}
.note,.more{color:#555;font-size:12.5px}.err{color:#8b0000}.code{font-weight:bold}
.barcell{width:120px}.bar{display:inline-block;height:10px;background:#3366cc}
.tlp{display:inline-block;width:10px;height:10px;border:1px solid #777;margin-right:4px}
svg{display:block;margin:8px 0;max-width:100%;height:auto}svg text{font:12px "DejaVu Sans",sans-serif}
svg .node{font-size:14px;font-weight:bold}svg .small{font-size:11px}
svg .self{fill:#e3ecfa;stroke:#3366cc;stroke-width:2}svg .peer{fill:#f5f5f5;stroke:#555}
svg .dot{stroke:#555;stroke-width:.5}nav a{margin-right:12px}
footer{margin-top:32px;border-top:2px solid #ccc;color:#444;font-size:12.5px}
)css";

}  // namespace

std::string HtmlText(absl::string_view text, size_t max_bytes, bool already_escaped) {
  const std::string visible = already_escaped ? EscapeMessageForTerminal(text, max_bytes)
                                              : EscapeForTerminal(text, max_bytes);
  std::string html;
  html.reserve(visible.size());
  for (char c : visible) {
    switch (c) {
      case '&':
        html += "&amp;";
        break;
      case '<':
        html += "&lt;";
        break;
      case '>':
        html += "&gt;";
        break;
      case '"':
        html += "&quot;";
        break;
      case '\'':
        html += "&#39;";
        break;
      default:
        html += c;
    }
  }
  return html;
}

std::string ShellQuote(absl::string_view arg) {
  const bool plain = !arg.empty() && std::all_of(arg.begin(), arg.end(), [](char c) {
    return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("-_./:@,+=").find(c) != std::string_view::npos;
  });
  if (plain) return std::string(arg);
  std::string quoted = "'";
  for (char c : arg) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

std::string WindowFlags(const ReportWindow& window) {
  auto time = [](int64_t micros) {
    return absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::FromUnixMicros(micros),
                            absl::UTCTimeZone());
  };
  std::vector<std::string> flags;
  // The window includes its start; --after excludes the time it names.
  if (window.since_unix_micros != 0) {
    flags.push_back(absl::StrCat("--after ", time(window.since_unix_micros - 1)));
  }
  if (window.until_unix_micros != 0) {
    flags.push_back(absl::StrCat("--before ", time(window.until_unix_micros)));
  }
  return absl::StrJoin(flags, " ");
}

void WriteAuditReportHtml(const AuditReport& report, const VerifyOutcome& verification,
                          const ReportRun& run, std::ostream& out) {
  const std::string& agency = verification.report.origin;
  const ReportWindow& w = report.window;
  out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
      << "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; img-src data:\">\n"
      << "<meta name=\"viewport\" content=\"width=device-width\">\n"
      << "<title>Audit report: log of " << H(agency, kShownIdBytes) << "</title>\n<style>" << kStyle
      << "</style></head><body>\n<header><h1>Audit report: the log of agency "
      << H(agency, kShownIdBytes) << "</h1>\n<p>Window: <b>"
      << (w.since_unix_micros ? Time(w.since_unix_micros) : "the first entry") << "</b> to <b>"
      << (w.until_unix_micros ? Time(w.until_unix_micros) : "the last entry")
      << "</b> (the start included, the end not). Read from " << H(run.source) << " on "
      << H(run.generated_at) << ". <span id=\"window-entries\">" << report.entries_in_window
      << "</span> entries in the window of <span id=\"entries-read\">" << report.entries_read
      << "</span> read"
      << (report.entries_in_window != 0
              ? absl::StrCat(" (", Time(report.first_time), " to ", Time(report.last_time), ")")
              : "")
      << ".</p>\n<nav><a href=\"#verification\">verification</a><a href=\"#flows\">sharing "
         "flows</a><a href=\"#reads\">reads</a><a href=\"#refusals\">refusals</a><a "
         "href=\"#records\">busiest records</a><a href=\"#entries\">entries</a></nav></header>\n";
  WriteVerification(verification, out);

  out << "<section id=\"summary\"><h2>Entries by action</h2><table id=\"actions-table\"><thead>"
         "<tr><th>action</th><th>entries</th></tr></thead><tbody>\n";
  for (const auto& [action, count] : report.by_action) {
    out << "<tr><td>" << H(action) << "</td><td class=\"n\">" << count << "</td></tr>\n";
  }
  out << "</tbody></table>";
  if (report.malformed != 0) {
    out << "<p class=\"warning\">" << report.malformed
        << " entries do not parse as audit entries (their time is unknown; not in the figures)."
        << "</p>";
  }
  out << "</section>\n";
  WriteFlows(report, agency, out);
  WriteReads(report, out);
  WriteRefusals(report, out);
  WriteRecords(report, out);

  out << "<section id=\"entries\"><h2>Entries behind the figures</h2>\n<p>The first "
      << kReportListedEntries << " entries behind each figure, oldest first. "
      << "The <code>nexusctl audit list</code> commands read the node's log (add the connection "
         "flags of an auditor).</p>\n";
  WriteEntryList("flow-entries", "Sharing flows", report.flow_entries,
                 ListCommand(w, "--action replicate,receive --outcome ok"), out);
  WriteEntryList("read-entries", "Reads", report.read_entries,
                 ListCommand(w, absl::StrCat("--action ", kReadActions, " --outcome ok")), out);
  WriteEntryList("refusal-entries", "Refusals", report.refusal_entries,
                 ListCommand(w, "--outcome refused"), out);
  WriteEntryList("record-entries", "Entries naming a record", report.record_entries,
                 ListCommand(w, "") + "   (then: nexusctl audit trail RECORD_ID for one record)",
                 out);
  out << "</section>\n<footer><p id=\"closing-note\">Generated by <code>nexusctl audit report"
      << "</code> in " << absl::StrFormat("%.2f", run.seconds) << " s over " << report.entries_read
      << " entries (verification and figures in one pass); peak memory "
      << absl::StrFormat("%.1f", static_cast<double>(run.peak_rss_kib) / 1024.0)
      << " MiB. Counts per agency, action and reason are exact; purposes and records are exact "
         "up to "
      << kReportPurposeSlots << " and " << kReportRecordSlots
      << " distinct values (beyond, bounds are shown). Text from the log is shown escaped: "
         "control characters as visible escapes, long values cut with their length.</p>"
      << "</footer>\n</body></html>\n";
}

}  // namespace nexus
