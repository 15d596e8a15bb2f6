// WorkerPool: every task runs exactly once on any number of threads, exceptions reach the
// caller, and the pool can be reused.

#include <chaosnet/evolution/worker_pool.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <stdexcept>
#include <string>
#include <vector>

TEST_CASE("WorkerPool: every task runs exactly once, whatever the thread count",
          "[evolution][pool]") {
  for (const std::size_t threads : {std::size_t{1}, std::size_t{2}, std::size_t{4}}) {
    chaosnet::WorkerPool pool(threads);
    CHECK(pool.threads() == threads);
    for (const std::size_t count :
         {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{100}}) {
      std::vector<std::atomic<int>> calls(count);
      pool.run(count, [&](std::size_t i) { ++calls[i]; });
      for (std::size_t i = 0; i < count; ++i) CHECK(calls[i] == 1);
    }
  }
  CHECK(chaosnet::WorkerPool(0).threads() >= 1);  // 0: one per hardware thread
}

TEST_CASE("WorkerPool: the exception of the lowest failing task is rethrown after all finished",
          "[evolution][pool]") {
  chaosnet::WorkerPool pool(3);
  std::atomic<int> finished{0};
  CHECK_THROWS_WITH(pool.run(20,
                             [&](std::size_t i) {
                               if (i == 5 || i == 13) {
                                 throw std::runtime_error("task " + std::to_string(i));
                               }
                               ++finished;
                             }),
                    "task 5");
  CHECK(finished == 18);
  // Still usable afterwards.
  std::atomic<int> again{0};
  for (int round = 0; round < 50; ++round) pool.run(10, [&](std::size_t) { ++again; });
  CHECK(again == 500);
}
