// How a batch of records is published: what the client asks for (PublishRequest's flags) and
// what the node's publisher does, one definition for both sides.
#ifndef NEXUS_COMMON_PUBLISH_OPTIONS_H_
#define NEXUS_COMMON_PUBLISH_OPTIONS_H_

namespace nexus {

struct PublishOptions {
  // A record given with an id and without a version whose authored content (all but id, version,
  // origin and times) equals its latest version's is answered UNCHANGED with that version
  // instead of being stored again, so that a re-import stores nothing new.
  // Also for a record given without an id: one of this agency's live records whose latest
  // version has the same authored content is answered UNCHANGED, so that a file pushed twice
  // stores nothing twice.
  bool skip_unchanged = false;
  // Each result lists where the record goes from the node under its policy now.
  bool report_recipients = false;
  // The drafts' times are their source's (an import). A new version whose source modified time
  // is not after the latest version's (the same file imported again with a stricter --tlp, say:
  // what changed is ours, not the source's) is stored 1us after the latest version's modified
  // instead of being refused, so that tightening is always possible and the record keeps its
  // age. Only for drafts without a version; content equal to the latest is still UNCHANGED.
  bool source_times = false;
};

}  // namespace nexus

#endif  // NEXUS_COMMON_PUBLISH_OPTIONS_H_
