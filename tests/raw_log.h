// An administrator's handle on a closed log's RocksDB directory: what the start-up tests edit.
#ifndef NEXUS_TESTS_RAW_LOG_H_
#define NEXUS_TESTS_RAW_LOG_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "rocksdb/db.h"
#include "server/storage.h"

namespace nexus::testing {

struct RawLog {
  explicit RawLog(const std::string& dir) : storage(*Storage::Open(dir)) {}
  rocksdb::DB* db() { return storage->db(); }
  std::string Get(Storage::Family family, const std::string& key) {
    std::string value;
    EXPECT_TRUE(db()->Get(rocksdb::ReadOptions(), storage->family(family), key, &value).ok());
    return value;
  }
  void Put(Storage::Family family, const std::string& key, const std::string& value) {
    EXPECT_TRUE(db()->Put(rocksdb::WriteOptions(), storage->family(family), key, value).ok());
  }
  void Delete(Storage::Family family, const std::string& key) {
    EXPECT_TRUE(db()->Delete(rocksdb::WriteOptions(), storage->family(family), key).ok());
  }
  std::unique_ptr<Storage> storage;
};

}  // namespace nexus::testing

#endif  // NEXUS_TESTS_RAW_LOG_H_
