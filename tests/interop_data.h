// Where the tests find the real STIX 2.1 and MISP samples and the OASIS STIX 2.1 schemas: the
// shared folder beside the repository (../shared), which the project does not copy (they are
// public files under their own licenses; see ../shared/interop-data/README.md).
#ifndef NEXUS_TESTS_INTEROP_DATA_H_
#define NEXUS_TESTS_INTEROP_DATA_H_

#include <sys/stat.h>

#include <cstdlib>
#include <string>

namespace nexus::testing {

inline constexpr char kNoInteropData[] =
    "the shared interop data is not here: set NEXUS_SHARED_DIR to the folder holding "
    "interop-data/ and stix-schemas/ (by default ../shared beside the repository)";

// The shared folder: $NEXUS_SHARED_DIR, else ../shared beside the source tree, else /work/shared.
inline std::string SharedDir() {
  auto is_dir = [](const std::string& path) {
    struct stat info;
    return stat(path.c_str(), &info) == 0 && S_ISDIR(info.st_mode);
  };
  if (const char* env = std::getenv("NEXUS_SHARED_DIR"); env != nullptr && is_dir(env)) return env;
  for (std::string candidate :
       {std::string(NEXUS_SOURCE_DIR) + "/../shared", std::string("/work/shared")}) {
    if (is_dir(candidate + "/interop-data")) return candidate;
  }
  return "";
}

// "" when absent: a test then skips, saying so (kNoInteropData).
inline std::string InteropDataDir() {
  std::string shared = SharedDir();
  return shared.empty() ? "" : shared + "/interop-data";
}
inline std::string StixSchemaDir() {
  std::string shared = SharedDir();
  return shared.empty() ? "" : shared + "/stix-schemas/schemas";
}

}  // namespace nexus::testing

#endif  // NEXUS_TESTS_INTEROP_DATA_H_
