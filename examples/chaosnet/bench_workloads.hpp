#pragma once

// What `chaosnet bench` times: random DAGs, pools of random images, one training or inference
// step of the library (the calls `chaosnet train` and evaluation make, nothing copied), a dense
// Eigen MLP as the physical reference, and a runner that times independent copies on several
// threads at once.

#include "bench_system.hpp"

#include <chaosnet/chaosnet.hpp>

#include <Eigen/Core>

#include <algorithm>
#include <barrier>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <exception>
#include <random>
#include <span>
#include <thread>
#include <utility>
#include <vector>

namespace chaosnet::cli {

inline constexpr std::size_t bench_image_side = 28;  ///< MNIST-sized images: 784 inputs
inline constexpr std::size_t bench_inputs = bench_image_side * bench_image_side;
inline constexpr std::size_t bench_classes = 10;

/// Hidden (Normal) nodes that give a benchmark DAG about `edges` edges: each brings `fan`
/// incoming and `fan` outgoing edges, on top of the initial input→leaf edges.
inline std::size_t hidden_for_edges(std::size_t edges, std::size_t fan) {
  const double initial = TopologyOptions{}.input_edges;
  const double hidden = (static_cast<double>(edges) - initial) / (2.0 * static_cast<double>(fan));
  return static_cast<std::size_t>(std::max(1.0, std::round(hidden)));
}

/// The benchmark DAG: 784 inputs and 10 leaves joined by the seed v0.2 input→leaf edges (about
/// 100), then `hidden` Normal nodes added by add_nodes(), each with `fan` random incoming and
/// `fan` random outgoing edges: about 100 + 2·fan·hidden edges.
inline Topology<float> make_bench_dag(std::size_t hidden, std::size_t fan, std::uint64_t seed) {
  TopologyOptions options;
  options.new_node_edges_in = fan;
  options.new_node_edges_out = fan;
  Rng rng(seed);
  Topology<float> topology(bench_inputs, bench_classes, rng, options);
  add_nodes(topology, NodeKind::normal, hidden, rng);
  return topology;
}

/// `samples` random images in [0, 1] with labels in 0..9: a Dataset, sample-major as training
/// reads one.
inline Dataset make_sample_pool(std::size_t samples, std::uint64_t seed) {
  Rng rng(seed);
  std::uniform_real_distribution<float> pixel(0.0f, 1.0f);
  std::vector<float> pixels(samples * bench_inputs);
  for (float& p : pixels) p = pixel(rng);
  std::vector<int> labels(samples);
  for (int& label : labels) label = static_cast<int>(rng() % bench_classes);
  return Dataset(std::move(pixels), std::move(labels), bench_image_side, bench_image_side,
                 static_cast<int>(bench_classes));
}

/// Bytes a step over the DAG keeps touching, a lower bound: the input values (4 B × batch per
/// input), the value and gradient of every other node (8 B × batch) and the weight, gradient and
/// source index of every edge (12 B).
inline double dag_working_set(const Topology<float>& topology, int batch) {
  const double per_sample = 4.0 * static_cast<double>(topology.input_count()) +
                            8.0 * static_cast<double>(topology.node_count() - topology.input_count());
  return per_sample * batch + 12.0 * static_cast<double>(topology.edge_count());
}

/// A fresh random batch from a pool per call, the way training draws them (a shuffled epoch of
/// the pool): N row pointers into the pool and N labels.
template <int N>
class BatchDrawer {
 public:
  BatchDrawer(const Dataset& pool, std::uint64_t seed)
      : pool_(&pool), sampler_(pool.size(), static_cast<std::size_t>(N)), rng_(seed) {}

  const DatasetBatch<N>& next() {
    batch_.fill(*pool_, sampler_.next(rng_));
    return batch_;
  }

 private:
  const Dataset* pool_;
  BatchSampler sampler_;
  Rng rng_;
  DatasetBatch<N> batch_;
};

/// One training step as train() runs it: training_step() (Network::compute_gradients, forward
/// and backward over the recorded tape, the finiteness checks, then Optimizer::step with Adam),
/// with node failure when one is given. The first step records the tape.
template <int N>
class TrainStep {
 public:
  TrainStep(Topology<float> topology, const Dataset& pool, std::uint64_t seed,
            std::optional<NodeFailure> failure = std::nullopt)
      : net_(std::move(topology)), batches_(pool, seed) {
    net_.set_node_failure(failure);
  }

