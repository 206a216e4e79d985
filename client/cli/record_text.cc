#include "client/cli/record_text.h"

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <cstring>
#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "common/crypto.h"
#include "common/indicator_normalizer.h"
#include "common/record_validation.h"
#include "common/untrusted_text.h"

namespace nexus {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

// Enum fields that may be written in short form, and the prefix their full names carry.
struct ShortEnum {
  const char* json_name;
  const char* proto_name;
  const char* prefix;
  const google::protobuf::EnumDescriptor* (*descriptor)();
};
constexpr ShortEnum kShortEnums[] = {
    {"tlp", "tlp", "TLP_", &v1::Tlp_descriptor},
    {"scope", "scope", "DISTRIBUTION_SCOPE_", &v1::DistributionScope_descriptor},
    {"nexusType", "nexus_type", "NEXUS_TYPE_", &v1::NexusType_descriptor},
    {"watchPoints", "watch_points", "WATCH_POINT_", &v1::WatchPoint_descriptor},
    {"sourceReliability", "source_reliability", "SOURCE_RELIABILITY_",
     &v1::SourceReliability_descriptor},
    {"informationCredibility", "information_credibility", "INFORMATION_CREDIBILITY_",
     &v1::InformationCredibility_descriptor},
    {"type", "type", "INDICATOR_TYPE_", &v1::IndicatorType_descriptor},
};

// The values a person may write for `e`, in short form: "clear, green, amber, amber+strict, red".
std::string ShortValues(const ShortEnum& e) {
  std::vector<std::string> names;
  const google::protobuf::EnumDescriptor* descriptor = e.descriptor();
  for (int i = 0; i < descriptor->value_count(); ++i) {
    const std::string& full = descriptor->value(i)->name();
    if (absl::EndsWith(full, "_UNSPECIFIED")) continue;
    std::string name = absl::AsciiStrToLower(absl::StripPrefix(full, e.prefix));
    // Indicator types go by their command-line names ("crypto-wallet").
    if (e.descriptor == &v1::IndicatorType_descriptor) {
      name = IndicatorTypeName(static_cast<v1::IndicatorType>(descriptor->value(i)->number()));
    } else {
      absl::StrReplaceAll({{"_", e.descriptor == &v1::Tlp_descriptor ? "+" : "-"}}, &name);
    }
    names.push_back(name);
  }
  return absl::StrJoin(names, ", ");
}

// "amber", "AMBER+STRICT", "TLP:AMBER", "tlp_amber", "black hole", "crypto-wallet": the full
// protobuf name, or an error that lists the values there are.
absl::Status ExpandEnum(Value& value, const ShortEnum& e, absl::string_view field) {
  if (value.kind_case() != Value::kStringValue) return absl::OkStatus();
  std::string name = absl::AsciiStrToUpper(value.string_value());
  absl::StrReplaceAll({{"+", "_"}, {"-", "_"}, {" ", "_"}, {":", "_"}}, &name);
  if (!absl::StartsWith(name, e.prefix)) name = absl::StrCat(e.prefix, name);
  if (e.descriptor == &v1::IndicatorType_descriptor) {
    // Indicator types also go by their own short names ("crypto-wallet", "file-hash").
    v1::IndicatorType type;
    if (ParseIndicatorType(value.string_value(), &type)) name = v1::IndicatorType_Name(type);
  }
  const google::protobuf::EnumValueDescriptor* known = e.descriptor()->FindValueByName(name);
  if (known == nullptr || known->number() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", QuoteInput(value.string_value()),
                                                   " is not one of ", ShortValues(e)));
  }
  value.set_string_value(name);
  return absl::OkStatus();
}

