// Batch sizes: dispatch reaches the instantiation of the run-time size, and refuses the others
// naming the compiled ones.

#include <chaosnet/train/batch_sizes.hpp>

#include <catch2/catch.hpp>

#include <stdexcept>

TEST_CASE("BatchSizes: dispatch calls the instantiation for each compiled size", "[train]") {
  for (const int batch : chaosnet::compiled_batch_sizes) {
    CHECK(chaosnet::is_compiled_batch_size(batch));
    CHECK(chaosnet::dispatch_batch_size(batch, []<int N>() { return N; }) == batch);
  }
  int seen = 0;
  chaosnet::dispatch_batch_size(16, [&]<int N>() { seen = N; });  // a void result works too
  CHECK(seen == 16);
}

TEST_CASE("BatchSizes: a size not compiled in is refused, naming the compiled ones", "[train]") {
  CHECK_FALSE(chaosnet::is_compiled_batch_size(8));
  CHECK(chaosnet::compiled_batch_sizes_text() == "1, 16, 32 or 64");
  CHECK_THROWS_AS(chaosnet::dispatch_batch_size(8, []<int N>() { return N; }), std::invalid_argument);
  CHECK_THROWS_WITH(chaosnet::dispatch_batch_size(128, []<int N>() { return N; }),
                    "batch size 128 is not compiled in; use 1, 16, 32 or 64");
}