  void operator()() { loss_sum_ += training_step(net_, optimizer_, batches_.next()).loss; }
  [[nodiscard]] const Network<float, N>& network() const { return net_; }

 private:
  Network<float, N> net_;
  Optimizer<float> optimizer_;  // Adam, lr 1e-3
  BatchDrawer<N> batches_;
  float loss_sum_ = 0;  // consumed, so no step can be optimised away
};

/// One inference step: Network::predict, the no-record forward pass evaluation uses.
template <int N>
class InferStep {
 public:
  InferStep(Topology<float> topology, const Dataset& pool, std::uint64_t seed)
      : net_(std::move(topology)), batches_(pool, seed) {}

  void operator()() { class_sum_ += net_.predict(batches_.next().rows())[0]; }

 private:
  Network<float, N> net_;
  BatchDrawer<N> batches_;
  int class_sum_ = 0;
};

/// The physical reference: a dense 784-H-10 MLP in float Eigen matrices, relu hidden layer,
/// softmax cross-entropy; forward and backward with GEMMs (all weight gradients, no update). Its
/// batch is a random contiguous block of the pool, the columns of a 784 × samples matrix, so it
/// gathers nothing.
class DenseStep {
 public:
  DenseStep(std::size_t hidden, int batch, const Dataset& pool, std::uint64_t seed)
      : pool_(&pool), batch_(batch), rng_(seed) {
    const auto h = static_cast<Eigen::Index>(hidden);
    const auto inputs = static_cast<Eigen::Index>(bench_inputs);
    const auto classes = static_cast<Eigen::Index>(bench_classes);
    const WeightInit init = WeightInit::fan_in();
    w1_ = Matrix::NullaryExpr(h, inputs, [&] { return static_cast<float>(init.weight(rng_, bench_inputs)); });
    w2_ = Matrix::NullaryExpr(classes, h, [&] { return static_cast<float>(init.weight(rng_, hidden)); });
    b1_ = Vector::Zero(h);
    b2_ = Vector::Zero(classes);
  }

  /// Connections of the MLP: 784·H + H·10 weights (biases apart, as for the DAG's edges).
  [[nodiscard]] static std::size_t weights(std::size_t hidden) {
    return hidden * (bench_inputs + bench_classes);
  }
  /// Bytes a step keeps touching: weights and their gradients, the input block and the
  /// activations with their gradients.
  [[nodiscard]] static double working_set(std::size_t hidden, int batch) {
    const double activations = 4.0 * static_cast<double>(bench_inputs + 3 * hidden + 2 * bench_classes);
    return 8.0 * static_cast<double>(weights(hidden)) + activations * batch;
  }

  void operator()() {
    const std::size_t first = std::uniform_int_distribution<std::size_t>(
        0, pool_->size() - static_cast<std::size_t>(batch_))(rng_);
    const Eigen::Map<const Matrix> x(pool_->image(first).data(), static_cast<Eigen::Index>(bench_inputs), batch_);
    z1_.noalias() = w1_ * x;
    z1_.colwise() += b1_;
    a1_ = z1_.cwiseMax(0.0f);
    logits_.noalias() = w2_ * a1_;
    logits_.colwise() += b2_;
    // Softmax per sample, then d loss / d logits = (p − onehot) / batch.
    for (Eigen::Index k = 0; k < batch_; ++k) {
      auto p = logits_.col(k);
      p = (p.array() - p.maxCoeff()).exp();
      p /= p.sum();
      const auto label = static_cast<Eigen::Index>(pool_->label(first + static_cast<std::size_t>(k)));
      loss_sum_ -= std::log(p(label));
      p(label) -= 1.0f;
    }
    logits_ /= static_cast<float>(batch_);
    dw2_.noalias() = logits_ * a1_.transpose();
    db2_ = logits_.rowwise().sum();
    da1_.noalias() = w2_.transpose() * logits_;
    dz1_ = (z1_.array() > 0.0f).select(da1_, 0.0f);
    dw1_.noalias() = dz1_ * x.transpose();
    db1_ = dz1_.rowwise().sum();
  }

