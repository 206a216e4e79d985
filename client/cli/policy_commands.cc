#include "client/cli/policy_commands.h"

#include <google/protobuf/text_format.h>
#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <iostream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "client/admin_client.h"
#include "client/cli/exit_codes.h"
#include "common/crypto.h"
#include "common/enum_values.h"
#include "common/untrusted_text.h"
#include "nexus/v1/node_config.pb.h"
#include "policy/sharing_policy.h"

namespace nexus {

const char kPolicyUsage[] = R"(policy commands:
  policy check FILE --config NODE_CONFIG   validate a policy against the federation the node's
                                           configuration lists; print errors and warnings
  policy test FILE CASES                   run a table of cases (nexus.v1.PolicyTestCases, text
                                           format): record, recipient, expected decision
  policy explain --record ID --recipient AGENCY
                                           the node's decision and every rule that matched or
                                           failed and why; shares nothing
  policy reload                            reload the node's policy file (admin certificate)
)";

namespace {

// Messages may quote input (policy text, the node's answer): printed escaped and bounded.
std::string Shown(absl::string_view text) { return ShownMessage(text); }

// A message of several lines (a policy's errors): each line escaped on its own.
std::string ShownLines(absl::string_view text) {
  std::vector<std::string> lines;
  for (absl::string_view line : absl::StrSplit(text, '\n')) lines.push_back(Shown(line));
  return absl::StrJoin(lines, "\n");
}

int Usage(const std::string& problem) { return ReportUsage("policy", problem); }

int Failure(const absl::Status& status, const std::string& doing) {
  return ReportFailure("policy", doing, status);
}

int Check(const CommandLine& line) {
  if (line.positional().size() != 3) return Usage("check takes one policy FILE");
  if (!line.Has("config")) {
    return Usage(
        "check needs --config NODE_CONFIG: the federation's agencies, countries and "
        "groups decide which rules can match");
  }
  v1::NodeConfig config;
  if (absl::Status s = ParseTextFile(line.Get("config"), &config); !s.ok()) {
    return Usage(std::string(s.message()));
  }
  std::vector<std::string> warnings;
  auto policy = policy::SharingPolicy::Load(line.positional()[2],
                                            policy::Federation(config.agencies()), &warnings);
  if (!policy.ok()) {
    std::cout << ShownLines(policy.status().message()) << "\n";
    return kExitRefused;
  }
  for (const std::string& warning : warnings) std::cout << Shown(warning) << "\n";
  std::cout << Shown(line.positional()[2]) << ": OK: policy '" << Shown((*policy)->name()) << "', "
            << (*policy)->rule_count() << " rules, " << warnings.size() << " warnings\n";
  return kExitOk;
}

int Test(const CommandLine& line) {
  if (line.positional().size() != 4) return Usage("test takes a policy FILE and a CASES file");
  v1::PolicyTestCases cases;
  if (absl::Status s = ParseTextFile(line.positional()[3], &cases); !s.ok()) {
    return Usage(std::string(s.message()));
  }
  // A case whose record holds an undefined enum value tests nothing the node would accept.
  if (absl::Status s = CheckEnumValues(cases); !s.ok()) {
    return Usage(absl::StrCat(line.positional()[3], ": ", s.message()));
  }
  policy::Federation federation(cases.federation());
  auto policy = policy::SharingPolicy::Load(line.positional()[2], federation);
  if (!policy.ok()) {
    std::cout << ShownLines(policy.status().message()) << "\n";
    return kExitRefused;
  }
  int holder = federation.AgencyIndex(cases.holder());
  if (holder < 0) return Usage(absl::StrCat("holder '", cases.holder(), "' is not in federation"));
  int failed = 0;
  int64_t now = absl::ToUnixMicros(absl::Now());
  for (const v1::PolicyTestCase& test : cases.cases()) {
    policy::Decision decision =
        (*policy)->Decide(policy::RecordFacts::From(test.record(), federation),
                          federation.AgencyIndex(test.recipient()), holder, now);
    // EFFECT_FORBID expects a deny without a hit notice; EFFECT_HIT_ONLY a hit notice only.
    bool want_permit = test.expect() == v1::EFFECT_PERMIT;
    bool want_hit = test.expect() == v1::EFFECT_HIT_ONLY;
    policy::Withheld want = policy::Withheld::From(test.expect_withheld());
    bool pass = decision.permit == want_permit &&
                (want_permit || decision.hit_notice == want_hit) &&
                (!want_permit || decision.withheld == want);
    failed += !pass;
    std::cout << (pass ? "PASS " : "FAIL ") << Shown(test.name()) << ": " << decision.EffectName();
    if (decision.permit && !decision.withheld.empty()) {
      std::cout << " withholding {" << decision.withheld.ToRedaction().ShortDebugString() << "}";
    }
    std::cout << " by " << Shown(absl::StrJoin((*policy)->Reasons(decision), ", "));
    if (!pass) {
      std::cout << "; expected " << (want_permit ? "permit" : want_hit ? "hit-only" : "deny");
      if (want_permit)
        std::cout << " withholding {" << test.expect_withheld().ShortDebugString() << "}";
    }
    std::cout << "\n";
  }
  std::cout << cases.cases_size() - failed << " passed, " << failed << " failed\n";
  return failed == 0 ? kExitOk : kExitRefused;
}

int Explain(const CommandLine& line, const ClientOptions& options, bool json) {
  if (!line.Has("record") || !line.Has("recipient")) {
    return Usage("explain needs --record ID and --recipient AGENCY");
  }
  auto client = AdminClient::Create(options);
  if (!client.ok()) return Usage(std::string(client.status().message()));
  v1::ExplainDecisionRequest request;
  request.set_record_id(line.Get("record"));
  request.set_recipient(line.Get("recipient"));
  auto response = (*client)->ExplainDecision(request);
  if (!response.ok()) return Failure(response.status(), "explain");
  if (json) {
    std::string out;
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    (void)google::protobuf::util::MessageToJsonString(*response, &out, options);
    std::cout << EscapeJsonForTerminal(out) << "\n";
    return kExitOk;
  }
  std::cout << "decision: " << Shown(response->effect_name());
  if (response->effect_name() == "permit-with-redaction") {
    std::cout << " withholding {" << response->withheld().ShortDebugString() << "}";
  }
  std::cout << "\nby: " << Shown(absl::StrJoin(response->reasons(), ", ")) << "\n";
  for (const std::string& explanation : response->explanation()) {
    std::cout << "  " << Shown(explanation) << "\n";
  }
  return kExitOk;
}

int Reload(const ClientOptions& options) {
  auto client = AdminClient::Create(options);
  if (!client.ok()) return Usage(std::string(client.status().message()));
  auto response = (*client)->ReloadPolicy();
  if (!response.ok()) return Failure(response.status(), "reload");
  for (const std::string& warning : response->warnings()) std::cout << Shown(warning) << "\n";
  std::cout << "policy '" << Shown(response->policy_name()) << "' from "
            << (response->file().empty() ? "no file (no policy_file: deny all)"
                                         : Shown(response->file()))
            << " in force, " << response->rules() << " rules\n";
  if (response->reoffered_peers() > 0) {
    std::cout << "the sharing rules changed: " << response->reoffered_peers()
              << " peers will be offered what the new rules permit and the old ones held back\n";
  } else {
    std::cout << "the sharing rules are those already in force: nothing is offered again\n";
  }
  std::cout << "what peers already received stays with them: a narrower policy recalls nothing\n";
  return kExitOk;
}

}  // namespace

int RunPolicyCommand(const CommandLine& line, const ClientOptions& options, bool json) {
  if (line.positional().size() < 2) return Usage("policy needs a subcommand");
  const std::string& command = line.positional()[1];
  if (command == "check") return Check(line);
  if (command == "test") return Test(line);
  if (command == "explain") return Explain(line, options, json);
  if (command == "reload") return Reload(options);
  return Usage("unknown policy subcommand '" + command + "'");
}

}  // namespace nexus