// Rewrites short enum names ("amber", "ipv4") to their full protobuf names, at any depth; an
// unknown name is an error that lists the known ones.
absl::Status ExpandShortEnums(Struct& object) {
  for (auto& [key, value] : *object.mutable_fields()) {
    for (const ShortEnum& e : kShortEnums) {
      if (key != e.json_name && key != e.proto_name) continue;
      if (value.kind_case() == Value::kListValue) {
        for (Value& item : *value.mutable_list_value()->mutable_values()) {
          if (absl::Status s = ExpandEnum(item, e, e.proto_name); !s.ok()) return s;
        }
      } else if (absl::Status s = ExpandEnum(value, e, e.proto_name); !s.ok()) {
        return s;
      }
    }
    if (value.kind_case() == Value::kStructValue) {
      if (absl::Status s = ExpandShortEnums(*value.mutable_struct_value()); !s.ok()) return s;
    }
    if (value.kind_case() == Value::kListValue) {
      for (Value& item : *value.mutable_list_value()->mutable_values()) {
        if (item.kind_case() != Value::kStructValue) continue;
        if (absl::Status s = ExpandShortEnums(*item.mutable_struct_value()); !s.ok()) return s;
      }
    }
  }
  return absl::OkStatus();
}

// protobuf's JSON errors hold the text around the fault on further lines: the first line is the
// message, and the caret's position gives the column. "column C: message" on one line.
std::string JsonError(absl::string_view message) {
  std::vector<absl::string_view> lines = absl::StrSplit(message, '\n');
  std::string first(absl::StripAsciiWhitespace(lines[0]));
  for (absl::string_view line : lines) {
    size_t caret = line.find('^');
    if (caret != absl::string_view::npos && absl::StripAsciiWhitespace(line) == "^") {
      return absl::StrCat("column ", caret + 1, ": ", first);
    }
  }
  return first;
}

std::string FormatMicros(int64_t micros) {
  if (micros == 0) return "-";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMicros(micros), absl::UTCTimeZone());
}

// "TLP_AMBER_STRICT" -> "AMBER+STRICT"; "NEXUS_TYPE_BLACK_HOLE" -> "black hole".
std::string ShortName(const std::string& full, absl::string_view prefix, bool lower = true) {
  std::string name(absl::StripPrefix(full, prefix));
  if (!lower) return absl::StrReplaceAll(name, {{"_", "+"}});
  return absl::StrReplaceAll(absl::AsciiStrToLower(name), {{"_", " "}});
}

}  // namespace

std::string TlpName(v1::Tlp tlp) { return ShortName(v1::Tlp_Name(tlp), "TLP_", false); }

namespace {

std::string PartKindName(v1::PartKind kind) {
  return ShortName(v1::PartKind_Name(kind), "PART_KIND_");
}

// The node's note on part `index`, if it gave one.
const v1::WithheldNote* NoteOf(const RecordView& view, uint32_t index) {
  for (const v1::WithheldNote& note : view.notes) {
    if (note.part() == index) return &note;
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<v1::Record> RecordFromJson(const std::string& json) {
  Struct object;
  auto status = google::protobuf::util::JsonStringToMessage(json, &object);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a JSON object: ", JsonError(status.message().ToString())));
  }
  // `nexusctl get --json` answers with the record inside: taken back as it is, to update it.
  bool from_get = false;
  if (auto inner = object.fields().find("record");
      inner != object.fields().end() && inner->second.kind_case() == Value::kStructValue &&
      object.fields().contains("verified")) {
    Struct record = inner->second.struct_value();
    object = std::move(record);
    from_get = true;
  }
  if (absl::Status s = ExpandShortEnums(object); !s.ok()) return s;
  std::string expanded;
  (void)google::protobuf::util::MessageToJsonString(object, &expanded);
  v1::Record record;
  status = google::protobuf::util::JsonStringToMessage(expanded, &record);
  if (!status.ok()) {
    return absl::InvalidArgumentError(JsonError(status.message().ToString()));
  }
  if (from_get) {
    // The next version is the node's to number and time; normalized forms are recomputed.
    record.clear_version();
    record.clear_modified_unix_micros();
    for (v1::Indicator& indicator : *record.mutable_indicators()) indicator.clear_normalized();
  }
  return record;
}

absl::StatusOr<std::vector<v1::Record>> ReadRecordsFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::vector<v1::Record> records;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    absl::StatusOr<v1::Record> record = RecordFromJson(line);
    if (!record.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ":", number, ": ", record.status().message()));
    }
    records.push_back(*std::move(record));
  }
  return records;
}

