#pragma once

// What one `chaosnet bench` run measures and how: the configurations of a plan, each measured in
// repetitions interleaved across all of them (every configuration once, then again, each time on
// a freshly built copy), so that a slow phase of a busy machine hits all configurations alike;
// the memory probes in child processes; every row's median and range over its repetitions.

#include "bench_format.hpp"
#include "bench_system.hpp"
#include "bench_workloads.hpp"
#include "cli_common.hpp"

#include <chaosnet/chaosnet.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace chaosnet::cli {

/// The batch sizes the benchmark compiles: the CLI's (with_batch_size) and, on purpose, 128 and
/// 256, which carry the batch sweep on past 64 to where the working set outgrows the caches; so
/// this list stays the benchmark's own, not the library's list of the CLI's compiled sizes.
inline constexpr int bench_batch_sizes[] = {1, 16, 32, 64, 128, 256};

/// Calls f.template operator()<N>() for the batch size of bench_batch_sizes equal to `batch`.
template <class F>
decltype(auto) with_bench_batch_size(int batch, F&& f) {
  switch (batch) {
    case 128: return f.template operator()<128>();
    case 256: return f.template operator()<256>();
    default: return with_batch_size(batch, std::forward<F>(f));
  }
}
/// The network of the targets and of the batch sweep, and the sweeps' batch size.
inline constexpr std::size_t reference_edges = 10000;
inline constexpr int reference_batch = 32;
/// Memory is measured at this batch size.
inline constexpr int memory_batch = 64;
/// Below this share of their wall time on a core, the threads were disturbed by other processes.
inline constexpr double undisturbed_cpu_share = 0.95;
/// Above this max/min of a row's repetitions, the machine ran at different speeds during the run
/// (a VM's neighbours can slow a core without taking it, which the cpu share does not show).
inline constexpr double steady_spread = 1.25;

/// train_failure: training with half the hidden nodes failing (seed 002), measured at the
/// reference configuration only, for the target on its cost.
enum class BenchMode { train, infer, dense, train_failure };

inline const char* to_string(BenchMode mode) {
  switch (mode) {
    case BenchMode::train: return "train";
    case BenchMode::infer: return "infer";
    case BenchMode::dense: return "dense";
    case BenchMode::train_failure: return "train+fail";
  }
  return "?";
}

/// The failure of the train_failure rows: the seed's headline rate, no noise.
inline constexpr double bench_fail_prob = 0.5;

/// Whether a configuration is the reference one the targets judge (and train_failure runs at).
inline bool is_reference(std::size_t edges, int batch, unsigned threads) {
  return edges == reference_edges && batch == reference_batch && threads == 1;
}

/// One configuration and its measurements, one per repetition.
struct BenchRow {
  BenchMode mode = BenchMode::train;
  std::size_t nominal_edges = 0;  ///< the size asked for (10000 for "10K")
  std::size_t edges = 0;          ///< DAG edges, or MLP weights
  std::size_t hidden = 0;         ///< DAG hidden nodes, or MLP hidden units
  int batch = 0;
  unsigned threads = 0;
  double working_set = 0;                ///< bytes, see dag_working_set and DenseStep::working_set
  std::vector<Throughput> repetitions;  ///< in the order they ran
  double dense_ns = 0;  ///< the dense reference's median ns per weight·sample, same batch and threads

