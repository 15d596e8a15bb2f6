// WorkerPool: every task runs exactly once on any number of threads, exceptions reach the
// caller, the pool can be reused, and a pool whose threads cannot all be started stops the
// started ones and says so.

#include <chaosnet/evolution/worker_pool.hpp>

#include <support/child_process.hpp>

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdio>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
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

TEST_CASE("WorkerPool: when a thread cannot be started, the started ones are stopped and joined",
          "[evolution][pool]") {
  // In a child process: leaving started threads behind hangs or aborts the program.
  const auto outcome = chaosnet::test::run_in_child(
      [] {
        std::atomic<int> started{0}, returned{0};
        const auto start = [&](auto worker) {
          if (started == 3) {
            throw std::system_error(
                std::make_error_code(std::errc::resource_unavailable_try_again));
          }
          ++started;
          return std::thread([worker, &returned] {
            worker();
            ++returned;
          });
        };
        try {
          chaosnet::WorkerPool pool(8, start);
        } catch (const std::runtime_error& e) {
          const std::string message = e.what();
          std::fprintf(stderr, "%s\n", message.c_str());
          const bool clear = message.starts_with("cannot start 8 threads: ") &&
                             message.ends_with("; use fewer threads");
          return clear && started == 3 && returned == 3 ? 0 : 1;
        }
        return 2;
      },
      {.timeout = std::chrono::seconds(10)});
  CHECK(outcome.describe() == "exited with 0");
}