RecordView ViewRecord(const v1::SignedRecord& signed_record, const Keyring* keys) {
  RecordView view;
  view.signed_record = &signed_record;
  absl::StatusOr<v1::RecordHeader> header = PeekHeader(signed_record);
  if (keys != nullptr && header.ok() &&
      keys->Find(header->origin_agency(), signed_record.key_id()) != nullptr) {
    view.opened = OpenRecord(signed_record, *keys);
    view.verified = view.opened.ok();
  } else {
    view.opened = DecodeStoredRecord(signed_record);
  }
  return view;
}

std::vector<EquivocationView> ViewEquivocations(
    const v1::SignedRecord& shown,
    const google::protobuf::RepeatedPtrField<v1::SignedRecord>& others, const Keyring* keys) {
  absl::StatusOr<v1::RecordHeader> shown_header = PeekHeader(shown);
  std::vector<EquivocationView> views;
  for (const v1::SignedRecord& other : others) {
    EquivocationView view;
    view.manifest_sha256 = HexEncode(DigestBytes(Sha256(other.manifest())));
    absl::StatusOr<v1::RecordHeader> header = PeekHeader(other);
    // Only a manifest the origin signed, for this very version, is evidence against the origin;
    // anything else is a node's (or a relay's) mistake, shown as such.
    if (!header.ok()) {
      view.problem = absl::StrCat("malformed: ", header.status().message());
    } else if (!shown_header.ok() || header->origin_agency() != shown_header->origin_agency() ||
               header->id() != shown_header->id() || header->version() != shown_header->version()) {
      view.problem = "not of this record's origin, id and version";
    } else if (other.manifest() == shown.manifest()) {
      view.problem = "the very manifest shown";
    } else if (keys == nullptr || keys->Find(header->origin_agency(), other.key_id()) == nullptr) {
      view.problem = "no public key for its origin and key id in --keys";
    } else if (absl::StatusOr<OpenedRecord> opened = OpenRecord(other, *keys); !opened.ok()) {
      view.problem = std::string(opened.status().message());
    } else {
      view.verified = true;
    }
    views.push_back(std::move(view));
  }
  return views;
}

// Text from a record, safe for a terminal: every control character, line break included, and
// every byte that is not UTF-8 is shown as an escape (common/untrusted_text.h).
std::string Printable(absl::string_view text) { return EscapeForTerminal(text); }

// The same for a list, each entry escaped on its own so that a separator in an entry is visible.
std::string PrintableList(const google::protobuf::RepeatedPtrField<std::string>& values,
                          absl::string_view separator) {
  std::vector<std::string> shown;
  for (const std::string& value : values) shown.push_back(Printable(value));
  return absl::StrJoin(shown, separator);
}

// What an indicator carries besides its value, on the same line: "  port 443/tcp  file
// invoice.exe  seen 2024-01-02T00:00:00Z to ...  context only  comment: ...".
std::string IndicatorContextText(const v1::Indicator& indicator) {
  std::string out;
  if (indicator.port() != 0) {
    absl::StrAppend(&out, "  port ", indicator.port(), indicator.protocol().empty() ? "" : "/",
                    Printable(indicator.protocol()));
  } else if (!indicator.protocol().empty()) {
    absl::StrAppend(&out, "  protocol ", Printable(indicator.protocol()));
  }
  if (!indicator.file_name().empty()) {
    absl::StrAppend(&out, "  file ", Printable(indicator.file_name()));
  }
  if (indicator.first_seen_unix_micros() != 0 || indicator.last_seen_unix_micros() != 0) {
    absl::StrAppend(
        &out, "  seen ",
        indicator.first_seen_unix_micros() != 0 ? FormatMicros(indicator.first_seen_unix_micros())
                                                : "?",
        " to ",
        indicator.last_seen_unix_micros() != 0 ? FormatMicros(indicator.last_seen_unix_micros())
                                               : "?");
  }
  if (indicator.context_only()) absl::StrAppend(&out, "  context only (not for detection)");
  if (!indicator.comment().empty()) {
    absl::StrAppend(&out, "  comment: ", Printable(indicator.comment()));
  }
  return out;
}

