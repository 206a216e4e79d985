// Link charts for the tools analysts use (i2 Analyst's Notebook, Maltego, Gephi, yEd): the links
// a node told the reader of, as records and selectors joined by edges. Records are coloured by
// nexus type and shaped by their origin's sector; a record told only as a hit notice is drawn as
// one (dashed), with its reference. Every text from a record is escaped for the format: nothing
// a record holds can become DOT syntax or XML markup.
#ifndef NEXUS_CLIENT_CLI_LINK_CHART_H_
#define NEXUS_CLIENT_CLI_LINK_CHART_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nexus/v1/agency_service.pb.h"

namespace nexus {

// Graphviz DOT (an undirected graph).
std::string LinkChartDot(const std::vector<v1::Alert>& links);
// GraphML, as Gephi and yEd open it.
std::string LinkChartGraphMl(const std::vector<v1::Alert>& links);
// SVG, laid out by Graphviz's `dot` (Debian's graphviz package); FailedPrecondition without it.
absl::StatusOr<std::string> LinkChartSvg(const std::vector<v1::Alert>& links);

}  // namespace nexus

#endif  // NEXUS_CLIENT_CLI_LINK_CHART_H_
