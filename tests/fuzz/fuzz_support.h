// What the fuzz targets share: a fixed signing key (so that committed seeds stay signed and a
// crashing input reproduces byte for byte), and invariant checks that stop the fuzzer.
#ifndef NEXUS_TESTS_FUZZ_FUZZ_SUPPORT_H_
#define NEXUS_TESTS_FUZZ_FUZZ_SUPPORT_H_

#include <cstdio>
#include <cstdlib>
#include <string>

#include "common/crypto.h"
#include "common/keyring.h"
#include "google/protobuf/stubs/logging.h"

namespace nexus::fuzz {

// The agency whose key signs the seeds. Test-only key: it signs nothing outside tests/fuzz.
inline constexpr char kAgency[] = "agency-a";
inline constexpr char kKeyId[] = "1";

inline const PrivateKey& SigningKey() {
  static const PrivateKey* key = new PrivateKey(
      *PrivateKey::FromPem("-----BEGIN PRIVATE KEY-----\n"
                           "MC4CAQAwBQYDK2VwBCIEIGufaQ3u4j9K8mSfFGoB7Ik9eGiaPmnjCy9RRzUbwZDI\n"
                           "-----END PRIVATE KEY-----\n"));
  return *key;
}

// A keyring that knows only kAgency's key kKeyId.
inline const Keyring& Keys() {
  static const Keyring* keys = [] {
    auto* k = new Keyring();
    if (!k->Add(kAgency, kKeyId, SigningKey().public_key()).ok()) std::abort();
    return k;
  }();
  return *keys;
}

// A broken invariant is a bug even when nothing crashed: report it and stop, so libFuzzer saves
// the input.
inline void Require(bool holds, const std::string& invariant) {
  if (holds) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", invariant.c_str());
  std::abort();
}

}  // namespace nexus::fuzz

// Called once by libFuzzer before the first input (each target is one file including this).
// Protobuf logs every invalid UTF-8 string it parses; hostile input is mostly that, and the
// logging would cost more than the parsing.
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

#endif  // NEXUS_TESTS_FUZZ_FUZZ_SUPPORT_H_