std::string RecordToHumanText(const RecordView& view) {
  std::string out;
  if (!view.opened.ok()) {
    return absl::StrCat(
        "record: INVALID: ", EscapeMessageForTerminal(view.opened.status().message()), "\n");
  }
  const v1::Record& r = view.opened->record;
  absl::StrAppend(&out, "record ", Printable(r.id()), "  v", r.version(), "  origin ",
                  Printable(r.origin_agency()), "  TLP:", TlpName(r.tlp()),
                  r.revoked() ? "  REVOKED" : "", "\n");
  if (r.revoked()) {
    absl::StrAppend(&out, "  revoked:     ",
                    r.revocation_reason().empty()
                        ? "no reason given"
                        : absl::StrCat("reason: ", Printable(r.revocation_reason())),
                    "\n");
  }
  absl::StrAppend(&out, "  signature:   ",
                  view.verified
                      ? absl::StrCat("verified (", Printable(r.origin_agency()), " key ",
                                     Printable(view.signed_record->key_id()), ")")
                      : "NOT VERIFIED (no public key for its origin and key id in --keys)",
                  "\n");
  if (!view.found_at.empty()) {
    absl::StrAppend(&out, "  found at:    ", Printable(view.found_at),
                    "'s node (federation-wide search)\n");
  }
  if (!view.received_from.empty()) {
    absl::StrAppend(&out, "  received:    via ", Printable(view.received_from), "\n");
  }
  if (view.equivocations && !view.equivocations->empty()) {
    absl::StrAppend(&out,
                    "  WARNING: EQUIVOCATION: the node holds other manifests for this id and "
                    "version;\n  signed by the origin, they mean it published two different "
                    "records as one version:\n    shown: manifest sha256 ",
                    HexEncode(DigestBytes(Sha256(view.signed_record->manifest()))), "\n");
    for (const EquivocationView& other : *view.equivocations) {
      absl::StrAppend(&out, "    other: manifest sha256 ", other.manifest_sha256,
                      other.verified ? "  signed by the origin (verified)"
                                     : absl::StrCat("  NOT VERIFIED (not evidence): ",
                                                    EscapeMessageForTerminal(other.problem, 1024)),
                      "\n");
    }
  }
  if (view.cursor != 0) absl::StrAppend(&out, "  cursor:      ", CursorText(view.cursor), "\n");
  absl::StrAppend(&out, "  created:     ", FormatMicros(r.created_unix_micros()),
                  "  modified: ", FormatMicros(r.modified_unix_micros()), "\n");
  const v1::Distribution& d = r.distribution();
  absl::StrAppend(&out, "  distribution: ",
                  ShortName(v1::DistributionScope_Name(d.scope()), "DISTRIBUTION_SCOPE_"));
  if (!d.agencies().empty())
    absl::StrAppend(&out, "  agencies: ", PrintableList(d.agencies(), ", "));
  if (!d.groups().empty()) absl::StrAppend(&out, "  groups: ", PrintableList(d.groups(), ", "));
  absl::StrAppend(&out, "\n");
  if (d.has_hit_notices()) {
    const v1::HitNoticeAudience& hits = d.hit_notices();
    absl::StrAppend(&out, "  hit notices: ",
                    ShortName(v1::DistributionScope_Name(hits.scope()), "DISTRIBUTION_SCOPE_"));
    if (!hits.agencies().empty()) {
      absl::StrAppend(&out, "  agencies: ", PrintableList(hits.agencies(), ", "));
    }
    if (!hits.groups().empty()) {
      absl::StrAppend(&out, "  groups: ", PrintableList(hits.groups(), ", "));
    }
    absl::StrAppend(&out, "\n");
  }
  if (!r.handling_codes().empty()) {
    absl::StrAppend(&out, "  handling:    ", PrintableList(r.handling_codes(), "; "), "\n");
  }
  for (const std::string& terms : r.terms_of_use()) {
    absl::StrAppend(&out, "  terms of use: ", Printable(terms), "\n");
  }
  if (!r.case_reference().empty())
    absl::StrAppend(&out, "  case:        ", Printable(r.case_reference()), "\n");
  if (r.has_assessment()) {
    const v1::Assessment& a = r.assessment();
    NexusCategory category = CategoryOf(a.nexus_type());
    absl::StrAppend(&out,
                    "  nexus:       ", ShortName(v1::NexusType_Name(a.nexus_type()), "NEXUS_TYPE_"),
                    category == NexusCategory::kTransactional    ? " (transactional)"
                    : category == NexusCategory::kOrganizational ? " (organizational)"
                                                                 : "",
                    "\n");
    if (!a.watch_points().empty()) {
      std::vector<std::string> points;
      for (int p : a.watch_points()) {
        points.push_back(
            ShortName(v1::WatchPoint_Name(static_cast<v1::WatchPoint>(p)), "WATCH_POINT_"));
      }
      absl::StrAppend(&out, "  watch points: ", absl::StrJoin(points, ", "), "\n");
    }
    absl::StrAppend(
        &out, "  grading:     source ",
        ShortName(v1::SourceReliability_Name(a.source_reliability()), "SOURCE_RELIABILITY_", false),
        ", information ",
        ShortName(v1::InformationCredibility_Name(a.information_credibility()),
                  "INFORMATION_CREDIBILITY_", false),
        "\n");
  }
  if (!r.indicators().empty()) absl::StrAppend(&out, "  indicators:\n");
  for (const v1::Indicator& indicator : r.indicators()) {
    absl::StrAppend(&out, "    ", IndicatorTypeName(indicator.type()), ": ",
                    Printable(indicator.value()));
    if (indicator.normalized() != indicator.value()) {
      absl::StrAppend(&out, "  (matches as ", Printable(indicator.normalized()), ")");
    }
    absl::StrAppend(&out, IndicatorContextText(indicator), "\n");
  }
  if (!r.tags().values().empty()) {
    absl::StrAppend(&out, "  tags:        ", PrintableList(r.tags().values(), ", "), "\n");
  }
  if (!r.summary().empty()) absl::StrAppend(&out, "  summary:     ", Printable(r.summary()), "\n");
  if (!r.related().ids().empty()) {
    absl::StrAppend(&out, "  related:     ", PrintableList(r.related().ids(), ", "), "\n");
  }
  if (!view.opened->withheld.empty()) {
    std::vector<std::string> parts;
    for (const WithheldPart& part : view.opened->withheld) {
      std::string text = PartKindName(part.kind);
      const v1::WithheldNote* note = NoteOf(view, part.index);
      if (note != nullptr && note->indicator_type() != 0) {
        absl::StrAppend(&text, " (", IndicatorTypeName(note->indicator_type()), ")");
      }
      if (note != nullptr) absl::StrAppend(&text, " by ", Printable(note->by()), "'s policy");
      parts.push_back(std::move(text));
    }
    absl::StrAppend(&out, "  withheld:    ", view.opened->withheld.size(),
                    " part(s): ", absl::StrJoin(parts, "; "), "\n");
  }
  out += RecipientsToHumanText({view.recipients.begin(), view.recipients.end()});
  return out;
}

