// A bulk upload of records whose number is not known in advance (an import streaming a file):
// batches go over one PublishStream as they are ready, with a few in flight so that the node
// signs while the client reads on, and the answers come back in order.
#ifndef NEXUS_CLIENT_PUBLISH_UPLOAD_H_
#define NEXUS_CLIENT_PUBLISH_UPLOAD_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "client/nexus_client.h"
#include "nexus/v1/agency_service.pb.h"

namespace nexus {

class PublishUpload {
 public:
  // Opens the stream. With `skip_unchanged`, a record whose content equals its latest version's
  // is answered UNCHANGED instead of being stored again (re-imports store nothing new). With
  // `source_times`, the records' times are their source's (PublishOptions::source_times).
  static absl::StatusOr<std::unique_ptr<PublishUpload>> Open(const ClientOptions& options,
                                                             bool skip_unchanged,
                                                             size_t max_in_flight = 4,
                                                             bool source_times = false);
  ~PublishUpload();

  // Sends one batch; blocks while `max_in_flight` batches are unanswered. An error means the
  // stream ended: Finish says why.
  absl::Status Send(std::vector<v1::Record> batch);
  // The answers received so far, one vector per batch in the order sent; each is taken once.
  std::vector<std::vector<v1::PublishResult>> TakeAnswered();
  // Ends the stream after the last answer; the node's status.
  absl::Status Finish();

 private:
  struct Stream;
  explicit PublishUpload(std::unique_ptr<Stream> stream);
  std::unique_ptr<Stream> stream_;
};

}  // namespace nexus

#endif  // NEXUS_CLIENT_PUBLISH_UPLOAD_H_
