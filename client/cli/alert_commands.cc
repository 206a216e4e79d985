#include "client/cli/alert_commands.h"

#include <cstdio>
#include <fstream>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/cli/exit_codes.h"
#include "client/cli/link_chart.h"
#include "client/cli/record_text.h"
#include "common/indicator_normalizer.h"
#include "common/untrusted_text.h"

namespace nexus {

const char kAlertUsage[] = R"(link alerts (analyst certificate of any member):
  alerts [--since CURSOR] [--limit N] [--follow] [--brief]
                                    links between records this node found (and its coordinator's,
                                    told to it), as your agency may see them (--follow: wait for
                                    new ones; --brief: one line each)
  alerts ack LINK_ID                mark a link acknowledged for your agency
  links graph (--record ID | --case REF) [--depth N] --format dot|graphml|svg [--output FILE]
                                    a link chart: records and selectors, coloured by nexus type,
                                    shaped by sector; hit notices dashed (svg: Graphviz's dot)
)";

namespace {

int Usage(const std::string& problem) { return ReportUsage("", problem); }

int Failure(const absl::Status& status, const std::string& doing) {
  return ReportFailure("", doing, status);
}

std::string EventName(v1::LinkEvent event) {
  switch (event) {
    case v1::LINK_EVENT_OPENED:
      return "opened";
    case v1::LINK_EVENT_UPDATED:
      return "updated";
    case v1::LINK_EVENT_CLOSED:
      return "closed";
    case v1::LINK_EVENT_FREQUENT_SELECTOR:
      return "frequent-selector";
    default:
      return "unknown";
  }
}

std::string SelectorText(const v1::Selector& selector) {
  return absl::StrCat(IndicatorTypeName(selector.type()), " ", EscapeForTerminal(selector.value()));
}

std::string Time(int64_t micros) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMicros(micros), absl::UTCTimeZone());
}

// One side: the record (verified) or the hit notice.
std::string SideText(const char* name, const v1::LinkSide& side, const Keyring* keys,
                     bool* verified) {
  if (side.has_record()) {
    RecordView view = ViewRecord(side.record(), keys);
    *verified = *verified && view.verified;
    std::string text = RecordToHumanText(view);
    std::string indented;
    for (char c : text) {
      indented += c;
      if (c == '\n') indented += "    ";
    }
    while (!indented.empty() && indented.back() == ' ') indented.pop_back();
    return absl::StrCat("  ", name, ": ", indented);
  }
  return absl::StrCat("  ", name, ": ", HitNoticeToHumanText(side.hit_notice()));
}

std::string SideJson(const v1::LinkSide& side, const Keyring* keys, bool* verified) {
  std::string record = "null";
  if (side.has_record()) {
    RecordView view = ViewRecord(side.record(), keys);
    *verified = *verified && view.verified;
    record = RecordToJson(view);
  }
  return absl::StrCat(
      "{\"origin_agency\":", JsonQuote(side.origin_agency()),
      ",\"sector\":", JsonQuote(SectorName(side.sector())),
      ",\"case_reference\":", EscapeJsonForTerminal(JsonQuote(side.case_reference())),
      ",\"record\":", record,
      ",\"hit_notice\":", side.has_hit_notice() ? HitNoticeToJson(side.hit_notice()) : "null", "}");
}