 private:
  using Matrix = Eigen::MatrixXf;
  using Vector = Eigen::VectorXf;
  const Dataset* pool_;
  Eigen::Index batch_;
  Rng rng_;
  Matrix w1_, w2_, z1_, a1_, logits_, da1_, dz1_, dw1_, dw2_;
  Vector b1_, b2_, db1_, db2_;
  float loss_sum_ = 0;
};

/// How long one measurement of a configuration runs: long enough that its figure is stable, short
/// enough that every configuration can be measured several times.
struct Budget {
  double warmup_s = 0.05;     ///< untimed steps first (tape recorded, caches warm) ...
  double measure_s = 0.2;     ///< ... then timed steps for at least this long ...
  std::size_t min_steps = 3;  ///< ... and at least this many
};

/// Median and range of one figure over the repetitions of a measurement.
struct Spread {
  double median = 0;
  double min = 0;
  double max = 0;
  std::size_t count = 0;
};

inline Spread spread_of(std::vector<double> values) {
  if (values.empty()) return {};
  std::sort(values.begin(), values.end());
  const std::size_t n = values.size();
  const double median = n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
  return {median, values.front(), values.back(), n};
}

/// The timed phase of one measurement of a configuration, over all its threads.
struct Throughput {
  double samples_per_s = 0;  ///< aggregate: the sum of every thread's samples / seconds
  std::size_t samples = 0;   ///< timed samples of all threads
  std::size_t steps = 0;     ///< timed steps of all threads
  double seconds = 0;        ///< the longest thread's timed phase
  double cpu_seconds = 0;    ///< CPU time the threads got during their timed phases, summed
  /// The share of their wall time the threads were running: below 1 when other processes took
  /// the cores.
  double cpu_share = 0;
};

using BenchClock = std::chrono::steady_clock;

inline double seconds_since(BenchClock::time_point start) {
  return std::chrono::duration<double>(BenchClock::now() - start).count();
}

/// Runs step() until `seconds` have passed and at least `min_steps` ran; returns how many ran.
template <class Step>
std::size_t run_for(Step& step, double seconds, std::size_t min_steps) {
  const auto start = BenchClock::now();
  std::size_t steps = 0;
  do {
    step();
    ++steps;
  } while (steps < min_steps || seconds_since(start) < seconds);
  return steps;
}

/// Times `threads` independent workloads at once, one per thread, each made on its own thread
/// by make(thread index) so that it owns its network copy and data: warm-up, a barrier once
/// every thread is ready, then the timed steps of `batch` samples each.
template <class Make>
Throughput time_on_threads(unsigned threads, int batch, const Budget& budget, Make&& make) {
  std::barrier ready(static_cast<std::ptrdiff_t>(threads));
  std::vector<std::size_t> steps(threads);
  std::vector<double> seconds(threads), cpu_seconds(threads);
  std::vector<std::exception_ptr> errors(threads);
  {
    std::vector<std::jthread> workers;
    for (unsigned t = 0; t < threads; ++t) {
      workers.emplace_back([&, t] {
        bool arrived = false;
        try {
          auto step = make(t);
          run_for(step, budget.warmup_s, 2);
          arrived = true;
          ready.arrive_and_wait();
          const auto start = BenchClock::now();
          const double cpu_start = thread_cpu_seconds();
          steps[t] = run_for(step, budget.measure_s, budget.min_steps);
          cpu_seconds[t] = thread_cpu_seconds() - cpu_start;
          seconds[t] = seconds_since(start);
        } catch (...) {
          errors[t] = std::current_exception();
          if (!arrived) ready.arrive_and_drop();  // the others must not wait for this thread
        }
      });
    }
  }
  for (const std::exception_ptr& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  Throughput result;
  double wall_seconds = 0;
  for (unsigned t = 0; t < threads; ++t) {
    result.samples_per_s += static_cast<double>(steps[t]) * batch / seconds[t];
    result.samples += steps[t] * static_cast<std::size_t>(batch);
    result.steps += steps[t];
    result.seconds = std::max(result.seconds, seconds[t]);
    result.cpu_seconds += cpu_seconds[t];
    wall_seconds += seconds[t];
  }
  result.cpu_share = result.cpu_seconds / wall_seconds;
  return result;
}

}  // namespace chaosnet::cli
