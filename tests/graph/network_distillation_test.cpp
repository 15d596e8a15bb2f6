// Network::set_distillation: the recorded loss is the mean distillation loss of the network's own
// logits, its gradients match finite differences, α = 0 is exactly the NLL network, batches must
// carry teacher rows, std::nullopt goes back to the NLL, and copies keep the setting.

#include <support/network_finite_differences.hpp>
#include <support/random_dag.hpp>

#include <chaosnet/chaosnet.hpp>

#include <catch2/catch.hpp>

#include <array>
#include <cmath>
#include <cstddef>
#include <optional>
#include <vector>

using chaosnet::Distillation;
using chaosnet::Rng;
using Net = chaosnet::Network<double, 4>;
using chaosnet_test::RandomBatch;

namespace {

/// A random batch with a teacher row per sample (random probabilities, one of them exactly 0).
struct TeacherBatch {
  RandomBatch<4> samples;
  std::vector<float> probabilities;
  std::array<const float*, 4> teacher{};

  TeacherBatch(Rng& rng, std::size_t features, std::size_t classes)
      : samples(rng, features, classes), probabilities(4 * classes) {
    for (std::size_t k = 0; k < 4; ++k) {
      float* row = probabilities.data() + k * classes;
      double sum = 0;
      for (std::size_t c = 0; c < classes; ++c) {
        sum += row[c] = static_cast<float>(0.05 + chaosnet::util::uniform_unit(rng));
      }
      for (std::size_t c = 0; c < classes; ++c) row[c] = static_cast<float>(row[c] / sum);
      teacher[k] = row;
    }
    probabilities[0] += probabilities[1];  // sample 0 gives class 1 nothing: 0·log 0 = 0
    probabilities[1] = 0.0f;
  }
  [[nodiscard]] chaosnet::BatchRef ref() const { return {samples.rows, samples.labels, teacher}; }
};

/// The mean over the batch of α·T²·KL(p ‖ softmax(z/T)) + (1 − α)·(−log softmax(z)_y), written out
/// from the network's own logits.
double distillation_by_hand(Net& net, const TeacherBatch& batch, const Distillation& d) {
  std::vector<Net::Batch> logits(net.output_count());
  net.predict_logits(batch.samples.rows, logits);
  const std::size_t classes = logits.size();
  double total = 0;
  for (std::size_t k = 0; k < 4; ++k) {
    const auto z = [&](std::size_t c) { return logits[c][static_cast<Eigen::Index>(k)]; };
    double max = z(0);
    for (std::size_t c = 1; c < classes; ++c) max = std::max(max, z(c));
    double sum = 0, sum_t = 0;
    for (std::size_t c = 0; c < classes; ++c) {
      sum += std::exp(z(c) - max);
      sum_t += std::exp((z(c) - max) / d.temperature);
    }
    double kl = 0;
    for (std::size_t c = 0; c < classes; ++c) {
      const double p = batch.teacher[k][c];
      const double log_q = (z(c) - max) / d.temperature - std::log(sum_t);
      if (p > 0) kl += p * (std::log(p) - log_q);
    }
    const auto y = static_cast<std::size_t>(batch.samples.labels[k]);
    const double nll = -(z(y) - max - std::log(sum));
    total += d.alpha * d.temperature * d.temperature * kl + (1 - d.alpha) * nll;
  }
  return total / 4;
}

}  // namespace

TEST_CASE("Network distillation: the loss is the mean distillation loss of the network's logits",
          "[graph][network][distillation]") {
  for (const Distillation d : {Distillation{0.5, 4.0}, Distillation{0.3, 1.0}, Distillation{1.0, 2.5},
                               Distillation{0.9, 0.5}}) {
    INFO("alpha " << d.alpha << ", T " << d.temperature);
    Rng rng(12);
    Net net = chaosnet_test::random_dag<Net>(rng);
    net.set_distillation(d);
    REQUIRE(net.distillation().has_value());
    for (int b = 0; b < 3; ++b) {  // the first records, the others replay with new teacher rows
      const TeacherBatch batch(rng, net.input_count(), net.output_count());
      const double loss = net.compute_gradients(batch.ref());
      CHECK(loss == Approx(distillation_by_hand(net, batch, d)).epsilon(1e-12));
    }
    CHECK(net.recordings() == 1);
  }
}

