// Real storage faults for tests: a data block of a column family's table file is damaged on disk,
// so that RocksDB's checksum check fails when the block is read (reads report Corruption), as a
// failing disk would make them.
#ifndef NEXUS_TESTS_CORRUPT_STORE_H_
#define NEXUS_TESTS_CORRUPT_STORE_H_

#include <fstream>
#include <string>
#include <vector>

#include "common/storage/rocksdb_store.h"
#include "rocksdb/db.h"

namespace nexus::testing {

// Flushes `family` of the closed store in `dir` to table files and returns their paths.
inline std::vector<std::string> TableFilesOf(const std::string& dir, storage::Family family) {
  std::vector<std::string> files;
  auto storage = storage::RocksDbStore::Open(dir);
  if (!storage.ok()) return files;
  rocksdb::DB* db = (*storage)->raw_db();
  rocksdb::ColumnFamilyHandle* handle = (*storage)->raw_family(family);
  if (!db->Flush(rocksdb::FlushOptions(), handle).ok()) return files;
  std::vector<rocksdb::LiveFileMetaData> live;
  db->GetLiveFilesMetaData(&live);
  for (const rocksdb::LiveFileMetaData& file : live) {
    if (file.column_family_name == handle->GetName()) files.push_back(file.db_path + file.name);
  }
  return files;
}

inline void FlipByte(const std::string& path, std::streamoff offset) {
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  char byte = 0;
  file.seekg(offset);
  file.read(&byte, 1);
  byte ^= 0x5a;
  file.seekp(offset);
  file.write(&byte, 1);
}

// Flushes `family` of the closed store in `dir` to a table file and flips a byte of its first data
// block (which precedes the index and footer, so the store still opens). Returns how many files
// were damaged: 0 means the test cannot show anything.
inline int CorruptFamilyOnDisk(const std::string& dir, storage::Family family) {
  std::vector<std::string> files = TableFilesOf(dir, family);
  for (const std::string& path : files) FlipByte(path, 16);
  return static_cast<int>(files.size());
}

// Damages the block index of every table file of `family` in the closed store in `dir` (the
// blocks just before the footer, which RocksDB reads and checks when it opens the store), so
// that opening the store fails with a checksum error. Returns how many files were damaged.
inline int CorruptFamilyIndexOnDisk(const std::string& dir, storage::Family family) {
  std::vector<std::string> files = TableFilesOf(dir, family);
  for (const std::string& path : files) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    const std::streamoff size = in.tellg();
    if (size > 200) FlipByte(path, size - 120);
  }
  return static_cast<int>(files.size());
}

}  // namespace nexus::testing

#endif  // NEXUS_TESTS_CORRUPT_STORE_H_
