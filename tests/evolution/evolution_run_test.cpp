// EvolutionRun: the budget ends a run (over all sessions), a stop request finishes the current
// generation and saves it, the test set is measured once only, and a resumed run ends where an
// uninterrupted one does.

#include <evolution/tiny_evolution.hpp>

#include <catch2/catch.hpp>

#include <cstddef>
#include <stdexcept>
#include <vector>

using chaosnet::EvolutionRun;
using chaosnet::GenerationReport;
using chaosnet::Population;
using chaosnet::RunEnd;
using chaosnet::RunRecord;
using chaosnet::WorkerPool;

namespace {

Population<float, 16> founders() {
  return {chaosnet_test::tiny_evolution_options(),
          chaosnet_test::shared_tiny_mnist().train.features(), 10};
}

RunRecord generations(std::size_t count) {
  RunRecord record;
  record.data = "/tiny";
  record.preset = "test";
  record.validation = 100;
  record.generations = count;
  return record;
}

}  // namespace

TEST_CASE("EvolutionRun: a generation budget ends the run and every generation is saved",
          "[evolution][evolution_run]") {
  const chaosnet::MnistSplits& data = chaosnet_test::shared_tiny_mnist();
  const chaosnet::test::TempDir dir;
  EvolutionRun<float, 16> run(founders(), generations(3), dir.path());
  WorkerPool pool(2);
  std::vector<std::size_t> seen;
  std::vector<bool> last;
  const RunEnd end = run.run(data.train, data.validation, pool, [&](const GenerationReport& r) {
    seen.push_back(r.stats.generation);
    last.push_back(r.last);
    // The checkpoint of this generation is on disk before the callback hears of it.
    CHECK(chaosnet::load_checkpoint<float, 16>(dir.path()).population.generation() ==
          r.stats.generation);
    CHECK(r.generations_per_s > 0);
  });
  CHECK(end == RunEnd::budget);
  CHECK(seen == std::vector<std::size_t>{1, 2, 3});
  CHECK(last == std::vector<bool>{false, false, true});
  CHECK(run.population().generation() == 3);
  // The budget counts all sessions: a run that has used it up does nothing more.
  CHECK(run.run(data.train, data.validation, pool) == RunEnd::budget);
  CHECK(run.population().generation() == 3);
}

TEST_CASE("EvolutionRun: a used-up time budget starts no generation",
          "[evolution][evolution_run]") {
  const chaosnet::MnistSplits& data = chaosnet_test::shared_tiny_mnist();
  const chaosnet::test::TempDir dir;
  RunRecord record = generations(3);
  record.generations.reset();
  record.minutes = 1e-12;
  EvolutionRun<float, 16> run(founders(), record, dir.path());
  WorkerPool pool(1);
  CHECK(run.run(data.train, data.validation, pool) == RunEnd::budget);
  CHECK(run.population().generation() == 0);
  record.minutes.reset();
  CHECK_THROWS_AS((EvolutionRun<float, 16>(founders(), record, dir.path())), std::invalid_argument);
}

TEST_CASE("EvolutionRun: a stop request finishes the current generation, saves it and returns",
          "[evolution][evolution_run]") {
  const chaosnet::MnistSplits& data = chaosnet_test::shared_tiny_mnist();
  const chaosnet::test::TempDir dir;
  EvolutionRun<float, 16> run(founders(), generations(5), dir.path());
  WorkerPool pool(2);
  std::size_t calls = 0;
  const RunEnd end = run.run(data.train, data.validation, pool, [&](const GenerationReport& r) {
    ++calls;
    if (r.stats.generation == 2) run.request_stop();
  });
  CHECK(end == RunEnd::stop_requested);
  CHECK(calls == 2);
  CHECK(run.population().generation() == 2);
  CHECK(chaosnet::load_checkpoint<float, 16>(dir.path()).population.generation() == 2);
  // The request is used up: the next run() continues to the budget.
  CHECK_FALSE(run.stop_requested());
  CHECK(run.run(data.train, data.validation, pool) == RunEnd::budget);
  CHECK(run.population().generation() == 5);
  // A request made before run() stops it before its first generation.
  const chaosnet::test::TempDir other;
  EvolutionRun<float, 16> early(founders(), generations(5), other.path());
  early.request_stop();
  CHECK(early.run(data.train, data.validation, pool) == RunEnd::stop_requested);
  CHECK(early.population().generation() == 0);
}

TEST_CASE("EvolutionRun: the test set is measured once, and the run cannot continue after it",
          "[evolution][evolution_run]") {
  const chaosnet::MnistSplits& data = chaosnet_test::shared_tiny_mnist();
  const chaosnet::test::TempDir dir;
  EvolutionRun<float, 16> run(founders(), generations(2), dir.path());
  WorkerPool pool(2);
  run.run(data.train, data.validation, pool);
  CHECK_FALSE(run.front_measured());
  const auto front = run.measure_front(data.validation, data.test);
  CHECK(run.front_measured());
  // What is measured is the archive's front: every network ever on it, as archived.
  const auto& archived = run.population().state().archive.front();
  REQUIRE(front.size() == archived.size());
  REQUIRE_FALSE(front.empty());
  for (std::size_t k = 0; k < front.size(); ++k) {
    CHECK(front[k].id == archived[k].member);
    CHECK(front[k].generation == archived[k].generation);
    CHECK(front[k].selection == archived[k].accuracy);
    auto copy = archived[k].network;
    CHECK(front[k].test == chaosnet::evaluate_accuracy(copy, data.test));
    CHECK(front[k].validation == chaosnet::evaluate_accuracy(copy, data.validation));
  }
  CHECK_THROWS_AS(run.measure_front(data.validation, data.test), std::logic_error);
  CHECK_THROWS_WITH(run.measure_front(data.validation, data.test),
                    Catch::Contains("already been measured"));
  CHECK_THROWS_AS(run.run(data.train, data.validation, pool), std::logic_error);
}

TEST_CASE("EvolutionRun: a run resumed from its checkpoint ends as an uninterrupted one",
          "[evolution][evolution_run]") {
  const chaosnet::MnistSplits& data = chaosnet_test::shared_tiny_mnist();
  WorkerPool pool(2);
  const chaosnet::test::TempDir straight_dir, resumed_dir;
  EvolutionRun<float, 16> straight(founders(), generations(4), straight_dir.path());
  straight.run(data.train, data.validation, pool);

  {
    EvolutionRun<float, 16> first(founders(), generations(2), resumed_dir.path());
    first.run(data.train, data.validation, pool);
  }
  auto checkpoint = chaosnet::load_checkpoint<float, 16>(resumed_dir.path());
  RunRecord record = RunRecord::from_checkpoint_extra(checkpoint.extra, checkpoint.file);
  CHECK(record.generations == 2u);
  CHECK(record.preset == "test");
  record.generations = 4;
  EvolutionRun<float, 16> resumed(std::move(checkpoint.population), record, resumed_dir.path());
  WorkerPool one(1);  // any thread count gives the same population
  CHECK(resumed.run(data.train, data.validation, one) == RunEnd::budget);
  CHECK(resumed.population().generation() == 4);
  CHECK(chaosnet_test::same_members(straight.population(), resumed.population()));
  CHECK(chaosnet::population_fingerprint(straight.population()) ==
        chaosnet::population_fingerprint(resumed.population()));
}
