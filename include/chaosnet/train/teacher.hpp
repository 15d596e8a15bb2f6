#pragma once

// The teacher side of knowledge distillation: a trained network's class probabilities at the
// distillation temperature, softmax(z/T), for every sample of the training set, computed once
// before training (the teacher does not change, and its inference would otherwise cost more
// than the student's training). Augmented (shifted) images reuse the probabilities of the
// unshifted image: a shift of a pixel or two does not change what the digit is.

#include <chaosnet/data/dataset.hpp>
#include <chaosnet/graph/network.hpp>
#include <chaosnet/train/evaluate.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace chaosnet {

class TeacherProbabilities {
 public:
  /// Runs `teacher` over every sample of `data` (which it must fit).
  template <class T, int N>
  TeacherProbabilities(Network<T, N>& teacher, const Dataset& data, double temperature)
      : classes_(teacher.output_count()), temperature_(temperature) {
    if (!(temperature > 0) || !std::isfinite(temperature)) {
      throw std::invalid_argument("chaosnet::TeacherProbabilities: the temperature must be positive, got " +
                                  std::to_string(temperature));
    }
    check_fits(teacher, data, "teacher's");
    probabilities_.resize(data.size() * classes_);
    std::vector<typename Network<T, N>::Batch> logits(classes_);
    DatasetBatch<N> batch;
    std::vector<double> z(classes_);
    for (std::size_t first = 0; first < data.size(); first += static_cast<std::size_t>(N)) {
      batch.fill_range(data, first);
      teacher.predict_logits(batch.rows(), logits);
      const std::size_t count = std::min<std::size_t>(static_cast<std::size_t>(N), data.size() - first);
      for (std::size_t k = 0; k < count; ++k) {
        for (std::size_t c = 0; c < classes_; ++c) {
          z[c] = static_cast<double>(logits[c][static_cast<Eigen::Index>(k)]) / temperature;
        }
        const double max = *std::max_element(z.begin(), z.end());
        double sum = 0;
        for (double& v : z) sum += (v = std::exp(v - max));
        float* out = probabilities_.data() + (first + k) * classes_;
        for (std::size_t c = 0; c < classes_; ++c) out[c] = static_cast<float>(z[c] / sum);
      }
    }
  }

  [[nodiscard]] std::size_t size() const { return classes_ == 0 ? 0 : probabilities_.size() / classes_; }
  [[nodiscard]] std::size_t classes() const { return classes_; }
  [[nodiscard]] double temperature() const { return temperature_; }
  /// The classes() probabilities of sample `i`.
  [[nodiscard]] const float* row(std::size_t i) const { return probabilities_.data() + i * classes_; }

 private:
  std::size_t classes_ = 0;
  double temperature_ = 1;
  std::vector<float> probabilities_;  ///< sample-major, classes() per sample
};

}  // namespace chaosnet
