#include "client/cli/federation_text.h"

#include <cmath>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "client/cli/record_text.h"
#include "common/crypto.h"
#include "common/untrusted_text.h"
#include "nexus/v1/federation.pb.h"

namespace nexus {
namespace {

// What the node or a peer wrote is shown escaped and bounded (the JSON forms keep it whole).
constexpr size_t kMaxIdBytes = 128;        // agency ids, addresses, directions, key ids
constexpr size_t kMaxMessageBytes = 1024;  // errors and alarms

std::string Id(absl::string_view text) { return EscapeForTerminal(text, kMaxIdBytes); }

// Errors and alarms are the node's messages, which quote their input escaped already.
std::string Message(absl::string_view text) {
  return EscapeMessageForTerminal(text, kMaxMessageBytes);
}

// A hash as hex, bounded: a hostile node could send megabytes where 32 bytes belong.
std::string Hex(absl::string_view hash) {
  return hash.size() <= 32 ? HexEncode(hash) : absl::StrCat(HexEncode(hash.substr(0, 32)), "...");
}

std::string Time(int64_t micros) {
  if (micros == 0) return "-";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMicros(micros), absl::UTCTimeZone());
}

// How long ago `micros` was, in whole seconds ("4m12s"); a time ahead of `now` is "<1s".
std::string Age(int64_t micros, absl::Time now) {
  absl::Duration age = now - absl::FromUnixMicros(micros);
  if (age < absl::Seconds(1)) return "<1s";
  return absl::FormatDuration(absl::Trunc(age, absl::Seconds(1)));
}

std::string SecondsText(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  if (seconds < 10) return absl::StrFormat("%.1fs", seconds);
  return absl::FormatDuration(absl::Trunc(absl::Seconds(seconds), absl::Seconds(1)));
}

// A JSON number, or null for what JSON cannot carry (a node could send NaN).
std::string JsonNumber(double value) { return std::isfinite(value) ? absl::StrCat(value) : "null"; }

const char* JsonBool(bool value) { return value ? "true" : "false"; }

// "1 version", "3 versions".
std::string Count(uint64_t n, absl::string_view noun) {
  return absl::StrCat(n, " ", noun, n == 1 ? "" : "s");
}

// Columns as wide as their widest cell (in characters: escaped text is UTF-8), two spaces
// apart; the last column is not padded.
std::string Table(const std::vector<std::vector<std::string>>& rows) {
  auto width = [](absl::string_view text) {
    size_t characters = 0;
    for (unsigned char c : text) characters += (c & 0xc0) != 0x80;
    return characters;
  };
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    if (widths.size() < row.size()) widths.resize(row.size());
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], width(row[i]));
  }
  std::string out;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out.append(widths[i] - width(row[i]) + 2, ' ');
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();  // an empty last cell
    out += "\n";
  }
  return out;
}

// "yes (for 2m)", or "no (since 09:33:05, 25s)": how long a peer has been unreachable counts
// from when it was last connected (or this node started), not from the latest retry.
std::string ConnectedCell(const v1::PeerStatus& peer, absl::Time now) {
  if (peer.since_unix_micros() == 0) return peer.connected() ? "yes" : "no";
  if (peer.connected()) return absl::StrCat("yes (for ", Age(peer.since_unix_micros(), now), ")");
  return absl::StrCat("no (since ",
                      absl::FormatTime("%H:%M:%S", absl::FromUnixMicros(peer.since_unix_micros()),
                                       absl::UTCTimeZone()),
                      ", ", Age(peer.since_unix_micros(), now), ")");
}

// The versions waiting for the peer under the policy in force; "?" before any stream served it
// since this node started.
std::string WaitingCell(const v1::PeerStatus& peer) {
  if (!peer.backlog_known()) return "?";
  return absl::StrCat(peer.versions_waiting(), peer.versions_waiting_more() ? "+" : "");
}

std::string ReceivingCell(const v1::PeerStatus& peer) {
  if (peer.caught_up()) return "caught up";
  // Anything but a plain 0 is shown, a value that is no duration ("?") included.
  if (peer.seconds_behind() != 0) {
    return absl::StrCat(SecondsText(peer.seconds_behind()), " behind");
  }
  return "not caught up";
}

