#include "server/store_backup.h"

#include <sys/stat.h>

#include <filesystem>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/storage/store.h"
#include "common/untrusted_text.h"
#include "server/audit_log.h"
#include "server/record_store.h"

namespace nexus {
namespace {

absl::Status CheckName(const std::string& name) {
  bool valid = !name.empty() && name.size() <= 64 && name.front() != '.';
  for (char c : name) {
    valid = valid && (absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' ||
                      c == '-');
  }
  if (valid) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrCat(
      "backup name ", QuoteInput(name),
      " is not 1 to 64 letters, digits, '.', '_' or '-' (not starting with '.'): the node writes "
      "its copies under its configured backup.directory only"));
}

// Whether `inner` is `outer` or lies below it, comparing the paths as written (both absolute).
bool Within(const std::filesystem::path& inner, const std::filesystem::path& outer) {
  const std::string a = inner.lexically_normal().string();
  const std::string b = outer.lexically_normal().string();
  return a == b || absl::StartsWith(a, absl::StrCat(absl::StripSuffix(b, "/"), "/"));
}

}  // namespace

StoreBackup::StoreBackup(std::string directory, std::string data_dir, storage::Store* storage,
                         const RecordStore* store, const AuditLog* audit)
    : directory_(std::move(directory)),
      data_dir_(std::move(data_dir)),
      storage_(storage),
      store_(store),
      audit_(audit) {}

absl::StatusOr<v1::BackupResponse> StoreBackup::Take(const std::string& name) {
  if (absl::Status valid = CheckName(name); !valid.ok()) return valid;
  if (directory_.empty()) {
    return absl::FailedPreconditionError(
        "backups are off on this node: its configuration sets no backup.directory");
  }
  if (Within(directory_, data_dir_)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "backup.directory ", directory_, " is inside data_dir ", data_dir_,
        ": a copy there would be copied again by the next backup; choose a directory beside it"));
  }
  absl::MutexLock lock(&mu_);
  std::error_code error;
  if (!std::filesystem::exists(directory_, error)) {
    std::filesystem::create_directories(directory_, error);
    if (error) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot make backup.directory ", directory_, ": ", error.message()));
    }
    ::chmod(directory_.c_str(), 0700);
  }
  const std::string target = (std::filesystem::path(directory_) / name).string();
  if (std::filesystem::exists(target, error)) {
    return absl::AlreadyExistsError(
        absl::StrCat("a backup named ", QuoteInput(name), " exists already (", target, ")"));
  }
  v1::BackupResponse response;
  response.set_directory(target);
  // Read before the copy: it holds at least these (writes go on while it is made).
  response.set_audit_entries(audit_->size());
  response.set_feed_versions(store_->last_cursor());
  const absl::Time began = absl::Now();
  response.set_taken_unix_micros(absl::ToUnixMicros(began));
  if (absl::Status copied = storage_->Checkpoint(target); !copied.ok()) {
    std::filesystem::remove_all(target, error);  // no half copy left to be taken for a backup
    return absl::InternalError(absl::StrCat("backup to ", target, ": ", copied.message()));
  }
  response.set_seconds(absl::ToDoubleSeconds(absl::Now() - began));
  return response;
}

}  // namespace nexus