namespace {
// Positions a node's own agency sees stay below this; opaque cursors are spread over 64 bits.
constexpr uint64_t kPlainCursorLimit = uint64_t{1} << 40;
constexpr char kBase36[] = "0123456789abcdefghijklmnopqrstuvwxyz";
}  // namespace

std::string CursorText(uint64_t cursor) {
  if (cursor < kPlainCursorLimit) return absl::StrCat(cursor);
  std::string digits;
  for (uint64_t rest = cursor; rest != 0; rest /= 36)
    digits.insert(digits.begin(), kBase36[rest % 36]);
  return "~" + digits;
}

absl::StatusOr<uint64_t> ParseCursor(absl::string_view text) {
  uint64_t value = 0;
  if (absl::ConsumePrefix(&text, "~")) {
    if (text.empty() || text.size() > 13) {
      return absl::InvalidArgumentError("a short cursor is ~ and 1 to 13 base-36 digits");
    }
    for (char c : text) {
      const char* digit = std::strchr(kBase36, absl::ascii_tolower(static_cast<unsigned char>(c)));
      if (c == '\0' || digit == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat("'", text, "' is not a short cursor"));
      }
      const uint64_t next = value * 36 + static_cast<uint64_t>(digit - kBase36);
      if (value > (UINT64_MAX - 35) / 36 || next < value) {
        return absl::InvalidArgumentError("the short cursor is out of range");
      }
      value = next;
    }
    return value;
  }
  if (!absl::SimpleAtoi(text, &value)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", text, "' is not a cursor (a number, or ~ and base 36 as pull shows)"));
  }
  return value;
}