std::string WitnessCell(const v1::PeerWitness& witness) {
  std::string alarm = witness.alarm().empty() ? "" : "ALARM";
  if (witness.tree_size() == 0 && witness.checked_unix_micros() == 0) {
    return alarm.empty() ? "-" : alarm;
  }
  return absl::StrCat(witness.tree_size(), alarm.empty() ? "" : " ", alarm);
}

// What needs a person's attention about one peer, a line each, after the table.
std::string PeerNotes(const v1::PeerStatus& peer, absl::Time now) {
  const std::string name = Id(peer.agency_id());
  std::string out;
  const v1::PeerWitness& witness = peer.witness();
  if (!witness.alarm().empty()) {
    absl::StrAppend(&out, name, ": ALARM on its audit log (checked ",
                    Time(witness.checked_unix_micros()), "): ", Message(witness.alarm()), "\n");
  }
  if (!peer.last_error().empty()) {
    absl::StrAppend(&out, name, ": last error");
    if (peer.last_error_unix_micros() != 0) {
      absl::StrAppend(&out, " (", Time(peer.last_error_unix_micros()), ", ",
                      Age(peer.last_error_unix_micros(), now), " ago)");
    }
    absl::StrAppend(&out, ": ", Message(peer.last_error()), "\n");
  }
  if (peer.backlog_known() && peer.versions_behind() != 0) {
    absl::StrAppend(&out, name, ": ", Count(peer.versions_behind(), "feed position"),
                    " not yet considered for it, ", peer.versions_waiting(),
                    peer.versions_waiting_more() ? " or more" : "",
                    " of them versions it will receive", peer.connected() ? "" : " when it returns",
                    "\n");
  }
  if (peer.reoffer_positions() != 0) {
    absl::StrAppend(&out, name, ": re-offering what the policy change of ",
                    Time(peer.reoffer_changed_unix_micros()),
                    " permits and the old rules held "
                    "back: ",
                    Count(peer.reoffer_positions(), "feed position"), " to consider\n");
  }
  if (peer.received().equivocations() != 0) {
    absl::StrAppend(&out, name, ": ", Count(peer.received().equivocations(), "equivocation"),
                    " received: an origin signed two manifests for one record "
                    "version (nexusctl get ID shows both)\n");
  }
  if (peer.received().refused() != 0) {
    absl::StrAppend(&out, name, ": ", Count(peer.received().refused(), "version"),
                    " refused (signature, digest or originator limits; nexusctl audit "
                    "list --action receive --outcome refused)\n");
  }
  return out;
}

std::string WitnessJson(const v1::PeerWitness& witness) {
  return absl::StrCat("{\"tree_size\":", witness.tree_size(),
                      ",\"root_hash\":", JsonQuote(HexEncode(witness.root_hash())),
                      ",\"head_time_unix_micros\":", witness.head_time_unix_micros(),
                      ",\"checked_unix_micros\":", witness.checked_unix_micros(),
                      ",\"alarm\":", JsonQuote(witness.alarm()), "}");
}

std::string PeerJson(const v1::PeerStatus& peer) {
  const v1::PeerCursor& received = peer.received();
  return absl::StrCat(
      "{\"agency_id\":", JsonQuote(peer.agency_id()), ",\"address\":", JsonQuote(peer.address()),
      ",\"direction\":", JsonQuote(peer.direction()), ",\"connected\":", JsonBool(peer.connected()),
      ",\"since_unix_micros\":", peer.since_unix_micros(),
      ",\"last_error\":", JsonQuote(peer.last_error()),
      ",\"last_error_unix_micros\":", peer.last_error_unix_micros(),
      ",\"received\":{\"cursor\":", received.cursor(), ",\"received\":", received.received(),
      ",\"unchanged\":", received.unchanged(), ",\"refused\":", received.refused(),
      ",\"equivocations\":", received.equivocations(),
      ",\"disclosures_added\":", received.disclosures_added(),
      "},\"caught_up\":", JsonBool(peer.caught_up()),
      ",\"seconds_behind\":", JsonNumber(peer.seconds_behind()),
      ",\"last_received_unix_micros\":", peer.last_received_unix_micros(),
      ",\"relayed\":", peer.relayed(), ",\"versions_behind\":", peer.versions_behind(),
      ",\"backlog_known\":", JsonBool(peer.backlog_known()),
      ",\"versions_waiting\":", peer.versions_waiting(),
      ",\"versions_waiting_more\":", JsonBool(peer.versions_waiting_more()),
      ",\"reoffer_positions\":", peer.reoffer_positions(),
      ",\"reoffer_changed_unix_micros\":", peer.reoffer_changed_unix_micros(),
      ",\"refused_by_policy\":", peer.refused_by_policy(),
      ",\"witness\":", WitnessJson(peer.witness()), "}");
}