  [[nodiscard]] Spread conn_samples_per_s() const {
    return over_repetitions([&](const Throughput& t) { return conn_samples_per_s(t); });
  }
  [[nodiscard]] double conn_samples_per_s(const Throughput& t) const {
    return static_cast<double>(edges) * t.samples_per_s;
  }
  /// From the threads' CPU time, so that it is the cost on a core even when other processes
  /// took turns on it (conn_samples_per_s() is wall-clock).
  [[nodiscard]] Spread ns_per_edge_sample() const {
    return over_repetitions([&](const Throughput& t) { return ns_per_edge_sample(t); });
  }
  [[nodiscard]] double ns_per_edge_sample(const Throughput& t) const {
    return t.cpu_seconds * 1e9 / (static_cast<double>(edges) * static_cast<double>(t.samples));
  }
  [[nodiscard]] Spread samples_per_s() const {
    return over_repetitions([](const Throughput& t) { return t.samples_per_s; });
  }
  [[nodiscard]] Spread cpu_share() const {
    return over_repetitions([](const Throughput& t) { return t.cpu_share; });
  }
  /// Whether other processes took a noticeable share of the cores in most repetitions.
  [[nodiscard]] bool disturbed() const { return cpu_share().median < undisturbed_cpu_share; }
  /// Whether the repetitions disagree so much that the median may differ from run to run.
  [[nodiscard]] bool unsteady() const {
    const Spread rate = conn_samples_per_s();
    return rate.max > steady_spread * rate.min;
  }
  [[nodiscard]] double ratio_to_dense() const { return ns_per_edge_sample().median / dense_ns; }

 private:
  template <class F>
  [[nodiscard]] Spread over_repetitions(F figure) const {
    std::vector<double> values;
    for (const Throughput& t : repetitions) values.push_back(figure(t));
    return spread_of(std::move(values));
  }
};

/// What one run measures.
struct BenchPlan {
  std::vector<std::size_t> table_edges;  ///< nominal sizes of the main table and the memory figures
  std::vector<std::size_t> sweep_edges;  ///< nominal sizes of the edge sweep
  std::vector<int> batches;              ///< of the main table
  std::vector<unsigned> threads;         ///< of the main table
  Budget budget;                         ///< of each measurement
  std::size_t repeats = 5;               ///< measurements of every configuration
  std::size_t pool_samples = 4096;       ///< per thread: 12.5 MiB, beyond L2 like a real dataset
  std::size_t fan = 10;                  ///< random in- and out-edges of every hidden node
  std::uint64_t seed = 1;                ///< of the networks and data
  bool quick = false;                    ///< whether --quick chose the sizes and the budget
  /// (batch, threads) to measure, by nominal size, ascending: each network is built once.
  std::map<std::size_t, std::set<std::pair<int, unsigned>>> configs;

  [[nodiscard]] std::size_t runs() const {
    std::size_t measurements = 0;
    for (const auto& [edges, set] : configs) {
      measurements += 3 * set.size();
      for (const auto& [batch, thread_count] : set) measurements += is_reference(edges, batch, thread_count) ? 1u : 0u;
    }
    return table_edges.size() + repeats * measurements;  // memory probes, then the timings
  }
  /// The most threads a configuration uses, and at least the two of the two-thread target.
  [[nodiscard]] unsigned most_threads() const {
    return std::max(*std::max_element(threads.begin(), threads.end()), 2u);
  }
};

/// A row of `mode` for the configuration, without measurements yet.
template <int N>
BenchRow describe_row(BenchMode mode, const Topology<float>& topology, std::size_t nominal_edges, unsigned threads) {
  BenchRow row;
  row.mode = mode;
  row.nominal_edges = nominal_edges;
  row.edges = topology.edge_count();
  row.hidden = topology.normal_count();
  row.batch = N;
  row.threads = threads;
  row.working_set = dag_working_set(topology, N);
  if (mode == BenchMode::dense) {
    row.hidden = std::max<std::size_t>(
        1, static_cast<std::size_t>(std::lround(static_cast<double>(topology.edge_count()) /
                                                static_cast<double>(bench_inputs + bench_classes))));
    row.edges = DenseStep::weights(row.hidden);
    row.working_set = DenseStep::working_set(row.hidden, N);
  }
  return row;
}