std::string SectorName(v1::Sector sector) {
  if (!v1::Sector_IsValid(sector)) return absl::StrCat("undefined(", static_cast<int>(sector), ")");
  return absl::StrReplaceAll(
      absl::AsciiStrToLower(absl::StripPrefix(v1::Sector_Name(sector), "SECTOR_")), {{"_", "-"}});
}

std::string HitNoticeToHumanText(const v1::HitNotice& notice) {
  return absl::StrCat("hit notice: the node of ", Printable(notice.holder()), " holds a record of ",
                      Printable(notice.origin_agency()), " (", SectorName(notice.origin_sector()),
                      ") that matches as ", IndicatorTypeName(notice.matched_type()),
                      "; not shared with you. Ask ",
                      notice.liaison().empty() ? "its origin" : Printable(notice.liaison()),
                      ", quoting ", Printable(notice.reference()), "\n");
}

std::string HitNoticeToJson(const v1::HitNotice& notice) {
  return EscapeJsonForTerminal(
      absl::StrCat("{\"hit_notice\":{\"holder\":", JsonQuote(notice.holder()),
                   ",\"origin_agency\":", JsonQuote(notice.origin_agency()),
                   ",\"origin_sector\":", JsonQuote(SectorName(notice.origin_sector())),
                   ",\"reference\":", JsonQuote(notice.reference()),
                   ",\"matched_type\":", JsonQuote(IndicatorTypeName(notice.matched_type())),
                   ",\"liaison\":", JsonQuote(notice.liaison()), "}}"));
}

std::string JsonQuote(absl::string_view text) {
  // Valid JSON whatever the input: bytes that are not UTF-8 become U+FFFD. Controls, DEL and C1
  // controls are escaped too, so that the output is also safe on a terminal.
  std::string out = "\"";
  size_t pos = 0;
  while (pos < text.size()) {
    size_t length = Utf8SequenceLength(text.substr(pos));
    const unsigned char c = static_cast<unsigned char>(text[pos]);
    if (length == 0) {
      out += "\\ufffd";
      ++pos;
      continue;
    }
    if (length == 2 && c == 0xc2 && static_cast<unsigned char>(text[pos + 1]) <= 0x9f) {
      absl::StrAppend(&out, "\\u00",
                      absl::Hex(static_cast<unsigned char>(text[pos + 1]), absl::kZeroPad2));
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c < 0x20 || c == 0x7f) {
      absl::StrAppend(&out, "\\u00", absl::Hex(c, absl::kZeroPad2));
    } else {
      out.append(text.data() + pos, length);
    }
    pos += length;
  }
  return out + "\"";
}

std::string RecipientsToHumanText(const google::protobuf::RepeatedPtrField<v1::Recipient>& list) {
  if (list.empty()) return "";
  std::vector<std::string> to, not_to, named_denied;
  for (const v1::Recipient& recipient : list) {
    std::string reasons = absl::StrJoin(
        recipient.reasons(), ", ",
        [](std::string* out, const std::string& reason) { out->append(Printable(reason)); });
    const std::string who = Printable(recipient.agency_id());
    if (recipient.effect() != "deny") {
      to.push_back(absl::StrCat(who, " (", recipient.peer() ? "replicated; " : "on request; ",
                                Printable(recipient.effect()), reasons.empty() ? "" : ": ", reasons,
                                ")"));
    } else {
      not_to.push_back(absl::StrCat(who, " (", reasons, ")"));
      if (recipient.named_but_denied())
        named_denied.push_back(absl::StrCat(who, " (", reasons, ")"));
    }
  }
  std::string out;
  absl::StrAppend(&out, "  goes to:     ", to.empty() ? "no other agency" : absl::StrJoin(to, ", "),
                  "\n");
  if (!not_to.empty()) absl::StrAppend(&out, "  not to:      ", absl::StrJoin(not_to, ", "), "\n");
  if (!named_denied.empty()) {
    absl::StrAppend(&out, "  WARNING: its distribution names ", absl::StrJoin(named_denied, ", "),
                    ", but this node's policy does not send it there\n");
  }
  if (to.empty()) {
    absl::StrAppend(&out,
                    "  WARNING: no other agency receives it from this node under its policy now\n");
  }
  return out;
}

