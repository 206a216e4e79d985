// A real node of agency-a and the real nexusctl binary run against it, as a script would.
#ifndef NEXUS_TESTS_NEXUSCTL_FIXTURE_H_
#define NEXUS_TESTS_NEXUSCTL_FIXTURE_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "tests/test_support.h"

namespace nexus {

class NexusctlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    node_ =
        std::make_unique<testing::NexusdProcess>(testing::WriteNodeConfig(dir_.path(), "agency-a"));
    ASSERT_TRUE(node_->ok()) << node_->ReadLog();
  }

  int Run(const std::string& args, std::string* output, const std::string& agency = "agency-a") {
    const std::string& pki = testing::TestPki();
    return testing::RunCommand(
        absl::StrCat(NEXUS_NEXUSCTL_PATH, " --target ", node_->address(), " --ca ", pki,
                     "/ca.crt --cert ", pki, "/", agency, "/analyst.crt --key ", pki, "/", agency,
                     "/analyst.key --keys ", pki, "/keys ", args),
        output);
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::NexusdProcess> node_;
};

}  // namespace nexus

#endif  // NEXUS_TESTS_NEXUSCTL_FIXTURE_H_