/// One measurement of a row: `threads` independent copies, each built afresh with its own pool.
template <int N>
Throughput measure_row(const BenchRow& row, const Topology<float>& topology, const std::vector<Dataset>& pools,
                       const Budget& budget, std::uint64_t seed) {
  switch (row.mode) {
    case BenchMode::dense:
      return time_on_threads(row.threads, N, budget,
                             [&](unsigned t) { return DenseStep(row.hidden, N, pools[t], seed + t); });
    case BenchMode::train:
      return time_on_threads(row.threads, N, budget,
                             [&](unsigned t) { return TrainStep<N>(topology, pools[t], seed + t); });
    case BenchMode::infer:
      return time_on_threads(row.threads, N, budget,
                             [&](unsigned t) { return InferStep<N>(topology, pools[t], seed + t); });
    case BenchMode::train_failure:
      return time_on_threads(row.threads, N, budget, [&](unsigned t) {
        return TrainStep<N>(topology, pools[t], seed + t, NodeFailure{.fail_prob = bench_fail_prob, .seed = seed + t});
      });
  }
  throw std::logic_error("unknown bench mode");
}

/// Memory of one network training at batch N, measured in a child process (see --help).
struct MemoryFigures {
  std::size_t edges = 0;
  std::size_t baseline = 0;  ///< RSS before building: the program and a small pool
  std::size_t built = 0;     ///< RSS with the network built
  std::size_t trained = 0;   ///< RSS after 3 training steps: tape recorded, optimizer state
  std::size_t peak = 0;      ///< peak RSS of the process (VmHWM)
  double working_set = 0;    ///< the lower-bound estimate the sweeps use, to compare
  int batch = 0;

  [[nodiscard]] double network_bytes() const { return static_cast<double>(peak - baseline); }
  [[nodiscard]] double bytes_per_edge() const { return network_bytes() / static_cast<double>(edges); }
};

template <int N>
MemoryFigures measure_memory(std::size_t hidden, std::size_t fan, std::uint64_t seed) {
  const Dataset pool = make_sample_pool(4 * N, seed);
  MemoryFigures m;
  m.batch = N;
  m.baseline = status_bytes("VmRSS");
  TrainStep<N> step(make_bench_dag(hidden, fan, seed), pool, seed);
  m.built = status_bytes("VmRSS");
  for (int i = 0; i < 3; ++i) step();
  m.trained = status_bytes("VmRSS");
  m.peak = status_bytes("VmHWM");
  m.edges = step.network().edge_count();
  m.working_set = dag_working_set(step.network(), N);
  return m;
}

/// A sweep: rows of the same modes along one axis (edges or batch).
struct Sweep {
  std::string axis;  ///< "edges" or "batch"
  std::vector<std::array<BenchRow, 3>> points;  ///< dense, train, infer per point
};

/// All results of a run, by mode, nominal size, batch and threads.
class BenchResults {
 public:
  /// The row of `shape`'s configuration, made from it when first asked for.
  BenchRow& row(const BenchRow& shape) {
    return rows_.try_emplace({shape.mode, shape.nominal_edges, shape.batch, shape.threads}, shape).first->second;
  }
  /// Once every repetition ran: each row's dense reference, from the medians.
  void compare_with_dense() {
    for (auto& [key, row] : rows_) {
      row.dense_ns = at(BenchMode::dense, key.edges, key.batch, key.threads).ns_per_edge_sample().median;
    }
  }
  [[nodiscard]] const BenchRow& at(BenchMode mode, std::size_t edges, int batch, unsigned threads) const {
    return rows_.at({mode, edges, batch, threads});
  }
  /// dense, train, infer of one configuration.
  [[nodiscard]] std::array<BenchRow, 3> config(std::size_t edges, int batch, unsigned threads) const {
    return {at(BenchMode::dense, edges, batch, threads), at(BenchMode::train, edges, batch, threads),
            at(BenchMode::infer, edges, batch, threads)};
  }
  /// The main table: per nominal size of the plan, its rows by batch, threads and mode.
  [[nodiscard]] std::vector<std::vector<BenchRow>> table(const BenchPlan& plan) const {
    std::vector<std::vector<BenchRow>> groups;
    for (const std::size_t edges : plan.table_edges) {
      std::vector<BenchRow>& group = groups.emplace_back();
      for (const int batch : plan.batches) {
        for (const unsigned threads : plan.threads) {
          for (const BenchRow& row : config(edges, batch, threads)) group.push_back(row);
        }
      }
    }
    return groups;
  }
  /// The edge sweep (batch 32) and the batch sweep (10K edges), both on 1 thread.
  [[nodiscard]] std::vector<Sweep> sweeps(const BenchPlan& plan) const {
    std::vector<Sweep> sweeps{{"edges", {}}, {"batch", {}}};
    for (const std::size_t edges : plan.sweep_edges) sweeps[0].points.push_back(config(edges, reference_batch, 1));
    for (const int batch : bench_batch_sizes) sweeps[1].points.push_back(config(reference_edges, batch, 1));
    return sweeps;
  }