TEST_CASE("Network distillation: gradients match finite differences", "[graph][network][distillation]") {
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    Rng rng(seed);
    Net net = chaosnet_test::random_dag<Net>(rng);
    net.set_distillation(Distillation{0.1 + 0.25 * static_cast<double>(seed - 1), 0.5 + static_cast<double>(seed)});
    const TeacherBatch batch(rng, net.input_count(), net.output_count());
    INFO("seed " << seed);
    CHECK(chaosnet_test::network_gradient_error(net, batch.ref()) <= 1e-6);
    // Not the NLL's gradients: the teacher term is in them.
    Net nll = net;
    nll.set_distillation(std::nullopt);
    nll.compute_gradients(batch.samples.ref());
    net.compute_gradients(batch.ref());
    const std::vector<double> a(net.gradients().begin(), net.gradients().end());
    const std::vector<double> b(nll.gradients().begin(), nll.gradients().end());
    CHECK(chaosnet::relative_error(a, b) > 1e-3);
  }
}

TEST_CASE("Network distillation: alpha 0 is exactly the NLL network", "[graph][network][distillation]") {
  Rng rng(3);
  Net nll = chaosnet_test::random_dag<Net>(rng);
  Net distilling = nll;
  distilling.set_distillation(Distillation{0.0, 3.0});
  for (int b = 0; b < 2; ++b) {
    const TeacherBatch batch(rng, nll.input_count(), nll.output_count());
    const double expected = nll.compute_gradients(batch.samples.ref());
    CHECK(distilling.compute_gradients(batch.ref()) == expected);
    const std::vector<double> a(distilling.gradients().begin(), distilling.gradients().end());
    const std::vector<double> b2(nll.gradients().begin(), nll.gradients().end());
    CHECK(a == b2);
  }
}

TEST_CASE("Network distillation: teacher rows are required, nullopt returns to the NLL, copies keep it",
          "[graph][network][distillation]") {
  Rng rng(4);
  Net net = chaosnet_test::random_dag<Net>(rng);
  const Net plain = net;
  const TeacherBatch batch(rng, net.input_count(), net.output_count());
  Net reference = plain;
  const double nll_loss = reference.compute_gradients(batch.samples.ref());

  // Switching after a recording records again with the new loss.
  CHECK(net.compute_gradients(batch.samples.ref()) == nll_loss);
  const Distillation d{0.7, 2.0};
  net.set_distillation(d);
  CHECK_THROWS_WITH(net.compute_gradients(batch.samples.ref()), Catch::Contains("teacher probabilities"));
  const double distilled = net.compute_gradients(batch.ref());
  CHECK(distilled == Approx(distillation_by_hand(net, batch, d)).epsilon(1e-12));
  CHECK(distilled != Approx(nll_loss).epsilon(1e-6));

  Net copy = net;
  REQUIRE(copy.distillation().has_value());
  CHECK(copy.distillation()->alpha == 0.7);
  CHECK(copy.distillation()->temperature == 2.0);
  CHECK(copy.compute_gradients(batch.ref()) == distilled);
  CHECK_THROWS_WITH(copy.compute_gradients(batch.samples.ref()), Catch::Contains("teacher probabilities"));
  Net assigned = plain;
  assigned = net;
  REQUIRE(assigned.distillation().has_value());
  CHECK(assigned.compute_gradients(batch.ref()) == distilled);
  Net assigned_plain = net;
  assigned_plain = plain;
  CHECK_FALSE(assigned_plain.distillation().has_value());
  CHECK(assigned_plain.compute_gradients(batch.samples.ref()) == nll_loss);

  net.set_distillation(std::nullopt);
  CHECK_FALSE(net.distillation().has_value());
  CHECK(net.compute_gradients(batch.samples.ref()) == nll_loss);
  CHECK(net.compute_gradients(batch.ref()) == nll_loss);  // teacher rows are ignored by the NLL
  CHECK(copy.distillation().has_value());                  // the copy is independent
}
