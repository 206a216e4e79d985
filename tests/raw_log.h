// An administrator's handle on a closed log's RocksDB directory: what the start-up tests edit.
#ifndef NEXUS_TESTS_RAW_LOG_H_
#define NEXUS_TESTS_RAW_LOG_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "common/storage/rocksdb_store.h"
#include "rocksdb/db.h"

namespace nexus::testing {

struct RawLog {
  explicit RawLog(const std::string& dir) : storage(*storage::RocksDbStore::Open(dir)) {}
  rocksdb::DB* db() { return storage->raw_db(); }
  std::string Get(storage::Family family, const std::string& key) {
    std::string value;
    EXPECT_TRUE(db()->Get(rocksdb::ReadOptions(), storage->raw_family(family), key, &value).ok());
    return value;
  }
  void Put(storage::Family family, const std::string& key, const std::string& value) {
    EXPECT_TRUE(db()->Put(rocksdb::WriteOptions(), storage->raw_family(family), key, value).ok());
  }
  void Delete(storage::Family family, const std::string& key) {
    EXPECT_TRUE(db()->Delete(rocksdb::WriteOptions(), storage->raw_family(family), key).ok());
  }
  std::unique_ptr<storage::RocksDbStore> storage;
};

}  // namespace nexus::testing

#endif  // NEXUS_TESTS_RAW_LOG_H_
