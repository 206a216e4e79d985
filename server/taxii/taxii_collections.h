// TAXII collections: views of what the node holds, as the node's configuration names them
// (taxii.collections); without any, one read-only view of everything the reader may see. A view
// narrows what a reader receives, never widens it: each version in it is still decided for the
// reader's agency like a pull.
#ifndef NEXUS_SERVER_TAXII_TAXII_COLLECTIONS_H_
#define NEXUS_SERVER_TAXII_TAXII_COLLECTIONS_H_

#include <set>
#include <string>
#include <vector>

#include "nexus/v1/node_config.pb.h"
#include "nexus/v1/record.pb.h"

namespace nexus {

struct TaxiiCollectionView {
  std::string id;
  std::string title;
  std::string description;
  std::set<std::string> origins;  // empty: any origin
  std::set<int> nexus_types;      // empty: any type
  bool writable = false;

  // Whether a record (as the reader may see it) belongs to the view.
  bool Holds(const v1::Record& record) const;
};

class TaxiiCollections {
 public:
  explicit TaxiiCollections(const v1::NodeConfig& config);

  const std::vector<TaxiiCollectionView>& all() const { return views_; }
  // The view with this id; null if none.
  const TaxiiCollectionView* Find(const std::string& id) const;

 private:
  std::vector<TaxiiCollectionView> views_;
};

}  // namespace nexus

#endif  // NEXUS_SERVER_TAXII_TAXII_COLLECTIONS_H_
