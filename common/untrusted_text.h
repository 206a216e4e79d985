// Showing text that came from someone else: escaped so it cannot drive a terminal or forge a
// line, and bounded so it cannot flood a message, a log or a gRPC trailer.
//
// Every message that quotes a request (ids, search values, agency names, file names) goes
// through QuoteInput; every field a person reads in nexusctl's human output goes through
// EscapeForTerminal.
#ifndef NEXUS_COMMON_UNTRUSTED_TEXT_H_
#define NEXUS_COMMON_UNTRUSTED_TEXT_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace nexus {

inline constexpr size_t kNoTextLimit = static_cast<size_t>(-1);

// `text` with everything a terminal would act on shown as a visible escape: C0 controls (\n,
// \r, \t, \x1b, ...), DEL, C1 controls (U+0080-U+009F, as \u0085), bidirectional overrides
// (U+202A-U+202E, U+2066-U+2069, as \u202e) and bytes that are not UTF-8 (as \xff). A backslash
// is doubled, so an escape in the output is never the input's own text. At most `max_bytes` of
// the input are shown (cut at a character boundary), then "…(N more bytes)".
std::string EscapeForTerminal(absl::string_view text, size_t max_bytes = kNoTextLimit);

// The same for a message that already quotes its input escaped (a node's error message, an
// audit entry's error): backslashes are left as they are, so that its escapes read once, and
// whatever else would act on a terminal is escaped.
std::string EscapeMessageForTerminal(absl::string_view message, size_t max_bytes = kNoTextLimit);

// `text` quoted for an error message: 'escaped' with a single quote shown as \', at most
// `max_bytes` of the input, e.g. 'abc…(8096 more bytes)'.
std::string QuoteInput(absl::string_view text, size_t max_bytes = 96);

// JSON text as a JSON printer wrote it, with what a terminal acts on but JSON allows raw (DEL,
// C1 controls, bidirectional controls) written as \uXXXX escapes, and bytes that are not UTF-8
// as \ufffd. Outside strings JSON is ASCII, so these occur only inside strings: the value is the
// same (or, for bytes that were not UTF-8, now valid), and safe to print.
std::string EscapeJsonForTerminal(absl::string_view json);

// At most `max_bytes` of `text`, cut at a UTF-8 character boundary, with "…(N more bytes)"
// appended when something was cut (the marker is not counted in `max_bytes`). For messages that
// are already escaped but must fit a bound, such as a gRPC status message.
std::string TruncateText(absl::string_view text, size_t max_bytes);

// The length (1-4) of the well-formed UTF-8 sequence that starts `text`, or 0 if it is not one
// (overlong forms, surrogates and code points above U+10FFFF are not well-formed).
size_t Utf8SequenceLength(absl::string_view text);

// Whether all of `text` is well-formed UTF-8.
bool IsValidUtf8(absl::string_view text);

}  // namespace nexus

#endif  // NEXUS_COMMON_UNTRUSTED_TEXT_H_