 private:
  struct Key {
    BenchMode mode;
    std::size_t edges;
    int batch;
    unsigned threads;
    auto operator<=>(const Key&) const = default;
  };
  std::map<Key, BenchRow> rows_;
};

/// Everything a run measured.
struct BenchMeasurements {
  std::vector<MemoryFigures> memory;  ///< per nominal size of the main table
  BenchResults results;
};

/// Runs the plan with a progress bar: the memory probes, then every configuration in each
/// repetition in turn.
inline BenchMeasurements measure_bench(const BenchPlan& plan) {
  BenchMeasurements measured;
  ProgressBar bar("  benchmark", "runs");
  std::size_t done = 0;
  // Memory first, each in a child forked from this still small process (see --help).
  for (const std::size_t edges : plan.table_edges) {
    bar.update(done, plan.runs(), "memory " + size_label(edges));
    const std::size_t hidden = hidden_for_edges(edges, plan.fan);
    measured.memory.push_back(
        in_child_process([&] { return measure_memory<memory_batch>(hidden, plan.fan, plan.seed); }));
    ++done;
  }

  std::vector<Dataset> pools;
  const unsigned most_threads = plan.most_threads();
  for (unsigned t = 0; t < most_threads; ++t) {
    pools.push_back(make_sample_pool(plan.pool_samples, plan.seed + 1000 + t));
  }
  std::map<std::size_t, Topology<float>> topologies;
  for (const auto& [edges, configs] : plan.configs) {
    topologies.emplace(edges, make_bench_dag(hidden_for_edges(edges, plan.fan), plan.fan, plan.seed));
  }
  // Repetitions outside, configurations inside: a slow phase of the machine hits every row alike.
  for (std::size_t repeat = 1; repeat <= plan.repeats; ++repeat) {
    for (const auto& [edges, configs] : plan.configs) {
      const Topology<float>& topology = topologies.at(edges);
      for (const auto& [batch, threads] : configs) {
        with_bench_batch_size(batch, [&]<int N>() {
          std::vector<BenchMode> modes{BenchMode::dense, BenchMode::train, BenchMode::infer};
          if (is_reference(edges, batch, threads)) modes.push_back(BenchMode::train_failure);
          for (const BenchMode mode : modes) {
            bar.update(done, plan.runs(),
                       "repetition " + std::to_string(repeat) + "/" + std::to_string(plan.repeats) + ": " +
                           to_string(mode) + " " + size_label(edges) + " b" + std::to_string(batch) + " t" +
                           std::to_string(threads));
            BenchRow& row = measured.results.row(describe_row<N>(mode, topology, edges, threads));
            row.repetitions.push_back(measure_row<N>(row, topology, pools, plan.budget, plan.seed));
            ++done;
          }
        });
      }
    }
  }
  measured.results.compare_with_dense();
  bar.finish();
  return measured;
}

}  // namespace chaosnet::cli