std::string HeadJson(const v1::SignedCheckpoint& signed_head) {
  v1::Checkpoint head;
  bool parsed = head.ParseFromString(signed_head.checkpoint());
  if (!parsed) head.Clear();  // no half-parsed fields
  return absl::StrCat("{\"malformed\":", JsonBool(!parsed),
                      ",\"origin\":", JsonQuote(head.origin()), ",\"tree_size\":", head.tree_size(),
                      ",\"root_hash\":", JsonQuote(HexEncode(head.root_hash())),
                      ",\"time_unix_micros\":", head.time_unix_micros(),
                      ",\"key_id\":", JsonQuote(signed_head.key_id()), "}");
}

}  // namespace

std::string FederationStatusToHumanText(const v1::FederationStatusResponse& status,
                                        absl::Time now) {
  std::string out = absl::StrCat("node ", Id(status.agency_id()), ": ", status.peers_size(),
                                 status.peers_size() == 1 ? " peer" : " peers", "\n");
  // Last, after the peers' notes: link detection is this node's own work, not a peer's.
  const std::string links = absl::StrCat(
      "link detection: ",
      status.link_detection_off() ? "off"
                                  : (status.link_detection_behind() == 0
                                         ? "caught up"
                                         : absl::StrCat(status.link_detection_behind(),
                                                        " stored versions not examined yet")),
      "\n");
  if (status.peers().empty()) return out + links;
  std::vector<std::vector<std::string>> rows = {
      {"PEER", "DIRECTION", "ADDRESS", "CONNECTED", "CURSOR", "RECEIVING", "RECEIVED", "UNCHANGED",
       "REFUSED", "EQUIVOCATIONS", "RELAYED", "WAITING", "WITNESSED TREE"}};
  std::string notes;
  for (const v1::PeerStatus& peer : status.peers()) {
    const v1::PeerCursor& received = peer.received();
    rows.push_back({Id(peer.agency_id()), Id(peer.direction()),
                    peer.address().empty() ? "-" : Id(peer.address()), ConnectedCell(peer, now),
                    CursorText(received.cursor()), ReceivingCell(peer),
                    absl::StrCat(received.received()), absl::StrCat(received.unchanged()),
                    absl::StrCat(received.refused()), absl::StrCat(received.equivocations()),
                    absl::StrCat(peer.relayed()), WaitingCell(peer), WitnessCell(peer.witness())});
    notes += PeerNotes(peer, now);
  }
  return out + Table(rows) + notes + links;
}

std::string FederationStatusToJson(const v1::FederationStatusResponse& status) {
  std::string peers;
  for (const v1::PeerStatus& peer : status.peers()) {
    absl::StrAppend(&peers, peers.empty() ? "" : ",", PeerJson(peer));
  }
  // JsonQuote leaves bidirectional controls raw, as JSON allows: escaped here for the terminal.
  return EscapeJsonForTerminal(
      absl::StrCat("{\"agency_id\":", JsonQuote(status.agency_id()),
                   ",\"link_detection\":{\"off\":", status.link_detection_off() ? "true" : "false",
                   ",\"behind\":", status.link_detection_behind(), "},\"peers\":[", peers, "]}"));
}