int Alerts(const CommandLine& line, NexusClient& client, const Keyring* keys, bool json) {
  v1::AlertsRequest request;
  absl::StatusOr<uint64_t> since =
      line.Has("since") ? ParseCursor(line.Get("since")) : absl::StatusOr<uint64_t>(0);
  if (!since.ok()) return Usage(absl::StrCat("--since: ", since.status().message()));
  absl::StatusOr<uint64_t> limit = line.Count("limit");
  if (!limit.ok()) return Usage(std::string(limit.status().message()));
  request.set_since(*since);
  request.set_limit(static_cast<uint32_t>(*limit));
  request.set_follow(line.Has("follow"));
  uint64_t told = 0, resume = *since;
  bool all_verified = true;
  absl::Status status = client.Alerts(
      request,
      [&](const v1::Alert& alert) {
        bool verified = true;
        std::cout << (json                ? AlertToJson(alert, keys, &verified) + "\n"
                      : line.Has("brief") ? AlertToBriefText(alert, keys, &verified)
                                          : AlertToHumanText(alert, keys, &verified));
        std::cout.flush();  // --follow: each alert as it comes
        all_verified = all_verified && verified;
        ++told;
        return true;
      },
      &resume);
  if (!status.ok()) return Failure(status, "alerts");
  if (!json) std::cout << told << " alerts; resume with --since " << CursorText(resume) << "\n";
  return all_verified ? kExitOk : kExitUnverified;
}

int Graph(const CommandLine& line, NexusClient& client) {
  v1::LinksRequest request;
  request.set_record_id(line.Get("record"));
  request.set_case_reference(line.Get("case"));
  if (request.record_id().empty() == request.case_reference().empty()) {
    return Usage("links graph needs one of --record ID or --case REF");
  }
  absl::StatusOr<uint64_t> depth = line.Count("depth", 2);
  if (!depth.ok()) return Usage(std::string(depth.status().message()));
  request.set_depth(static_cast<uint32_t>(*depth));
  const std::string format = line.Get("format", "dot");
  if (format != "dot" && format != "graphml" && format != "svg") {
    return Usage("--format is one of dot, graphml, svg");
  }
  absl::StatusOr<v1::LinksResponse> links = client.Links(request);
  if (!links.ok()) return Failure(links.status(), "links graph");
  std::vector<v1::Alert> alerts(links->links().begin(), links->links().end());
  std::string chart;
  if (format == "dot") chart = LinkChartDot(alerts);
  if (format == "graphml") chart = LinkChartGraphMl(alerts);
  if (format == "svg") {
    absl::StatusOr<std::string> svg = LinkChartSvg(alerts);
    if (!svg.ok()) return Failure(svg.status(), "links graph");
    chart = *std::move(svg);
  }
  if (line.Has("output")) {
    std::ofstream out(line.Get("output"));
    out << chart;
    if (!out) return Usage("cannot write " + line.Get("output"));
  } else {
    std::cout << chart;
  }
  std::fprintf(stderr, "%d links%s\n", links->links_size(),
               links->truncated() ? " (truncated: narrow it with --depth)" : "");
  return kExitOk;
}

}  // namespace

std::string AlertToHumanText(const v1::Alert& alert, const Keyring* keys, bool* verified) {
  *verified = true;
  if (alert.event() == v1::LINK_EVENT_FREQUENT_SELECTOR) {
    return absl::StrCat("NOTICE ", Time(alert.time_unix_micros()), "  frequent selector ",
                        SelectorText(alert.frequent()), ": carried by ", alert.frequent_records(),
                        "+ records, so not linked on\n");
  }
  std::string out =
      absl::StrCat("ALERT ", EventName(alert.event()), "  ", Time(alert.time_unix_micros()),
                   "  link ", EscapeForTerminal(alert.link_id()), "  ",
                   EscapeForTerminal(alert.kind()), alert.crime_terror() ? "  CRIME ↔ TERROR" : "",
                   "  (found at ", EscapeForTerminal(alert.found_at()), ")",
                   alert.acknowledged() ? "  acknowledged" : "", "\n  shared:");
  for (const v1::Selector& selector : alert.selectors()) {
    absl::StrAppend(&out, " ", SelectorText(selector), ";");
  }
  absl::StrAppend(&out, "\n", SideText("a", alert.a(), keys, verified),
                  SideText("b", alert.b(), keys, verified));
  return out;
}

