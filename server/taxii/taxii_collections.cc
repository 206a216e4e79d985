#include "server/taxii/taxii_collections.h"

#include "common/uuid.h"

namespace nexus {
namespace {

// Names the default collection's id, the same at every start of the node.
constexpr char kCollectionNamespace[] = "6f0c1e52-9a0d-4c7b-8e43-2b7d5a9f1c36";

}  // namespace

bool TaxiiCollectionView::Holds(const v1::Record& record) const {
  if (!origins.empty() && origins.count(record.origin_agency()) == 0) return false;
  return nexus_types.empty() || nexus_types.count(record.assessment().nexus_type()) > 0;
}

TaxiiCollections::TaxiiCollections(const v1::NodeConfig& config) {
  for (const v1::TaxiiCollection& collection : config.taxii().collections()) {
    TaxiiCollectionView view;
    view.id = collection.id();
    view.title = collection.title();
    view.description = collection.description();
    view.origins.insert(collection.origin_agencies().begin(), collection.origin_agencies().end());
    view.nexus_types.insert(collection.nexus_types().begin(), collection.nexus_types().end());
    view.writable = collection.writable();
    views_.push_back(std::move(view));
  }
  if (views_.empty()) {
    TaxiiCollectionView all;
    all.id = NameBasedUuid(kCollectionNamespace, "all\n" + config.agency_id());
    all.title = "Everything you may see";
    all.description =
        "Every record version this node holds that the sharing policy lets your "
        "agency see, as your agency may see it.";
    views_.push_back(std::move(all));
  }
}

const TaxiiCollectionView* TaxiiCollections::Find(const std::string& id) const {
  for (const TaxiiCollectionView& view : views_) {
    if (view.id == id) return &view;
  }
  return nullptr;
}

}  // namespace nexus
