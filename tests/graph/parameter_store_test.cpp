// ParameterStore: stable ids, slot reuse, compaction.

#include <chaosnet/graph/parameter_store.hpp>

#include <catch2/catch.hpp>

#include <stdexcept>
#include <vector>

using chaosnet::ParamId;
using chaosnet::ParameterStore;
using chaosnet::ParamSlot;

namespace {

std::vector<ParamId> ids_of(const ParameterStore<double>& store) {
  return {store.ids().begin(), store.ids().end()};
}
std::vector<double> values_of(const ParameterStore<double>& store) {
  return {store.values().begin(), store.values().end()};
}

}  // namespace

TEST_CASE("ParameterStore: a freed slot is reused, last freed first, under a fresh id", "[graph]") {
  ParameterStore<double> store;
  CHECK(store.allocate(1.0) == 0);
  CHECK(store.allocate(2.0) == 1);
  CHECK(store.allocate(3.0) == 2);
  store.release(0);
  store.release(2);
  store.release(chaosnet::no_param);  // nothing to free
  CHECK(store.size() == 1);
  CHECK(ids_of(store) == std::vector<ParamId>{0, 2, 0});
  CHECK(values_of(store) == std::vector<double>{0.0, 2.0, 0.0});

  CHECK(store.allocate(4.0) == 2);
  CHECK(store.allocate(5.0) == 0);
  CHECK(store.allocate(6.0) == 3);  // no free slot left: the vector grows
  CHECK(ids_of(store) == std::vector<ParamId>{5, 2, 4, 6});  // ids 1 and 3 are retired for good
  CHECK(values_of(store) == std::vector<double>{5.0, 2.0, 4.0, 6.0});
  CHECK(store.next_id() == 7);
}

TEST_CASE("ParameterStore: allocate_with_id keeps the given id and leaves next_id alone", "[graph]") {
  ParameterStore<float> store(10);
  const ParamSlot slot = store.allocate_with_id(0.5f, 3);
  CHECK(store.ids()[slot] == 3);
  CHECK(store[slot] == 0.5f);
  CHECK(store.next_id() == 10);
  const ParamSlot fresh = store.allocate(1.5f);
  CHECK(store.ids()[fresh] == 10);
}

TEST_CASE("ParameterStore: compact keeps every id with its value, in the order given", "[graph]") {
  ParameterStore<double> store;
  CHECK(store.is_compact());
  for (double v : {1.0, 2.0, 3.0, 4.0}) store.allocate(v);
  CHECK_FALSE(store.is_compact());
  store.release(1);
  store.compact(std::vector<ParamSlot>{3, 0, 2});
  CHECK(store.is_compact());
  CHECK(ids_of(store) == std::vector<ParamId>{4, 1, 3});
  CHECK(values_of(store) == std::vector<double>{4.0, 1.0, 3.0});
  CHECK(store.size() == 3);
  // The free slot went with the compaction: the next parameter goes to the end, with a new id.
  CHECK(store.allocate(5.0) == 3);
  CHECK(store.ids()[3] == 5);
  CHECK_FALSE(store.is_compact());
  store.release(3);
  CHECK_FALSE(store.is_compact());
}

TEST_CASE("ParameterStore: compact rejects an order that is not every live slot once", "[graph]") {
  ParameterStore<double> store;
  for (double v : {1.0, 2.0, 3.0}) store.allocate(v);
  store.release(1);
  const auto ids = ids_of(store);
  for (const std::vector<ParamSlot>& order : {std::vector<ParamSlot>{0},         // misses slot 2
                                              std::vector<ParamSlot>{0, 1},      // slot 1 is free
                                              std::vector<ParamSlot>{2, 2},      // slot 2 twice
                                              std::vector<ParamSlot>{0, 7}}) {   // out of range
    CHECK_THROWS_AS(store.compact(order), std::invalid_argument);
  }
  CHECK(ids_of(store) == ids);  // unchanged
  CHECK_FALSE(store.is_compact());
}
