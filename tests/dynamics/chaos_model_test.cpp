// ChaosNet models: the seed's initialisation, the readout's gradient against finite differences
// (it has no surrogate, so it is a true derivative), and training that learns.

#include <chaosnet/dynamics/chaos_model.hpp>
#include <chaosnet/dynamics/chaos_training.hpp>

#include <catch2/catch.hpp>

#include <cmath>
#include <vector>

namespace {

chaosnet::ChaosModelConfig small_config() {
  chaosnet::ChaosModelConfig config;
  config.inputs = 6;
  config.hidden = {8, 5};
  config.classes = 3;
  config.ticks = 3;
  config.input_mean = 0;
  config.input_std = 1;
  return config;
}

/// A dataset of 2-pixel-wide images whose class is which third of the pixels is bright.
chaosnet::Dataset thirds_dataset(std::size_t count, std::uint64_t seed) {
  chaosnet::Rng rng(seed);
  std::vector<float> pixels;
  std::vector<int> labels;
  for (std::size_t i = 0; i < count; ++i) {
    const int label = static_cast<int>(chaosnet::util::uniform_index(rng, 3));
    for (int f = 0; f < 6; ++f) {
      const bool bright = f / 2 == label;
      pixels.push_back(static_cast<float>((bright ? 0.8 : 0.1) + 0.2 * chaosnet::util::uniform_unit(rng)));
    }
    labels.push_back(label);
  }
  return chaosnet::Dataset(std::move(pixels), std::move(labels), 2, 3, 3);
}

}  // namespace

TEST_CASE("ChaosModel: Kaiming-uniform(a = 0.1) bounds and the E/I rows of W_rec", "[dynamics]") {
  chaosnet::Rng rng(3);
  const auto config = small_config();
  const auto model = chaosnet::make_chaos_model<double>(config, rng);
  const chaosnet::ChaosModelLayout layout(config);
  REQUIRE(model.parameters.size() == 8 * 6 + 5 * 8 + 8 * 8 + 3 * 5 + 3);
  const double bound0 = std::sqrt(6.0 / (1.01 * 6));
  double largest = 0;
  for (std::size_t i = 0; i < 48; ++i) largest = std::max(largest, std::abs(model.parameters[layout.w_in[0] + i]));
  CHECK(largest <= bound0);
  CHECK(largest > 0.7 * bound0);  // drawn over the whole range, not a narrower one
  // 8 neurons: max(1, ⌊0.2·8⌋) = 1 inhibitory row (the last), 7 excitatory.
  for (std::size_t row = 0; row < 8; ++row) {
    for (std::size_t col = 0; col < 8; ++col) {
      const double w = model.parameters[layout.w_rec[0] + row * 8 + col];
      if (row < 7) CHECK(w >= 0);
      if (row == 7) CHECK(w <= 0);
    }
  }
  for (std::size_t c = 0; c < 3; ++c) CHECK(model.parameters[layout.readout_biases + c] == 0);
}

TEST_CASE("ChaosModel: readout gradients match central finite differences with the masks fixed", "[dynamics]") {
  chaosnet::Rng rng(5);
  auto config = small_config();
  config.params = {.threshold = 0.5, .noise_std = 0.05, .fail_prob = 0.3, .decay = 0.02, .refractory_decay = 0.9};
  config.mode = chaosnet::TickMode::sequential;
  auto model = chaosnet::make_chaos_model<double>(config, rng);
  const chaosnet::Dataset data = thirds_dataset(4, 9);
  chaosnet::ChaosModelTape<double, 4> tape(model, 17);
  chaosnet::DatasetBatch<4> batch;
  batch.fill_range(data, 0);
  tape.set_batch(batch.rows(), batch.labels());
  auto loss_at = [&] {
    tape.set_stream(17);  // the same noise and failure on every evaluation
    return tape.train_step();
  };
  loss_at();
  const std::vector<double> analytic(tape.gradients().begin(), tape.gradients().end());
  const chaosnet::ChaosModelLayout layout(config);
  std::size_t nonzero = 0;
  for (std::size_t i = layout.readout_weights; i < layout.total; ++i) {
    double& w = tape.parameters()[i];
    const double saved = w, h = 1e-6;
    w = saved + h;
    const double up = loss_at();
    w = saved - h;
    const double down = loss_at();
    w = saved;
    const double numeric = (up - down) / (2 * h);
    INFO("parameter " << i);
    CHECK(std::abs(analytic[i] - numeric) <= 1e-7 * std::max(1.0, std::abs(numeric)));
    nonzero += analytic[i] != 0 ? 1 : 0;
  }
  CHECK(nonzero > 3);
}

TEST_CASE("ChaosModel: training with the seed's setup learns a task far above chance", "[dynamics]") {
  chaosnet::Rng rng(1);
  auto config = small_config();
  config.hidden = {32};
  const auto train = thirds_dataset(640, 1), validation = thirds_dataset(128, 2);
  auto model = chaosnet::make_chaos_model<float>(config, rng);
  chaosnet::ChaosTrainOptions options;
  options.epochs = 5;
  options.max_learning_rate = 1e-2;
  std::size_t steps = 0;
  const auto result = chaosnet::train_chaos_model<float, 32>(model, train, validation, options,
                                                             [&](std::size_t, std::size_t) { ++steps; });
  CHECK(steps == 5 * 20);
  REQUIRE(result.epochs.size() == 5);
  CHECK(result.epochs[result.best_epoch].validation_accuracy > 0.9);
  CHECK(result.epochs.back().loss < result.epochs.front().loss);
  // The kept parameters are the best epoch's: evaluating them again gives its accuracy.
  chaosnet::ChaosModelTape<float, 32> tape(model);
  CHECK(chaosnet::evaluate_chaos_accuracy(tape, validation, options.validation_mask_seed) ==
        Approx(result.epochs[result.best_epoch].validation_accuracy));
}

TEST_CASE("one_cycle_learning_rate: PyTorch's OneCycleLR (cosine, two phases)", "[dynamics][train]") {
  // torch.optim.lr_scheduler.OneCycleLR(max_lr=2e-3, total_steps=100, pct_start=0.2), torch 1.13.
  const std::pair<std::size_t, double> expected[] = {{0, 8e-05}, {1, 9.309314873338654e-05},
                                                     {10, 0.001119276171653439}, {19, 0.002},
                                                     {20, 0.0019992290393245783}, {50, 0.0013461196726092645},
                                                     {99, 8e-09}};
  for (const auto& [step, lr] : expected) {
    INFO("step " << step);
    CHECK(chaosnet::one_cycle_learning_rate(2e-3, step, 100, 0.2) == Approx(lr).epsilon(1e-12));
  }
}

TEST_CASE("clip_gradient_norm: scales to the maximum norm and leaves small gradients alone", "[dynamics][train]") {
  std::vector<double> g = {3, 4};
  CHECK(chaosnet::clip_gradient_norm<double>(g, 1.0) == Approx(5));
  CHECK(std::hypot(g[0], g[1]) == Approx(1.0).epsilon(1e-6));
  std::vector<double> small = {0.3, 0.4};
  chaosnet::clip_gradient_norm<double>(small, 1.0);
  CHECK(small == std::vector<double>{0.3, 0.4});
}