std::string PeerHeadsToHumanText(absl::string_view agency, const v1::PeerHeadsResponse& heads,
                                 absl::Time now) {
  std::string out;
  if (heads.heads().empty()) {
    absl::StrAppend(&out, "no signed head of ", Id(agency),
                    "'s audit log verified by this node yet\n");
  } else {
    absl::StrAppend(&out, "signed heads of ", Id(agency),
                    "'s audit log verified by this node: ", heads.heads_size(), ", oldest first\n");
    std::vector<std::vector<std::string>> rows = {{"TREE SIZE", "ROOT", "HEAD TIME", "KEY"}};
    for (const v1::SignedCheckpoint& signed_head : heads.heads()) {
      v1::Checkpoint head;
      if (!head.ParseFromString(signed_head.checkpoint())) {
        rows.push_back({"malformed", "-", "-", Id(signed_head.key_id())});
        continue;
      }
      std::string key = Id(signed_head.key_id());
      if (head.origin() != agency) {
        absl::StrAppend(&key, key.empty() ? "" : "  ", "(log of ", Id(head.origin()), ")");
      }
      rows.push_back({absl::StrCat(head.tree_size()), Hex(head.root_hash()),
                      Time(head.time_unix_micros()), key});
    }
    out += Table(rows);
  }
  const v1::PeerWitness& witness = heads.witness();
  if (witness.checked_unix_micros() != 0 || witness.tree_size() != 0) {
    absl::StrAppend(&out, "witness: tree size ", witness.tree_size(), ", root ",
                    Hex(witness.root_hash()), ", head of ", Time(witness.head_time_unix_micros()),
                    ", last checked ", Time(witness.checked_unix_micros()));
    if (witness.checked_unix_micros() != 0) {
      absl::StrAppend(&out, " (", Age(witness.checked_unix_micros(), now), " ago)");
    }
    out += "\n";
  }
  absl::StrAppend(&out, witness.alarm().empty()
                            ? "no alarm\n"
                            : absl::StrCat("ALARM: ", Message(witness.alarm()), "\n"));
  return out;
}

std::string PeerHeadsToJson(absl::string_view agency, const v1::PeerHeadsResponse& heads) {
  std::string listed;
  for (const v1::SignedCheckpoint& head : heads.heads()) {
    absl::StrAppend(&listed, listed.empty() ? "" : ",", HeadJson(head));
  }
  return EscapeJsonForTerminal(absl::StrCat("{\"agency_id\":", JsonQuote(agency), ",\"heads\":[",
                                            listed, "],\"witness\":", WitnessJson(heads.witness()),
                                            "}"));
}

std::string PeerVerdictToHumanText(absl::string_view agency, const PeerHeadsReport& report,
                                   const v1::PeerWitness& witness, absl::Time now) {
  std::string out;
  if (!report.ok) {
    absl::StrAppend(&out, "NOT VERIFIED: ", Id(agency),
                    "'s audit log: ", report.alarm ? "the node raised an alarm: " : "",
                    Message(report.problem), "\n");
  } else if (report.heads == 0) {
    absl::StrAppend(&out, "OK: no alarm, but the node has verified no signed head of ", Id(agency),
                    "'s audit log yet: nothing is witnessed\n");
  } else {
    absl::StrAppend(&out, "OK: the node verified ", Count(report.heads, "signed head"), " of ",
                    Id(agency),
                    "'s audit log, each extending the one before, and raised no alarm\n");
  }
  if (report.latest) {
    absl::StrAppend(&out, "latest head: tree size ", report.latest->tree_size(), ", root ",
                    Hex(report.latest->root_hash()), ", signed ",
                    Time(report.latest->time_unix_micros()), " (key ", Id(report.latest_key_id),
                    ")\n");
  }
  if (witness.checked_unix_micros() != 0) {
    absl::StrAppend(&out, "last checked by the node: ", Time(witness.checked_unix_micros()), " (",
                    Age(witness.checked_unix_micros(), now), " ago)\n");
  }
  if (report.ok && report.heads != 0) {
    absl::StrAppend(&out, report.signatures_checked
                              ? absl::StrCat("signatures: every head verified with ", Id(agency),
                                             "'s key from --keys\n")
                              : "signatures: not checked (no --keys): the node's word\n");
  }
  return out;
}

std::string PeerVerdictToJson(absl::string_view agency, const PeerHeadsReport& report,
                              const v1::PeerWitness& witness) {
  std::string latest = "null";
  if (report.latest) {
    latest = absl::StrCat("{\"tree_size\":", report.latest->tree_size(),
                          ",\"root_hash\":", JsonQuote(HexEncode(report.latest->root_hash())),
                          ",\"time_unix_micros\":", report.latest->time_unix_micros(),
                          ",\"key_id\":", JsonQuote(report.latest_key_id), "}");
  }
  return EscapeJsonForTerminal(absl::StrCat(
      "{\"ok\":", JsonBool(report.ok), ",\"agency_id\":", JsonQuote(agency),
      ",\"alarm\":", JsonBool(report.alarm), ",\"problem\":", JsonQuote(report.problem),
      ",\"heads\":", report.heads, ",\"signatures_checked\":", JsonBool(report.signatures_checked),
      ",\"latest\":", latest, ",\"witness\":", WitnessJson(witness), "}"));
}

}  // namespace nexus
