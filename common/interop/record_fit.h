// Fitting what a source says into a record's limits. A source may write a longer tag, case
// reference, summary, statement or comment than a record holds; one such property must not sink
// the whole object. Each is shortened or left out, and each loss is said, by name, for the
// import report. Limits that narrow sharing (TLP, handling codes, distribution) are never
// touched here: an object whose restrictions do not fit is skipped instead.
#ifndef NEXUS_COMMON_INTEROP_RECORD_FIT_H_
#define NEXUS_COMMON_INTEROP_RECORD_FIT_H_

#include <string>
#include <vector>

#include "nexus/v1/record.pb.h"

namespace nexus {

// Shortens or drops what is over ValidateAndNormalize's limits in `record`'s tags, case
// reference, summary, terms of use and indicator comments and file names. Returns one sentence
// per change, naming the property, e.g. "tag 'xyz...' is 300 bytes (limit 256): not carried".
std::vector<std::string> FitImportedRecord(v1::Record& record);

}  // namespace nexus

#endif  // NEXUS_COMMON_INTEROP_RECORD_FIT_H_
