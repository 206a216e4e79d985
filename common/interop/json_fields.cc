#include "common/interop/json_fields.h"

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace nexus {
namespace {

absl::Status WrongType(const char* key, const char* expected) {
  return absl::InvalidArgumentError(absl::StrCat("property '", key, "' must be ", expected));
}

const nlohmann::json* Member(const nlohmann::json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

}  // namespace

absl::StatusOr<std::optional<std::string>> OptionalString(const nlohmann::json& object,
                                                          const char* key) {
  const nlohmann::json* value = Member(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) return WrongType(key, "a string");
  return value->get_ref<const std::string&>();
}

absl::StatusOr<std::vector<std::string>> StringList(const nlohmann::json& object, const char* key) {
  std::vector<std::string> out;
  const nlohmann::json* value = Member(object, key);
  if (value == nullptr) return out;
  if (!value->is_array()) return WrongType(key, "a list of strings");
  for (const nlohmann::json& item : *value) {
    if (!item.is_string()) return WrongType(key, "a list of strings");
    out.push_back(item.get_ref<const std::string&>());
  }
  return out;
}

absl::StatusOr<std::optional<int64_t>> OptionalInteger(const nlohmann::json& object,
                                                       const char* key) {
  const nlohmann::json* value = Member(object, key);
  if (value == nullptr) return std::nullopt;
  int64_t n = 0;
  if (value->is_number_integer()) return value->get<int64_t>();
  if (value->is_string() && absl::SimpleAtoi(value->get_ref<const std::string&>(), &n)) return n;
  return WrongType(key, "a whole number");
}

absl::StatusOr<std::optional<bool>> OptionalBool(const nlohmann::json& object, const char* key) {
  const nlohmann::json* value = Member(object, key);
  if (value == nullptr) return std::nullopt;
  if (value->is_boolean()) return value->get<bool>();
  if (value->is_number_integer() && (*value == 0 || *value == 1)) return *value == 1;
  if (value->is_string()) {
    const std::string& text = value->get_ref<const std::string&>();
    if (text == "0" || text == "false") return false;
    if (text == "1" || text == "true") return true;
  }
  return WrongType(key, "true or false");
}

}  // namespace nexus
