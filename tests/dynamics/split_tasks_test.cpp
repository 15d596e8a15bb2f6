// Sequential tasks on one shared spiking core: class subsets relabelled, each task's readout kept,
// the core carried from task to task, and every earlier task tested again on the final core.

#include <chaosnet/dynamics/split_tasks.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

namespace {

/// Images of 8 pixels whose class (0–3) is which quarter of the pixels is bright.
chaosnet::Dataset quarters_dataset(std::size_t count, std::uint64_t seed) {
  chaosnet::Rng rng(seed);
  std::vector<float> pixels;
  std::vector<int> labels;
  for (std::size_t i = 0; i < count; ++i) {
    const int label = static_cast<int>(chaosnet::util::uniform_index(rng, 4));
    for (int f = 0; f < 8; ++f) {
      pixels.push_back(static_cast<float>((f / 2 == label ? 0.8 : 0.1) + 0.2 * chaosnet::util::uniform_unit(rng)));
    }
    labels.push_back(label);
  }
  return chaosnet::Dataset(std::move(pixels), std::move(labels), 2, 4, 4);
}

}  // namespace

TEST_CASE("class_subset keeps the samples of a class range, relabelled from 0", "[dynamics][data]") {
  const auto data = quarters_dataset(200, 3);
  const auto upper = chaosnet::class_subset(data, 2, 2);
  CHECK(upper.classes() == 2);
  std::size_t j = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    if (data.label(i) < 2) continue;
    REQUIRE(j < upper.size());
    CHECK(upper.label(j) == data.label(i) - 2);
    CHECK(std::ranges::equal(upper.image(j), data.image(i)));
    ++j;
  }
  CHECK(j == upper.size());
  const auto tasks = chaosnet::split_by_classes(data, data, data, 2);
  REQUIRE(tasks.size() == 2);
  CHECK(tasks[0].train.size() + tasks[1].train.size() == data.size());
  CHECK_THROWS_WITH(chaosnet::class_subset(data, 3, 2), Catch::Contains("[3, 5)"));
  CHECK_THROWS_WITH(chaosnet::split_by_classes(data, data, data, 3), Catch::Contains("tasks of 3"));
}

TEST_CASE("train_sequential_tasks: one core, a readout per task, earlier tasks tested again", "[dynamics]") {
  chaosnet::ChaosModelConfig config;
  config.inputs = 8;
  config.hidden = {32};
  config.ticks = 3;
  config.input_mean = 0;
  config.input_std = 1;
  const auto tasks = chaosnet::split_by_classes(quarters_dataset(1280, 1), quarters_dataset(256, 2),
                                                quarters_dataset(256, 3), 2);
  chaosnet::ChaosTrainOptions options;
  options.epochs = 4;
  options.max_learning_rate = 1e-2;
  std::vector<std::size_t> started;
  const auto result = chaosnet::train_sequential_tasks<32>(config, tasks, options, 0x7e57,
                                                           [&](std::size_t t) { started.push_back(t); });
  CHECK(started == std::vector<std::size_t>{0, 1});
  REQUIRE(result.test_accuracy.size() == 2);
  REQUIRE(result.test_accuracy[0].size() == 1);
  REQUIRE(result.test_accuracy[1].size() == 2);
  CHECK(result.test_accuracy[0][0] > 0.9);
  CHECK(result.test_accuracy[1][1] > 0.9);

  // Both models hold the final core; their readouts are their own.
  REQUIRE(result.models.size() == 2);
  const chaosnet::ChaosModelLayout layout(result.models[0].config);
  const auto& a = result.models[0].parameters;
  const auto& b = result.models[1].parameters;
  CHECK(std::equal(a.begin(), a.begin() + static_cast<std::ptrdiff_t>(layout.readout_weights), b.begin()));
  CHECK(!std::equal(a.begin() + static_cast<std::ptrdiff_t>(layout.readout_weights), a.end(),
                    b.begin() + static_cast<std::ptrdiff_t>(layout.readout_weights)));
  // The "after" figure of task 1 is its readout on the final core, measured again here.
  chaosnet::ChaosModel<float> first = result.models[0];
  chaosnet::ChaosModelTape<float, 32> tape(first);
  CHECK(chaosnet::evaluate_chaos_accuracy(tape, tasks[0].test, 0x7e57) == result.test_accuracy[1][0]);
  // Task 1 alone is the same run's first half (same figure), and task 2 moved its core since.
  const auto alone = chaosnet::train_sequential_tasks<32>(config, {tasks[0]}, options, 0x7e57);
  CHECK(alone.test_accuracy[0][0] == result.test_accuracy[0][0]);
  const auto& before = alone.models[0].parameters;
  CHECK(!std::equal(before.begin(), before.begin() + static_cast<std::ptrdiff_t>(layout.readout_weights), a.begin()));
}
