// How a batch of records is published: what the client asks for (PublishRequest's flags) and
// what the node's publisher does, one definition for both sides.
#ifndef NEXUS_COMMON_PUBLISH_OPTIONS_H_
#define NEXUS_COMMON_PUBLISH_OPTIONS_H_

namespace nexus {

struct PublishOptions {
  // For importers: a record given with an id and without a version whose authored content (all
  // but id, version, origin and times) equals its latest version's is answered UNCHANGED with
  // that version instead of being stored again, so that a re-import stores nothing new.
  bool skip_unchanged = false;
};

}  // namespace nexus

#endif  // NEXUS_COMMON_PUBLISH_OPTIONS_H_
