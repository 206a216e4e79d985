#include "common/untrusted_text.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace nexus {
namespace {

bool IsContinuation(unsigned char c) { return (c & 0xc0) == 0x80; }

// Code points a terminal acts on or that reorder what is shown: C1 controls, and the
// bidirectional marks, embeddings, overrides and isolates ("Trojan Source").
bool IsHiddenControl(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9f) || cp == 0x061c || cp == 0x200e || cp == 0x200f ||
         (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

uint32_t Decode(absl::string_view seq) {
  const auto b = [&](size_t i) {
    return static_cast<uint32_t>(static_cast<unsigned char>(seq[i]));
  };
  switch (seq.size()) {
    case 1:
      return b(0);
    case 2:
      return ((b(0) & 0x1f) << 6) | (b(1) & 0x3f);
    case 3:
      return ((b(0) & 0x0f) << 12) | ((b(1) & 0x3f) << 6) | (b(2) & 0x3f);
    default:
      return ((b(0) & 0x07) << 18) | ((b(1) & 0x3f) << 12) | ((b(2) & 0x3f) << 6) | (b(3) & 0x3f);
  }
}

std::string Escape(absl::string_view text, size_t max_bytes, bool escape_quote,
                   bool escape_backslash = true) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 2);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t length = Utf8SequenceLength(text.substr(pos));
    const size_t consumed = length == 0 ? 1 : length;
    if (pos + consumed > max_bytes) break;
    const unsigned char c = static_cast<unsigned char>(text[pos]);
    if (length == 0) {
      absl::StrAppend(&out, "\\x", absl::Hex(c, absl::kZeroPad2));
    } else if (length == 1) {
      switch (c) {
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\\':
          out += escape_backslash ? "\\\\" : "\\";
          break;
        case '\'':
          out += escape_quote ? "\\'" : "'";
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            absl::StrAppend(&out, "\\x", absl::Hex(c, absl::kZeroPad2));
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
    } else if (uint32_t cp = Decode(text.substr(pos, length)); IsHiddenControl(cp)) {
      absl::StrAppend(&out, absl::StrFormat("\\u%04x", cp));
    } else {
      out.append(text.data() + pos, length);
    }
    pos += consumed;
  }
  if (pos < text.size()) absl::StrAppend(&out, "…(", text.size() - pos, " more bytes)");
  return out;
}

}  // namespace

size_t Utf8SequenceLength(absl::string_view text) {
  if (text.empty()) return 0;
  const auto b = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = b(0);
  if (lead < 0x80) return 1;
  size_t length;
  unsigned char low = 0x80, high = 0xbf;  // bounds of the second byte (RFC 3629, section 4)
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) low = 0xa0;
    if (lead == 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) low = 0x90;
    if (lead == 0xf4) high = 0x8f;
  } else {
    return 0;
  }
  if (text.size() < length || b(1) < low || b(1) > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (!IsContinuation(b(i))) return 0;
  }
  return length;
}

bool IsValidUtf8(absl::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos;  // ASCII, the common case, without the full decode
      continue;
    }
    const size_t length = Utf8SequenceLength(text.substr(pos));
    if (length == 0) return false;
    pos += length;
  }
  return true;
}

std::string EscapeForTerminal(absl::string_view text, size_t max_bytes) {
  return Escape(text, max_bytes, /*escape_quote=*/false);
}

std::string EscapeMessageForTerminal(absl::string_view message, size_t max_bytes) {
  return Escape(message, max_bytes, /*escape_quote=*/false, /*escape_backslash=*/false);
}

std::string QuoteInput(absl::string_view text, size_t max_bytes) {
  return absl::StrCat("'", Escape(text, max_bytes, /*escape_quote=*/true), "'");
}

std::string EscapeJsonForTerminal(absl::string_view json) {
  std::string out;
  out.reserve(json.size());
  size_t pos = 0;
  while (pos < json.size()) {
    const unsigned char c = static_cast<unsigned char>(json[pos]);
    if (c < 0x80) {
      if (c == 0x7f) {
        out += "\\u007f";
      } else {
        out.push_back(static_cast<char>(c));
      }
      ++pos;
      continue;
    }
    const size_t length = Utf8SequenceLength(json.substr(pos));
    if (length == 0) {
      out += "\\ufffd";
      ++pos;
      continue;
    }
    if (uint32_t cp = Decode(json.substr(pos, length)); IsHiddenControl(cp)) {
      absl::StrAppend(&out, absl::StrFormat("\\u%04x", cp));
    } else {
      out.append(json.data() + pos, length);
    }
    pos += length;
  }
  return out;
}

std::string TruncateText(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  size_t cut = max_bytes;
  // Back off to the start of the character that would be cut in two.
  for (int i = 0; i < 3 && cut > 0 && IsContinuation(static_cast<unsigned char>(text[cut])); ++i) {
    --cut;
  }
  return absl::StrCat(text.substr(0, cut), "…(", text.size() - cut, " more bytes)");
}

}  // namespace nexus