std::string RecipientsToJson(const google::protobuf::RepeatedPtrField<v1::Recipient>& list) {
  std::string out = "[";
  for (const v1::Recipient& recipient : list) {
    std::string reasons;
    for (const std::string& reason : recipient.reasons()) {
      absl::StrAppend(&reasons, reasons.empty() ? "" : ",", JsonQuote(reason));
    }
    absl::StrAppend(&out, out.size() > 1 ? "," : "",
                    "{\"agency_id\":", JsonQuote(recipient.agency_id()),
                    ",\"effect\":", JsonQuote(recipient.effect()), ",\"reasons\":[", reasons,
                    "],\"peer\":", recipient.peer() ? "true" : "false",
                    ",\"named_but_denied\":", recipient.named_but_denied() ? "true" : "false", "}");
  }
  return EscapeJsonForTerminal(out + "]");
}

std::string RecordToJson(const RecordView& view) {
  std::string record_json = "null";
  std::string withheld;
  if (view.opened.ok()) {
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    record_json.clear();
    (void)google::protobuf::util::MessageToJsonString(view.opened->record, &record_json, options);
    for (const WithheldPart& part : view.opened->withheld) {
      const v1::WithheldNote* note = NoteOf(view, part.index);
      absl::StrAppend(
          &withheld, withheld.empty() ? "" : ",", "{\"part\":", part.index, ",\"kind\":\"",
          v1::PartKind_Name(part.kind), "\"",
          note == nullptr
              ? ""
              : absl::StrCat(",\"by\":", JsonQuote(note->by()),
                             note->indicator_type() == 0
                                 ? ""
                                 : absl::StrCat(",\"indicator_type\":\"",
                                                IndicatorTypeName(note->indicator_type()), "\"")),
          "}");
    }
  }
  std::string error = view.opened.ok() ? "" : std::string(view.opened.status().message());
  std::string equivocations;
  if (view.equivocations) {
    std::string listed;
    for (const EquivocationView& other : *view.equivocations) {
      absl::StrAppend(&listed, listed.empty() ? "" : ",",
                      "{\"manifest_sha256\":", JsonQuote(other.manifest_sha256),
                      ",\"verified\":", other.verified ? "true" : "false",
                      ",\"error\":", JsonQuote(other.problem), "}");
    }
    equivocations = EscapeJsonForTerminal(
        absl::StrCat(",\"manifest_sha256\":",
                     JsonQuote(HexEncode(DigestBytes(Sha256(view.signed_record->manifest())))),
                     ",\"equivocations\":[", listed, "]"));
  }
  // The record's text may hold C1 or bidirectional controls, which JSON allows raw; so may the
  // peer's name and the messages.
  return absl::StrCat(
      "{\"verified\":", view.verified ? "true" : "false", ",\"error\":", JsonQuote(error),
      ",\"cursor\":", view.cursor,
      ",\"received_from\":", EscapeJsonForTerminal(JsonQuote(view.received_from)),
      view.found_at.empty()
          ? ""
          : absl::StrCat(",\"found_at\":", EscapeJsonForTerminal(JsonQuote(view.found_at))),
      equivocations, ",\"withheld\":[", withheld, "]",
      view.recipients.empty()
          ? ""
          : absl::StrCat(",\"recipients\":",
                         RecipientsToJson({view.recipients.begin(), view.recipients.end()})),
      ",\"record\":", EscapeJsonForTerminal(record_json), "}");
}

}  // namespace nexus