std::string AlertToBriefText(const v1::Alert& alert, const Keyring* keys, bool* verified) {
  *verified = true;
  if (alert.event() == v1::LINK_EVENT_FREQUENT_SELECTOR) {
    return absl::StrCat("frequent-selector  ", SelectorText(alert.frequent()), "  carried by ",
                        alert.frequent_records(), "+ records\n");
  }
  auto side = [&](const v1::LinkSide& side) {
    if (side.has_record()) {
      RecordView view = ViewRecord(side.record(), keys);
      *verified = *verified && view.verified;
      const std::string reference =
          view.opened.ok() && !view.opened->record.case_reference().empty()
              ? view.opened->record.case_reference()
              : "(case withheld)";
      return absl::StrCat(EscapeForTerminal(reference), " [",
                          EscapeForTerminal(side.origin_agency()),
                          view.verified ? "" : ", NOT VERIFIED", "]");
    }
    const v1::HitNotice& notice = side.hit_notice();
    return absl::StrCat("HIT NOTICE [", EscapeForTerminal(notice.origin_agency()),
                        " record held by ", EscapeForTerminal(notice.holder()), ", ask ",
                        EscapeForTerminal(notice.liaison()), ", ref ",
                        EscapeForTerminal(notice.reference()), "]");
  };
  std::string selectors;
  for (const v1::Selector& selector : alert.selectors()) {
    absl::StrAppend(&selectors, selectors.empty() ? "" : ", ", SelectorText(selector));
  }
  return absl::StrCat(EventName(alert.event()), "  ", EscapeForTerminal(alert.kind()),
                      alert.crime_terror() ? " (CRIME-TERROR)" : "", "  ", side(alert.a()), " <-> ",
                      side(alert.b()), "  on ",
                      selectors.empty() ? "(withheld selectors)" : selectors, "  found at ",
                      EscapeForTerminal(alert.found_at()), "\n");
}

std::string AlertToJson(const v1::Alert& alert, const Keyring* keys, bool* verified) {
  *verified = true;
  std::string selectors;
  for (const v1::Selector& selector : alert.selectors()) {
    absl::StrAppend(&selectors, selectors.empty() ? "" : ",", "{\"type\":\"",
                    IndicatorTypeName(selector.type()),
                    "\",\"value\":", JsonQuote(selector.value()), "}");
  }
  return EscapeJsonForTerminal(absl::StrCat(
      "{\"cursor\":", alert.cursor(), ",\"event\":\"", EventName(alert.event()),
      "\",\"time_unix_micros\":", alert.time_unix_micros(),
      ",\"link_id\":", JsonQuote(alert.link_id()), ",\"kind\":", JsonQuote(alert.kind()),
      ",\"crime_terror\":", alert.crime_terror() ? "true" : "false",
      ",\"found_at\":", JsonQuote(alert.found_at()),
      ",\"acknowledged\":", alert.acknowledged() ? "true" : "false", ",\"selectors\":[", selectors,
      "],\"a\":", alert.has_a() ? SideJson(alert.a(), keys, verified) : "null",
      ",\"b\":", alert.has_b() ? SideJson(alert.b(), keys, verified) : "null",
      alert.has_frequent()
          ? absl::StrCat(",\"frequent\":{\"type\":\"", IndicatorTypeName(alert.frequent().type()),
                         "\",\"value\":", JsonQuote(alert.frequent().value()),
                         "},\"frequent_records\":", alert.frequent_records())
          : "",
      "}"));
}

int RunAlertCommand(const CommandLine& line, NexusClient& client, const Keyring* keys, bool json) {
  const auto& args = line.positional();
  if (args[0] == "alerts") {
    if (args.size() == 1) return Alerts(line, client, keys, json);
    if (args.size() == 3 && args[1] == "ack") {
      absl::Status acked = client.AckAlert(args[2]);
      if (!acked.ok()) return Failure(acked, "alerts ack");
      std::cout << "acknowledged " << EscapeForTerminal(args[2]) << "\n";
      return kExitOk;
    }
    return Usage("alerts takes no argument, or ack LINK_ID");
  }
  if (args.size() == 2 && args[1] == "graph") return Graph(line, client);
  return Usage("links takes: graph");
}

}  // namespace nexus
