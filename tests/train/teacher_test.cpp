// TeacherProbabilities: every sample's row is softmax(logits / T) of the teacher's own logits,
// including the samples of a final partial batch; rows sum to 1, a higher temperature flattens
// them, and a temperature that is not positive and finite is refused.

#include <chaosnet/train/teacher.hpp>

#include <support/random_dag.hpp>

#include <chaosnet/chaosnet.hpp>

#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

using chaosnet::Dataset;
using chaosnet::Rng;
using chaosnet::TeacherProbabilities;
using Net = chaosnet::Network<double, 4>;

namespace {

/// `count` random 2x3 images with labels in [0, 3).
Dataset random_images(std::size_t count, Rng& rng) {
  std::vector<float> pixels(count * 6);
  std::vector<int> labels(count);
  for (float& p : pixels) p = static_cast<float>(chaosnet::util::uniform_unit(rng));
  for (int& l : labels) l = static_cast<int>(chaosnet::util::uniform_index(rng, 3));
  return Dataset(std::move(pixels), std::move(labels), 2, 3, 3);
}

/// A random network that reads those images.
Net teacher_for_images(Rng& rng) {
  chaosnet_test::DagShape shape;
  shape.inputs = 6;
  return chaosnet_test::random_dag<Net>(rng, shape);
}

/// softmax(z / T) of sample `i` alone, from a batch that holds it in every row.
std::vector<double> expected_row(Net& net, const Dataset& data, std::size_t i, double temperature) {
  std::array<const float*, 4> rows{};
  rows.fill(data.image(i).data());
  std::vector<Net::Batch> logits(net.output_count());
  net.predict_logits(rows, logits);
  std::vector<double> p(logits.size());
  double sum = 0;
  for (std::size_t c = 0; c < p.size(); ++c) sum += p[c] = std::exp(logits[c][0] / temperature);
  for (double& v : p) v /= sum;
  return p;
}

}  // namespace

TEST_CASE("TeacherProbabilities: rows are softmax(z / T) of every sample, partial batch included",
          "[train][teacher]") {
  Rng rng(6);
  Net teacher = teacher_for_images(rng);
  const Dataset data = random_images(10, rng);  // two full batches of 4 and one of 2
  for (const double temperature : {0.5, 1.0, 3.0}) {
    INFO("T " << temperature);
    const TeacherProbabilities probabilities(teacher, data, temperature);
    REQUIRE(probabilities.size() == 10);
    REQUIRE(probabilities.classes() == 3);
    CHECK(probabilities.temperature() == temperature);
    bool any_confident = false;
    for (std::size_t i = 0; i < data.size(); ++i) {
      INFO("sample " << i);
      const std::vector<double> expected = expected_row(teacher, data, i, temperature);
      const float* row = probabilities.row(i);
      double sum = 0;
      for (std::size_t c = 0; c < 3; ++c) {
        CHECK(row[c] == Approx(expected[c]).epsilon(1e-6));
        CHECK(row[c] >= 0.0f);
        sum += row[c];
        any_confident = any_confident || row[c] > 0.5f;
      }
      CHECK(sum == Approx(1.0).epsilon(1e-6));
    }
    if (temperature == 0.5) CHECK(any_confident);  // the comparison is not between uniform rows
  }
}

TEST_CASE("TeacherProbabilities: a higher temperature gives flatter rows", "[train][teacher]") {
  Rng rng(7);
  Net teacher = teacher_for_images(rng);
  const Dataset data = random_images(9, rng);
  const TeacherProbabilities sharp(teacher, data, 1.0), flat(teacher, data, 4.0);
  for (std::size_t i = 0; i < data.size(); ++i) {
    const float* a = sharp.row(i);
    const float* b = flat.row(i);
    const float max_a = *std::max_element(a, a + 3), min_a = *std::min_element(a, a + 3);
    const float max_b = *std::max_element(b, b + 3), min_b = *std::min_element(b, b + 3);
    CHECK(max_b < max_a);
    CHECK(min_b > min_a);
    CHECK(max_b - min_b < max_a - min_a);
  }
}

TEST_CASE("TeacherProbabilities: refuses a bad temperature and a dataset the teacher does not fit",
          "[train][teacher]") {
  Rng rng(8);
  Net teacher = teacher_for_images(rng);
  const Dataset data = random_images(5, rng);
  using limits = std::numeric_limits<double>;
  for (const double bad : {0.0, -1.0, limits::quiet_NaN(), limits::infinity()}) {
    INFO("T " << bad);
    CHECK_THROWS_WITH(TeacherProbabilities(teacher, data, bad), Catch::Contains("temperature must be positive"));
  }
  const Dataset wide(std::vector<float>(5 * 8, 0.5f), std::vector<int>(5, 0), 2, 4, 3);
  CHECK_THROWS_WITH(TeacherProbabilities(teacher, wide, 1.0), Catch::Contains("teacher's set"));
}
