// Whose policy withheld the parts a reader does not get: the notes a node adds to what it serves
// (v1::WithheldNote), from the parts its own redaction dropped and from what a relay said of the
// parts that were already absent when the record reached it.
#ifndef NEXUS_SERVER_WITHHELD_NOTES_H_
#define NEXUS_SERVER_WITHHELD_NOTES_H_

#include <string>
#include <vector>

#include "nexus/v1/record.pb.h"

namespace nexus {

// A note, by `by`, for every part disclosed in `held` and not in `shared` (the same signed
// record, redacted), with the indicator's type for an indicator.
std::vector<v1::WithheldNote> NotesOfRedaction(const v1::SignedRecord& held,
                                               const v1::SignedRecord& shared,
                                               const std::string& by);

// Of `notes` (a peer's word), those that describe a part really absent from `record`, with a
// valid agency id as `by` and a kind matching the manifest, at most one per part: what a
// receiving node keeps.
std::vector<v1::WithheldNote> CredibleNotes(
    const v1::SignedRecord& record,
    const google::protobuf::RepeatedPtrField<v1::WithheldNote>& notes);

}  // namespace nexus

#endif  // NEXUS_SERVER_WITHHELD_NOTES_H_
