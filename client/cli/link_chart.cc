#include "client/cli/link_chart.h"

#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <map>
#include <thread>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "client/cli/record_text.h"
#include "common/indicator_normalizer.h"
#include "common/record_seal.h"
#include "common/untrusted_text.h"

namespace nexus {
namespace {

// One node of the chart.
struct ChartNode {
  std::string id;     // "r:<record id>", "h:<reference>", "s:<type>:<value>"
  std::string kind;   // "record", "hit-notice", "selector"
  std::string label;  // lines joined by '\n'
  std::string origin, sector, nexus_type, color, shape;
};

std::string NexusTypeText(v1::NexusType type) {
  std::string name(absl::StripPrefix(v1::NexusType_Name(type), "NEXUS_TYPE_"));
  for (char& c : name) c = c == '_' ? '-' : absl::ascii_tolower(static_cast<unsigned char>(c));
  return name;
}

std::string ColorOf(v1::NexusType type) {
  switch (type) {
    case v1::NEXUS_TYPE_ALLIANCE:
      return "#8dd3c7";
    case v1::NEXUS_TYPE_APPROPRIATION_OF_TACTICS:
      return "#ffffb3";
    case v1::NEXUS_TYPE_INTEGRATION:
      return "#bebada";
    case v1::NEXUS_TYPE_HYBRID:
      return "#fb8072";
    case v1::NEXUS_TYPE_TRANSFORMATION:
      return "#80b1d3";
    case v1::NEXUS_TYPE_BLACK_HOLE:
      return "#fdb462";
    default:
      return "#d9d9d9";
  }
}

std::string ShapeOf(v1::Sector sector) {
  switch (sector) {
    case v1::SECTOR_POLICE:
      return "box";
    case v1::SECTOR_COUNTER_TERRORISM:
      return "diamond";
    case v1::SECTOR_FINANCIAL_INTELLIGENCE:
      return "hexagon";
    case v1::SECTOR_CUSTOMS:
      return "trapezium";
    case v1::SECTOR_BORDER:
      return "house";
    case v1::SECTOR_PROSECUTION:
      return "octagon";
    case v1::SECTOR_PRISONS_AND_PROBATION:
      return "invhouse";
    case v1::SECTOR_INTELLIGENCE:
      return "doubleoctagon";
    case v1::SECTOR_REGIONAL_BODY:
      return "component";
    default:
      return "ellipse";
  }
}

// What a side of a link is as a chart node.
ChartNode SideNode(const v1::LinkSide& side) {
  ChartNode node;
  node.origin = side.origin_agency();
  node.sector = SectorName(side.sector());
  node.shape = ShapeOf(side.sector());
  if (side.has_record()) {
    absl::StatusOr<v1::RecordHeader> header = PeekHeader(side.record());
    node.id = absl::StrCat("r:", header.ok() ? header->id() : "?");
    node.kind = "record";
    node.nexus_type = NexusTypeText(side.nexus_type());
    node.color = ColorOf(side.nexus_type());
    node.label = absl::StrCat(side.origin_agency(), " (", node.sector, ")\n", node.nexus_type,
                              side.case_reference().empty() ? "" : "\n", side.case_reference());
  } else {
    node.id = absl::StrCat("h:", side.hit_notice().reference());
    node.kind = "hit-notice";
    node.color = "#ffffff";
    node.label = absl::StrCat("hit notice\n", side.origin_agency(), " (", node.sector, ")\n",
                              side.hit_notice().reference());
  }
  return node;
}

// The chart's nodes (records, hit notices, selectors) and edges (side to selector).
struct Chart {
  std::map<std::string, ChartNode> nodes;
  std::vector<std::pair<std::string, std::string>> edges;
};

Chart ChartOf(const std::vector<v1::Alert>& links) {
  Chart chart;
  for (const v1::Alert& link : links) {
    if (!link.has_a() || !link.has_b()) continue;
    ChartNode a = SideNode(link.a()), b = SideNode(link.b());
    for (const v1::Selector& selector : link.selectors()) {
      ChartNode node;
      node.id = absl::StrCat("s:", IndicatorTypeName(selector.type()), ":", selector.value());
      node.kind = "selector";
      node.label = absl::StrCat(IndicatorTypeName(selector.type()), "\n", selector.value());
      node.shape = "plaintext";
      chart.nodes.emplace(node.id, node);
      chart.edges.emplace_back(a.id, node.id);
      chart.edges.emplace_back(b.id, node.id);
    }
    chart.nodes.emplace(a.id, a);
    chart.nodes.emplace(b.id, b);
  }
  std::sort(chart.edges.begin(), chart.edges.end());
  chart.edges.erase(std::unique(chart.edges.begin(), chart.edges.end()), chart.edges.end());
  return chart;
}

// A DOT double-quoted string: quotes and backslashes escaped (so that no Graphviz escape such as
// \N or \l acts), line breaks as \n, every other control byte as visible text.
std::string DotQuoted(absl::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      absl::StrAppendFormat(&out, "\\\\x%02x", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

// XML character data: markup characters as entities, control bytes (which XML 1.0 forbids) as
// visible text; invalid UTF-8 is never written.
std::string XmlText(absl::string_view text) {
  std::string out;
  for (unsigned char c : EscapeForTerminal(text)) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        if (c < 0x20 && c != '\n') {
          absl::StrAppendFormat(&out, "\\x%02x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

}  // namespace

std::string LinkChartDot(const std::vector<v1::Alert>& links) {
  const Chart chart = ChartOf(links);
  std::string out = "graph links {\n  node [fontname=\"Helvetica\" fontsize=10];\n";
  for (const auto& [id, node] : chart.nodes) {
    absl::StrAppend(&out, "  ", DotQuoted(id), " [label=", DotQuoted(node.label),
                    " shape=", DotQuoted(node.shape));
    if (node.kind == "record")
      absl::StrAppend(&out, " style=filled fillcolor=", DotQuoted(node.color));
    if (node.kind == "hit-notice") absl::StrAppend(&out, " style=dashed");
    absl::StrAppend(&out, "];\n");
  }
  for (const auto& [from, to] : chart.edges) {
    absl::StrAppend(&out, "  ", DotQuoted(from), " -- ", DotQuoted(to), ";\n");
  }
  return out + "}\n";
}

std::string LinkChartGraphMl(const std::vector<v1::Alert>& links) {
  const Chart chart = ChartOf(links);
  std::string out =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n";
  for (const char* key : {"label", "kind", "origin", "sector", "nexus_type", "color", "shape"}) {
    absl::StrAppend(&out, "  <key id=\"", key, "\" for=\"node\" attr.name=\"", key,
                    "\" attr.type=\"string\"/>\n");
  }
  out += "  <graph id=\"links\" edgedefault=\"undirected\">\n";
  for (const auto& [id, node] : chart.nodes) {
    absl::StrAppend(&out, "    <node id=\"", XmlText(id), "\">\n");
    for (const auto& [key, value] :
         std::vector<std::pair<const char*, const std::string*>>{{"label", &node.label},
                                                                 {"kind", &node.kind},
                                                                 {"origin", &node.origin},
                                                                 {"sector", &node.sector},
                                                                 {"nexus_type", &node.nexus_type},
                                                                 {"color", &node.color},
                                                                 {"shape", &node.shape}}) {
      if (value->empty()) continue;
      absl::StrAppend(&out, "      <data key=\"", key, "\">", XmlText(*value), "</data>\n");
    }
    out += "    </node>\n";
  }
  int edge = 0;
  for (const auto& [from, to] : chart.edges) {
    absl::StrAppend(&out, "    <edge id=\"e", edge++, "\" source=\"", XmlText(from), "\" target=\"",
                    XmlText(to), "\"/>\n");
  }
  return out + "  </graph>\n</graphml>\n";
}

absl::StatusOr<std::string> LinkChartSvg(const std::vector<v1::Alert>& links) {
  const std::string dot = LinkChartDot(links);
  std::signal(SIGPIPE, SIG_IGN);  // dot exiting early is an error below, not a crash
  int to_dot[2], from_dot[2];
  if (pipe(to_dot) != 0 || pipe(from_dot) != 0) return absl::InternalError("pipe failed");
  pid_t pid = fork();
  if (pid == 0) {
    dup2(to_dot[0], STDIN_FILENO);
    dup2(from_dot[1], STDOUT_FILENO);
    close(to_dot[1]);
    close(from_dot[0]);
    execlp("dot", "dot", "-Tsvg", static_cast<char*>(nullptr));
    _exit(127);
  }
  close(to_dot[0]);
  close(from_dot[1]);
  // The writer on its own thread: dot may start answering before it has read everything.
  std::thread writer([&] {
    size_t written = 0;
    while (written < dot.size()) {
      ssize_t n = write(to_dot[1], dot.data() + written, dot.size() - written);
      if (n <= 0) break;
      written += static_cast<size_t>(n);
    }
    close(to_dot[1]);
  });
  std::string svg;
  char buffer[8192];
  for (ssize_t n; (n = read(from_dot[0], buffer, sizeof(buffer))) > 0;) svg.append(buffer, n);
  close(from_dot[0]);
  writer.join();
  int status = 0;
  waitpid(pid, &status, 0);
  if (!WIFEXITED(status) || WEXITSTATUS(status) == 127) {
    return absl::FailedPreconditionError(
        "--format svg needs Graphviz's dot (Debian: apt-get install graphviz)");
  }
  if (WEXITSTATUS(status) != 0) {
    return absl::InternalError(absl::StrCat("dot exited with ", WEXITSTATUS(status)));
  }
  return svg;
}

}  // namespace nexus
