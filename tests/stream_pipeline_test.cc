// The two stages of a stream: items are finished in the order they were put, one waits at most,
// Drain waits for every item put, and once finishing stops, nothing later is finished and the
// stream is told.
#include "server/stream_pipeline.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"

namespace nexus {
namespace {

TEST(StreamPipelineTest, FinishesEveryItemInOrder) {
  std::vector<int> finished;  // the pipeline's thread only, read after Close
  StreamPipeline<int> pipeline([&](int item) {
    finished.push_back(item);
    return true;
  });
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(pipeline.Put(i));
  pipeline.Close();
  ASSERT_EQ(finished.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(finished[i], i);
}

TEST(StreamPipelineTest, OneItemWaitsWhileAnotherIsFinished) {
  absl::Notification entered, release;
  std::vector<int> finished;
  StreamPipeline<int> pipeline([&](int item) {
    if (item == 0) {
      entered.Notify();
      release.WaitForNotification();
    }
    finished.push_back(item);
    return true;
  });
  ASSERT_TRUE(pipeline.Put(0));
  entered.WaitForNotification();  // item 0 is being finished
  ASSERT_TRUE(pipeline.Put(1));   // waits in the slot
  // The slot is taken: there is no room until item 0 is done and item 1 taken.
  absl::Notification room;
  std::thread asker([&] {
    if (pipeline.WaitForRoom()) room.Notify();
  });
  EXPECT_FALSE(room.WaitForNotificationWithTimeout(absl::Milliseconds(50)));
  release.Notify();
  asker.join();
  EXPECT_TRUE(room.HasBeenNotified());
  EXPECT_TRUE(pipeline.Drain());
  EXPECT_EQ(finished, (std::vector<int>{0, 1}));
}

TEST(StreamPipelineTest, AfterAStopNothingLaterIsFinishedAndEachDroppedItemIsTold) {
  std::vector<int> finished;
  absl::Mutex mu;
  std::vector<int> dropped;  // told on the pipeline's thread or the stream's
  StreamPipeline<int> pipeline(
      [&](int item) {
        finished.push_back(item);
        return item != 3;  // item 3 fails
      },
      [&](int item) {
        absl::MutexLock lock(&mu);
        dropped.push_back(item);
      });
  bool accepted = true;
  int put = 0;
  while (accepted && put < 100) accepted = pipeline.Put(put++);
  EXPECT_FALSE(accepted);  // the stream learns of the stop at a Put, within two items of it
  EXPECT_LE(put, 6);
  EXPECT_FALSE(pipeline.Drain());
  EXPECT_FALSE(pipeline.WaitForRoom());
  EXPECT_FALSE(pipeline.Put(100));
  pipeline.Close();
  EXPECT_EQ(finished, (std::vector<int>{0, 1, 2, 3}));
  // Every item put after the failed one is told as dropped, once: none is lost unsaid.
  absl::MutexLock lock(&mu);
  std::sort(dropped.begin(), dropped.end());
  std::vector<int> expected;
  for (int i = 4; i < put; ++i) expected.push_back(i);
  expected.push_back(100);
  EXPECT_EQ(dropped, expected);
}

}  // namespace
}  // namespace nexus
