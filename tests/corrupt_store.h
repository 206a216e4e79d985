// Real storage faults for tests: a data block of a column family's table file is damaged on disk,
// so that RocksDB's checksum check fails when the block is read (reads report Corruption), as a
// failing disk would make them.
#ifndef NEXUS_TESTS_CORRUPT_STORE_H_
#define NEXUS_TESTS_CORRUPT_STORE_H_

#include <fstream>
#include <string>
#include <vector>

#include "rocksdb/db.h"
#include "server/storage.h"

namespace nexus::testing {

// Flushes `family` of the closed store in `dir` to a table file and flips a byte of its first data
// block (which precedes the index and footer, so the store still opens). Returns how many files
// were damaged: 0 means the test cannot show anything.
inline int CorruptFamilyOnDisk(const std::string& dir, Storage::Family family) {
  std::vector<std::string> files;
  {
    auto storage = Storage::Open(dir);
    if (!storage.ok()) return 0;
    rocksdb::DB* db = (*storage)->db();
    rocksdb::ColumnFamilyHandle* handle = (*storage)->family(family);
    if (!db->Flush(rocksdb::FlushOptions(), handle).ok()) return 0;
    std::vector<rocksdb::LiveFileMetaData> live;
    db->GetLiveFilesMetaData(&live);
    for (const rocksdb::LiveFileMetaData& file : live) {
      if (file.column_family_name == handle->GetName()) files.push_back(file.db_path + file.name);
    }
  }
  for (const std::string& path : files) {
    std::fstream sst(path, std::ios::in | std::ios::out | std::ios::binary);
    char byte = 0;
    sst.seekg(16);
    sst.read(&byte, 1);
    byte ^= 0x5a;
    sst.seekp(16);
    sst.write(&byte, 1);
  }
  return static_cast<int>(files.size());
}

}  // namespace nexus::testing

#endif  // NEXUS_TESTS_CORRUPT_STORE_H_
