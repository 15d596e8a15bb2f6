#pragma once

// The performance targets of `chaosnet bench` and whether a run meets them, judged on medians at
// 1 thread and batch 32 on the 10K-edge DAG, with the figures that show it.

#include "bench_format.hpp"
#include "bench_measure.hpp"

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

namespace chaosnet::cli {

/// Training throughput, inference over training, and 2 threads training 2 networks over 1.
inline constexpr double target_train_conn_samples = 5e9;
inline constexpr double target_infer_over_train = 2.0;
inline constexpr double target_two_threads = 1.8;
/// Training with node failure at most 25% slower than without: at least 0.8x its throughput.
inline constexpr double target_failure_over_train = 0.8;

/// One target: what it asks, the median figure measured, and whether it holds.
struct TargetCheck {
  std::string name;
  double required = 0;
  double measured = 0;
  std::string figure;
  double cpu_share = 1;  ///< the lowest median cpu share of the rows it compares
  bool unsteady = false;  ///< whether the repetitions of a row it compares disagree
  [[nodiscard]] bool holds() const { return measured >= required; }
};

inline std::vector<TargetCheck> check_targets(const BenchResults& results) {
  const BenchRow& train1 = results.at(BenchMode::train, reference_edges, reference_batch, 1);
  const BenchRow& infer1 = results.at(BenchMode::infer, reference_edges, reference_batch, 1);
  const BenchRow& train2 = results.at(BenchMode::train, reference_edges, reference_batch, 2);
  auto cpu = [](const BenchRow& a, const BenchRow& b) {
    return std::min(a.cpu_share().median, b.cpu_share().median);
  };
  const double train_rate = train1.conn_samples_per_s().median;
  char figure[128];
  std::vector<TargetCheck> checks;
  std::snprintf(figure, sizeof figure, "%s connection-samples/s, %s ns/edge-sample",
                format_rate(train1.conn_samples_per_s()).c_str(), format_ns(train1.ns_per_edge_sample()).c_str());
  checks.push_back({"training >= 5e9 connection-samples/s (<= 0.2 ns/edge-sample)", target_train_conn_samples,
                    train_rate, figure, train1.cpu_share().median, train1.unsteady()});
  const double infer_ratio = infer1.conn_samples_per_s().median / train_rate;
  std::snprintf(figure, sizeof figure, "%s connection-samples/s = %.2fx training",
                format_rate(infer1.conn_samples_per_s()).c_str(), infer_ratio);
  checks.push_back({"inference >= 2x training", target_infer_over_train, infer_ratio, figure, cpu(infer1, train1),
                    infer1.unsteady() || train1.unsteady()});
  const double scaling = train2.conn_samples_per_s().median / train_rate;
  std::snprintf(figure, sizeof figure, "%s connection-samples/s = %.2fx one thread",
                format_rate(train2.conn_samples_per_s()).c_str(), scaling);
  checks.push_back({"2 threads on 2 networks >= 1.8x one thread (training)", target_two_threads, scaling, figure,
                    cpu(train2, train1), train2.unsteady() || train1.unsteady()});
  const BenchRow& failing = results.at(BenchMode::train_failure, reference_edges, reference_batch, 1);
  const double failure_ratio = failing.conn_samples_per_s().median / train_rate;
  std::snprintf(figure, sizeof figure, "%s connection-samples/s = %.2fx training without (%.0f%% slower)",
                format_rate(failing.conn_samples_per_s()).c_str(), failure_ratio, 100 * (1 / failure_ratio - 1));
  checks.push_back({"training with node failure p 0.5 <= 25% slower (>= 0.8x)", target_failure_over_train,
                    failure_ratio, figure, cpu(failing, train1), failing.unsteady() || train1.unsteady()});
  return checks;
}

}  // namespace chaosnet::cli
