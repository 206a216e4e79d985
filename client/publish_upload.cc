#include "client/publish_upload.h"

#include <grpcpp/client_context.h>

#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "client/channel.h"
#include "nexus/v1/agency_service.grpc.pb.h"

namespace nexus {

struct PublishUpload::Stream {
  std::unique_ptr<v1::AgencyService::Stub> stub;
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReaderWriter<v1::PublishRequest, v1::PublishResponse>> rw;
  bool skip_unchanged = false;
  bool source_times = false;
  size_t max_in_flight = 1;
  std::thread reader;
  bool finished = false;

  absl::Mutex mu;
  size_t in_flight ABSL_GUARDED_BY(mu) = 0;
  bool ended ABSL_GUARDED_BY(mu) = false;  // the node sent its last answer (or the call broke)
  std::vector<std::vector<v1::PublishResult>> answered ABSL_GUARDED_BY(mu);

  bool CanSend() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    return ended || in_flight < max_in_flight;
  }

  // The one reader: the node answers each request with one response, in order.
  void ReadAnswers() {
    v1::PublishResponse response;
    while (rw->Read(&response)) {
      absl::MutexLock lock(&mu);
      answered.emplace_back(response.results().begin(), response.results().end());
      --in_flight;
    }
    absl::MutexLock lock(&mu);
    ended = true;
  }
};

PublishUpload::PublishUpload(std::unique_ptr<Stream> stream) : stream_(std::move(stream)) {}

PublishUpload::~PublishUpload() {
  if (!stream_->finished) {
    stream_->context.TryCancel();
    (void)Finish();
  }
}

absl::StatusOr<std::unique_ptr<PublishUpload>> PublishUpload::Open(const ClientOptions& options,
                                                                   bool skip_unchanged,
                                                                   size_t max_in_flight,
                                                                   bool source_times) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = OpenChannel(options);
  if (!channel.ok()) return channel.status();
  auto stream = std::make_unique<Stream>();
  stream->stub = v1::AgencyService::NewStub(*channel);
  stream->skip_unchanged = skip_unchanged;
  stream->source_times = source_times;
  stream->max_in_flight = std::max<size_t>(1, max_in_flight);
  stream->rw = stream->stub->PublishStream(&stream->context);
  Stream* s = stream.get();
  stream->reader = std::thread([s] { s->ReadAnswers(); });
  return std::unique_ptr<PublishUpload>(new PublishUpload(std::move(stream)));
}

absl::Status PublishUpload::Send(std::vector<v1::Record> batch) {
  Stream& s = *stream_;
  {
    absl::MutexLock lock(&s.mu);
    s.mu.Await(absl::Condition(&s, &Stream::CanSend));
    if (s.ended) return absl::UnavailableError("the publish stream ended");
    ++s.in_flight;
  }
  v1::PublishRequest request;
  request.set_skip_unchanged(s.skip_unchanged);
  request.set_source_times(s.source_times);
  for (v1::Record& record : batch) *request.add_records() = std::move(record);
  if (!s.rw->Write(request)) return absl::UnavailableError("the publish stream ended");
  return absl::OkStatus();
}

std::vector<std::vector<v1::PublishResult>> PublishUpload::TakeAnswered() {
  absl::MutexLock lock(&stream_->mu);
  return std::exchange(stream_->answered, {});
}

absl::Status PublishUpload::Finish() {
  Stream& s = *stream_;
  if (s.finished) return absl::FailedPreconditionError("the upload is finished");
  s.finished = true;
  s.rw->WritesDone();
  s.reader.join();
  return FromGrpc(s.rw->Finish());
}

}  // namespace nexus
