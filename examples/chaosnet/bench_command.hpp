#pragma once

// `chaosnet bench`: training and inference throughput of random DAGs from 1K to 1M edges against
// a dense Eigen MLP with as many weights, on 1 and 2 threads; memory per edge; how throughput
// scales with size and batch and where it falls out of the caches; the performance targets.
// Every figure is the median of interleaved repetitions (every configuration once, then again),
// so that a slow phase of a busy machine hits all configurations alike, shown with its range.

#include "bench_system.hpp"
#include "bench_workloads.hpp"
#include "cli_common.hpp"

#include <chaosnet/chaosnet.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace chaosnet::cli {

struct BenchSettings {
  bool quick = false;
  std::optional<double> seconds;
  std::size_t fan = 10;
  std::size_t repeats = 5;
  std::vector<int> batches{32, 64};
  std::vector<unsigned> threads{1, 2};
  std::uint64_t seed = 1;
  std::filesystem::path out, json, csv, scaling_csv, plot;
};

/// The batch sizes the benchmark compiles: the CLI's, and 128 and 256 for the batch sweep.
template <class F>
decltype(auto) with_bench_batch_size(int batch, F&& f) {
  switch (batch) {
    case 128: return f.template operator()<128>();
    case 256: return f.template operator()<256>();
    default: return with_batch_size(batch, std::forward<F>(f));
  }
}

inline constexpr int bench_batch_sizes[] = {1, 16, 32, 64, 128, 256};
/// The network of the targets and of the batch sweep, and the sweeps' batch size.
inline constexpr std::size_t reference_edges = 10000;
inline constexpr int reference_batch = 32;
/// Memory is measured at this batch size.
inline constexpr int memory_batch = 64;
/// The performance targets, judged on medians at 1 thread and batch 32 on the 10K-edge DAG:
/// training throughput, inference over training, and 2 threads training 2 networks over 1.
inline constexpr double target_train_conn_samples = 5e9;
inline constexpr double target_infer_over_train = 2.0;
inline constexpr double target_two_threads = 1.8;
/// Below this share of their wall time on a core, the threads were disturbed by other processes.
inline constexpr double undisturbed_cpu_share = 0.95;
/// Above this max/min of a row's repetitions, the machine ran at different speeds during the run
/// (a VM's neighbours can slow a core without taking it, which the cpu share does not show).
inline constexpr double steady_spread = 1.25;

inline void add_bench_command(CLI::App& app, BenchSettings& s) {
  CLI::App* cmd = app.add_subcommand(
      "bench", "Measure training and inference throughput (connection-samples/s) of random DAGs "
               "of 1K to 1M edges against a dense MLP, memory per edge and cache scaling");
  cmd->add_flag("--quick", s.quick, "Smoke test: smaller networks and a few milliseconds per measurement");
  cmd->add_option("--seconds", s.seconds,
                  "Timed seconds of each measurement, after a warm-up (default 0.2; --quick 0.005)")
      ->check(above(0.0));
  cmd->add_option("--repeats", s.repeats,
                  "Measurements of every configuration, interleaved; figures are their median")
      ->check(number_in<std::size_t>(1, 1000))
      ->capture_default_str();
  cmd->add_option("--batch", s.batches, "Batch sizes of the main table, any of 1, 16, 32, 64, 128, 256")
      ->delimiter(',')
      ->check(CLI::IsMember(std::vector<int>(std::begin(bench_batch_sizes), std::end(bench_batch_sizes))))
      ->capture_default_str();
  cmd->add_option("--threads", s.threads,
                  "Thread counts of the main table: that many independent networks at once")
      ->delimiter(',')
      ->check(number_in(1u, 256u))
      ->capture_default_str();
  cmd->add_option("--fan", s.fan, "Random incoming and outgoing edges of every hidden node")
      ->check(number_in<std::size_t>(1, 100))
      ->capture_default_str();
  cmd->add_option("--seed", s.seed, "Random seed of the networks and data")
      ->check(at_least<std::uint64_t>(0))
      ->capture_default_str();
  cmd->add_option("--json", s.json, "Write every figure here (header, rows, scaling, memory, targets)");
  cmd->add_option("--csv", s.csv, "Write the main table's rows here");
  cmd->add_option("--scaling-csv", s.scaling_csv, "Write the size and batch sweeps here");
  cmd->add_option("--plot", s.plot, "Draw the sweeps into this PNG (needs gnuplot)");
  cmd->add_option("--out", s.out,
                  "Write bench.json, bench.csv, scaling.csv and scaling.png here, unless named above");
  cmd->footer(R"(What runs, per measurement: a warm-up, then timed steps for --seconds (at least 3 steps) of
  train  Network::compute_gradients (forward + backward over the recorded tape) and
         Optimizer::step (Adam): exactly one step of `chaosnet train`
  infer  Network::predict: the no-record forward pass that evaluation uses
  dense  the reference: an Eigen float MLP 784-H-10 (relu, softmax cross-entropy) with
         H = edges / 794, so about as many weights as the DAG has edges; forward and
         backward with GEMMs (all weight gradients, no update)
Each step takes a fresh batch from a pool of random images in [0, 1] with labels 0..9 (the
DAG: shuffled rows, as training draws them; dense: a random contiguous block).

Repetitions: every configuration is measured --repeats times, interleaved (all configurations
once, then all again), each time on a freshly built copy, so that a slow phase of a busy machine
hits every configuration alike. Each figure is the median of the repetitions, followed by their
range (min-max, in the median's power of ten); ratios (x dense, x one thread, x training) are
of medians.

Networks: random DAGs with 784 inputs and 10 leaves joined by ~100 input->leaf edges (the seed
v0.2 start), then H hidden nodes added by Topology::add_nodes, each with --fan random incoming
and --fan random outgoing edges: edges ~ 100 + 2 * fan * H. Main table: ~1.3K, 10K and 100K
edges. Scaling: 1K, 3K, 10K, 30K, 100K, 300K and 1M edges at batch 32, and batch 1 to 256 on
the 10K network, 1 thread.

Threads: N independent networks trained at once, one per thread, each with its own copy and
pool (what evolution does); throughput is the sum over threads.

Columns:
  connection-samples/s  edges x samples / second (dense: weights x samples / second)
  ns/edge-sample        CPU time per edge and sample, from the threads' CPU clocks (on an
                        idle machine, threads / (connection-samples/s))
  samples/s             samples / second over all threads
  x dense               ns/edge-sample / the dense MLP's ns/weight-sample at the same batch
                        and threads: how much more an edge costs than a dense weight
  cpu                   median share of the wall time the threads ran; below 95% (marked *)
                        other processes took the cores and the wall-clock figures are low;
                        ~ marks rows whose repetitions differ by more than 25% (max over
                        min): the machine's speed changed, so the median may not repeat
  working set           bytes a step keeps touching, a lower bound: 4 B x batch per input,
                        8 B x batch per other node (value, gradient), 12 B per edge (weight,
                        gradient, source index); compared with the L1d/L2/L3 sizes from
                        sysfs, else sysconf, else CPUID ("unknown" when none knows them)
Memory: each main-table network, at batch 64, is built and trained for 3 steps in a child
process; bytes/edge = (peak RSS - RSS before building) / edges, from /proc/self/status.

Run it on an idle machine: the cpu column and the targets say when other processes interfered.)");
}

enum class BenchMode { train, infer, dense };

inline const char* to_string(BenchMode mode) {
  switch (mode) {
    case BenchMode::train: return "train";
    case BenchMode::infer: return "infer";
    case BenchMode::dense: return "dense";
  }
  return "?";
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
  /// (batch, threads) to measure, by nominal size, ascending: each network is built once.
  std::map<std::size_t, std::set<std::pair<int, unsigned>>> configs;

  [[nodiscard]] std::size_t runs() const {
    std::size_t measurements = 0;
    for (const auto& [edges, set] : configs) measurements += 3 * set.size();
    return table_edges.size() + repeats * measurements;  // memory probes, then the timings
  }
};

inline BenchPlan make_bench_plan(const BenchSettings& s) {
  BenchPlan plan;
  plan.batches = s.batches;
  plan.threads = s.threads;
  plan.repeats = s.repeats;
  if (s.quick) {
    plan.table_edges = {1300, 10000};
    plan.sweep_edges = {1000, 3000, 10000, 30000};
    plan.budget = {0.002, 0.005, 2};
    plan.pool_samples = 512;
  } else {
    plan.table_edges = {1300, 10000, 100000};
    plan.sweep_edges = {1000, 3000, 10000, 30000, 100000, 300000, 1000000};
  }
  if (s.seconds) {
    plan.budget.measure_s = *s.seconds;
    plan.budget.warmup_s = std::min(plan.budget.warmup_s, *s.seconds);
  }
  for (const std::size_t edges : plan.table_edges) {
    for (const int batch : plan.batches) {
      for (const unsigned threads : plan.threads) plan.configs[edges].insert({batch, threads});
    }
  }
  for (const std::size_t edges : plan.sweep_edges) plan.configs[edges].insert({reference_batch, 1});
  for (const int batch : bench_batch_sizes) plan.configs[reference_edges].insert({batch, 1});
  plan.configs[reference_edges].insert({reference_batch, 2});  // the two-thread target
  return plan;
}

/// "1.3K", "10K", "1M".
inline std::string size_label(std::size_t edges) {
  std::ostringstream out;
  if (edges >= 1000000) {
    out << static_cast<double>(edges) / 1e6 << 'M';
  } else if (edges >= 1000) {
    out << static_cast<double>(edges) / 1e3 << 'K';
  } else {
    out << edges;
  }
  return out.str();
}

/// "133 KiB", "2.6 MiB".
inline std::string format_bytes(double bytes) {
  char text[32];
  if (bytes >= 1 << 20) {
    std::snprintf(text, sizeof text, "%.1f MiB", bytes / (1 << 20));
  } else {
    std::snprintf(text, sizeof text, "%.0f KiB", bytes / (1 << 10));
  }
  return text;
}

/// A cache size, "unknown" for 0.
inline std::string format_cache(std::size_t bytes) {
  return bytes == 0 ? "unknown" : format_bytes(static_cast<double>(bytes));
}

/// "4.47e9 (4.31-4.52)": the median and the range of the repetitions, in the median's power of
/// ten; the median alone after a single repetition.
inline std::string format_rate(const Spread& s) {
  int exponent = s.median > 0 ? static_cast<int>(std::floor(std::log10(s.median))) : 0;
  if (std::round(s.median / std::pow(10.0, exponent) * 100) >= 1000) ++exponent;  // 9.996e9 is 1.00e10
  const double scale = std::pow(10.0, exponent);
  char text[64];
  if (s.count > 1) {
    std::snprintf(text, sizeof text, "%.2fe%d (%.2f-%.2f)", s.median / scale, exponent, s.min / scale, s.max / scale);
  } else {
    std::snprintf(text, sizeof text, "%.2fe%d", s.median / scale, exponent);
  }
  return text;
}

/// "0.224 (0.219-0.231)": nanoseconds, the median and the range of the repetitions.
inline std::string format_ns(const Spread& s) {
  char text[64];
  if (s.count > 1) {
    std::snprintf(text, sizeof text, "%.3f (%.3f-%.3f)", s.median, s.min, s.max);
  } else {
    std::snprintf(text, sizeof text, "%.3f", s.median);
  }
  return text;
}

/// The smallest cache that holds `bytes`: "L1", "L2", "L3" or "RAM"; "unknown" when the size of a
/// level it would have to be compared with is not known.
inline std::string cache_level(double bytes, const CacheSizes& caches) {
  const std::pair<const char*, std::size_t> levels[] = {{"L1", caches.l1d}, {"L2", caches.l2}, {"L3", caches.l3}};
  for (const auto& [name, size] : levels) {
    if (size == 0) return "unknown";
    if (bytes <= static_cast<double>(size)) return name;
  }
  return "RAM";
}

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

inline void print_memory(const std::vector<MemoryFigures>& memory) {
  std::printf("memory at batch %d (each network in its own process; RSS from /proc/self/status):\n", memory_batch);
  std::printf("  %10s %10s %15s %13s %11s %13s %13s\n", "edges", "topology", "training state", "network peak",
              "bytes/edge", "process peak", "working set");
  for (const MemoryFigures& m : memory) {
    std::printf("  %10s %10s %15s %13s %11.0f %13s %13s\n", with_commas(double(m.edges)).c_str(),
                format_bytes(double(m.built - m.baseline)).c_str(), format_bytes(double(m.trained - m.built)).c_str(),
                format_bytes(m.network_bytes()).c_str(), m.bytes_per_edge(), format_bytes(double(m.peak)).c_str(),
                format_bytes(m.working_set).c_str());
  }
  std::printf("  (topology = graph and parameters; training state = recorded tape, gradients, Adam state;\n"
              "   network peak = peak RSS - RSS before building; process peak includes the program;\n"
              "   working set = the lower-bound estimate the scaling tables compare with the caches)\n\n");
}

inline nlohmann::json to_json(const MemoryFigures& m) {
  return {{"edges", m.edges},
          {"batch", m.batch},
          {"baseline_rss_bytes", m.baseline},
          {"topology_bytes", m.built - m.baseline},
          {"training_state_bytes", m.trained - m.built},
          {"network_peak_bytes", m.network_bytes()},
          {"bytes_per_edge", m.bytes_per_edge()},
          {"process_peak_rss_bytes", m.peak},
          {"working_set_estimate_bytes", m.working_set}};
}

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

/// A sweep: rows of the same modes along one axis (edges or batch).
struct Sweep {
  std::string axis;  ///< "edges" or "batch"
  std::vector<std::array<BenchRow, 3>> points;  ///< dense, train, infer per point
};

/// Where the training working set along a sweep crosses a cache size: (label, x) with x
/// interpolated between the neighbouring points (the working set grows linearly along both axes).
inline std::vector<std::pair<std::string, double>> cache_crossings(const Sweep& sweep, const CacheSizes& caches) {
  std::vector<std::pair<std::string, double>> crossings;
  const std::pair<const char*, std::size_t> levels[] = {{"L1d", caches.l1d}, {"L2", caches.l2}, {"L3", caches.l3}};
  auto x_of = [&](const BenchRow& r) {
    return sweep.axis == "edges" ? static_cast<double>(r.edges) : static_cast<double>(r.batch);
  };
  for (std::size_t i = 0; i + 1 < sweep.points.size(); ++i) {
    const BenchRow& a = sweep.points[i][1];
    const BenchRow& b = sweep.points[i + 1][1];
    for (const auto& [name, size] : levels) {
      const auto bytes = static_cast<double>(size);
      if (size == 0 || a.working_set > bytes || b.working_set <= bytes) continue;
      const double x = x_of(a) + (bytes - a.working_set) * (x_of(b) - x_of(a)) / (b.working_set - a.working_set);
      crossings.emplace_back(std::string(name) + " " + format_bytes(bytes), x);
    }
  }
  return crossings;
}

inline void print_table_header() {
  std::printf("  %-5s %10s %7s %5s %7s %19s %19s %12s %7s %5s\n", "mode", "edges", "hidden", "batch", "threads",
              "conn-samples/s", "ns/edge-sample", "samples/s", "x dense", "cpu");
}

/// After the cpu share: "*" when other processes took the cores, "~" when the repetitions disagree.
inline std::string marks(bool disturbed, bool unsteady) {
  return std::string(disturbed ? "*" : "") + (unsteady ? "~" : "");
}

inline void print_row(const BenchRow& r) {
  std::printf("  %-5s %10s %7s %5d %7u %19s %19s %12s %7.1f %4.0f%%%s\n", to_string(r.mode),
              with_commas(double(r.edges)).c_str(), with_commas(double(r.hidden)).c_str(), r.batch, r.threads,
              format_rate(r.conn_samples_per_s()).c_str(), format_ns(r.ns_per_edge_sample()).c_str(),
              with_commas(r.samples_per_s().median).c_str(), r.ratio_to_dense(), 100 * r.cpu_share().median,
              marks(r.disturbed(), r.unsteady()).c_str());
}

/// A sweep as a table with the working set and the cache that holds it, then where training
/// and inference throughput change as the working set leaves a cache.
inline void print_sweep(const Sweep& sweep, const CacheSizes& caches) {
  std::printf("  %10s %5s %12s %7s %19s %19s %19s %19s %7s %5s\n", "edges", "batch", "working set", "fits",
              "train c-s/s", "infer c-s/s", "dense c-s/s", "train ns", "x dense", "cpu");
  for (const auto& [dense, train, infer] : sweep.points) {
    const double cpu_share =
        std::min({dense.cpu_share().median, train.cpu_share().median, infer.cpu_share().median});
    std::printf("  %10s %5d %12s %7s %19s %19s %19s %19s %7.1f %4.0f%%%s\n", with_commas(double(train.edges)).c_str(),
                train.batch, format_bytes(train.working_set).c_str(), cache_level(train.working_set, caches).c_str(),
                format_rate(train.conn_samples_per_s()).c_str(), format_rate(infer.conn_samples_per_s()).c_str(),
                format_rate(dense.conn_samples_per_s()).c_str(), format_ns(train.ns_per_edge_sample()).c_str(),
                train.ratio_to_dense(), 100 * cpu_share,
                marks(cpu_share < undisturbed_cpu_share, dense.unsteady() || train.unsteady() || infer.unsteady())
                    .c_str());
  }
  auto at = [&](const BenchRow& r) {
    return sweep.axis == "edges" ? with_commas(double(r.edges)) + " edges" : "batch " + std::to_string(r.batch);
  };
  auto change = [](const BenchRow& a, const BenchRow& b) {
    return 100 * (b.conn_samples_per_s().median / a.conn_samples_per_s().median - 1);
  };
  bool crossed = false, unknown = false;
  for (std::size_t i = 0; i + 1 < sweep.points.size(); ++i) {
    const auto& [dense_a, train_a, infer_a] = sweep.points[i];
    const auto& [dense_b, train_b, infer_b] = sweep.points[i + 1];
    const std::string from = cache_level(train_a.working_set, caches);
    const std::string to = cache_level(train_b.working_set, caches);
    unknown = unknown || from == "unknown" || to == "unknown";
    if (from == to || from == "unknown" || to == "unknown") continue;
    crossed = true;
    std::printf("  -> out of %s into %s between %s and %s (working set %s -> %s): training %+.0f%%, "
                "inference %+.0f%%\n",
                from.c_str(), to.c_str(), at(train_a).c_str(), at(train_b).c_str(),
                format_bytes(train_a.working_set).c_str(), format_bytes(train_b.working_set).c_str(),
                change(train_a, train_b), change(infer_a, infer_b));
  }
  if (unknown) {
    std::printf("  -> some cache sizes are unknown: which cache holds a working set cannot be told there\n");
  } else if (!crossed && !sweep.points.empty()) {
    std::printf("  -> the whole sweep fits in %s\n", cache_level(sweep.points.back()[1].working_set, caches).c_str());
  }
  // Where each curve peaks and what is left of the peak at the end of the sweep.
  for (const std::size_t m : {std::size_t{1}, std::size_t{2}}) {
    const auto best = std::max_element(sweep.points.begin(), sweep.points.end(), [&](const auto& a, const auto& b) {
      return a[m].conn_samples_per_s().median < b[m].conn_samples_per_s().median;
    });
    if (best == sweep.points.end() || best + 1 == sweep.points.end()) continue;
    const BenchRow& peak = (*best)[m];
    const BenchRow& last = sweep.points.back()[m];
    std::printf("  -> %s peaks at %s: %s connection-samples/s, working set %s; at %s: %+.0f%%\n",
                m == 1 ? "training" : "inference", at(peak).c_str(), format_rate(peak.conn_samples_per_s()).c_str(),
                format_bytes(peak.working_set).c_str(), at(last).c_str(), change(peak, last));
  }
}

inline nlohmann::json to_json(const Spread& s) { return {{"median", s.median}, {"min", s.min}, {"max", s.max}}; }

inline nlohmann::json to_json(const BenchRow& r) {
  nlohmann::json repetitions = nlohmann::json::array();
  for (const Throughput& t : r.repetitions) {
    repetitions.push_back({{"steps", t.steps},
                           {"seconds", t.seconds},
                           {"cpu_seconds", t.cpu_seconds},
                           {"cpu_share", t.cpu_share},
                           {"samples_per_s", t.samples_per_s},
                           {"conn_samples_per_s", r.conn_samples_per_s(t)},
                           {"ns_per_edge_sample", r.ns_per_edge_sample(t)}});
  }
  return {{"mode", to_string(r.mode)},
          {"nominal_edges", r.nominal_edges},
          {"edges", r.edges},
          {"hidden", r.hidden},
          {"batch", r.batch},
          {"threads", r.threads},
          {"repeats", r.repetitions.size()},
          {"conn_samples_per_s", to_json(r.conn_samples_per_s())},
          {"ns_per_edge_sample", to_json(r.ns_per_edge_sample())},
          {"samples_per_s", to_json(r.samples_per_s())},
          {"ratio_to_dense", r.ratio_to_dense()},
          {"cpu_share", to_json(r.cpu_share())},
          {"unsteady", r.unsteady()},
          {"working_set_bytes", r.working_set},
          {"repetitions", repetitions}};
}

inline constexpr const char* bench_csv_header =
    "mode,nominal_edges,edges,hidden,batch,threads,repeats,timed_steps,timed_seconds,"
    "conn_samples_per_s_median,conn_samples_per_s_min,conn_samples_per_s_max,"
    "ns_per_edge_sample_median,ns_per_edge_sample_min,ns_per_edge_sample_max,"
    "samples_per_s_median,samples_per_s_min,samples_per_s_max,ratio_to_dense,"
    "cpu_share_median,cpu_share_min,cpu_share_max,working_set_bytes";

inline std::string csv_fields(const BenchRow& r) {
  std::size_t steps = 0;
  double seconds = 0;
  for (const Throughput& t : r.repetitions) {
    steps += t.steps;
    seconds += t.seconds;
  }
  std::ostringstream out;
  auto spread = [&](const Spread& s) { out << ',' << s.median << ',' << s.min << ',' << s.max; };
  out << to_string(r.mode) << ',' << r.nominal_edges << ',' << r.edges << ',' << r.hidden << ',' << r.batch << ','
      << r.threads << ',' << r.repetitions.size() << ',' << steps << ',' << seconds;
  spread(r.conn_samples_per_s());
  spread(r.ns_per_edge_sample());
  spread(r.samples_per_s());
  out << ',' << r.ratio_to_dense();
  spread(r.cpu_share());
  out << ',' << r.working_set;
  return out.str();
}

/// The sweeps as a gnuplot script with inline data: connection-samples/s against edges and
/// against batch (median, with the range of the repetitions as error bars), a dashed line where
/// the training working set crosses a cache size.
inline std::string gnuplot_script(const std::vector<Sweep>& sweeps, const CacheSizes& caches,
                                  const std::filesystem::path& png) {
  std::ostringstream gp;
  std::string output = png.string();
  for (std::size_t at = output.find('\''); at != std::string::npos; at = output.find('\'', at + 2)) {
    output.insert(at, 1, '\'');  // gnuplot doubles a quote inside single quotes
  }
  gp << "set terminal pngcairo size 1400,560 font ',10'\nset output '" << output << "'\n";
  for (const Sweep& sweep : sweeps) {
    for (int m = 0; m < 3; ++m) {
      gp << "$" << sweep.axis << m << " << EOD\n";
      for (const auto& point : sweep.points) {
        const BenchRow& r = point[static_cast<std::size_t>(m)];
        const Spread rate = r.conn_samples_per_s();
        gp << (sweep.axis == "edges" ? static_cast<double>(r.edges) : r.batch) << ' ' << rate.median << ' '
           << rate.min << ' ' << rate.max << '\n';
      }
      gp << "EOD\n";
    }
  }
  gp << "set multiplot layout 1,2 title 'chaosnet bench: " << cpu_model() << ", 1 thread'\n"
     << "set grid\nset ylabel 'connection-samples/s'\nset format y '%.0e'\n";
  for (const Sweep& sweep : sweeps) {
    const bool edges = sweep.axis == "edges";
    gp << "unset arrow\nunset label\nset logscale xy " << (edges ? "10" : "2") << "\nset autoscale xfix\n"
       << "set key " << (edges ? "top left" : "bottom right") << "\n"
       << "set xlabel '" << (edges ? "edges (dense: weights), batch 32" : "batch size, 10K-edge network") << "'\n"
       << "set title '" << (edges ? "scaling with size" : "scaling with batch") << "'\n";
    for (const auto& [label, x] : cache_crossings(sweep, caches)) {
      gp << "set arrow from " << x << ", graph 0 to " << x << ", graph 1 nohead dt 2 lc rgb 'gray40'\n"
         << "set label 'train working set > " << label << "' at " << x << ", graph 0.5 rotate by 90 offset -1,0\n";
    }
    gp << "plot $" << sweep.axis << "1 with yerrorlines lw 2 title 'train (compute\\_gradients + Adam)', $"
       << sweep.axis << "2 with yerrorlines lw 2 title 'infer (predict)', $" << sweep.axis
       << "0 with yerrorlines lw 2 title 'dense MLP forward + backward (GEMM)'\n";
  }
  gp << "unset multiplot\n";
  return gp.str();
}

/// Draws the sweeps with gnuplot; false (with a note) when gnuplot is missing or fails.
inline bool plot_sweeps(const std::vector<Sweep>& sweeps, const CacheSizes& caches, const std::filesystem::path& png) {
  if (std::system("command -v gnuplot > /dev/null 2>&1") != 0) {
    std::printf("plot: gnuplot is not installed; the scaling CSV has the data\n");
    return false;
  }
  if (png.has_parent_path()) std::filesystem::create_directories(png.parent_path());
  FILE* gnuplot = ::popen("gnuplot", "w");
  if (gnuplot == nullptr) return false;
  const std::string script = gnuplot_script(sweeps, caches, png);
  std::fwrite(script.data(), 1, script.size(), gnuplot);
  if (::pclose(gnuplot) != 0) {
    std::printf("plot: gnuplot failed (see its messages above)\n");
    return false;
  }
  return true;
}

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
  return checks;
}

inline int bench_command(BenchSettings s) {
  const auto start = BenchClock::now();
  if (!s.out.empty()) {
    if (s.json.empty()) s.json = s.out / "bench.json";
    if (s.csv.empty()) s.csv = s.out / "bench.csv";
    if (s.scaling_csv.empty()) s.scaling_csv = s.out / "scaling.csv";
    if (s.plot.empty()) s.plot = s.out / "scaling.png";
  }
  // Before any timing, so that a bad path fails at once, not after minutes of measurements.
  check_output("--out", s.out, OutputKind::directory);
  check_output("--json", s.json, OutputKind::file);
  check_output("--csv", s.csv, OutputKind::file);
  check_output("--scaling-csv", s.scaling_csv, OutputKind::file);
  check_output("--plot", s.plot, OutputKind::file);
  const BenchPlan plan = make_bench_plan(s);
  const CacheSizes caches = cache_sizes();
  const double load_at_start = load_average();
  const unsigned most_threads = std::max(*std::max_element(plan.threads.begin(), plan.threads.end()), 2u);

  std::printf("chaosnet bench %s: %s, %u hardware threads, %s, %s, %s\n", CHAOSNET_VERSION, cpu_model().c_str(),
              hardware_threads(), simd_name().c_str(), compiler_name().c_str(), utc_now().c_str());
  std::printf("caches (from %s): L1d %s, L2 %s per core, L3 %s shared; load average %.2f\n",
              caches.source.empty() ? "no source: sysfs, sysconf and CPUID know none" : caches.source.c_str(),
              format_cache(caches.l1d).c_str(), format_cache(caches.l2).c_str(), format_cache(caches.l3).c_str(),
              load_at_start);
  if (most_threads > hardware_threads()) {
    std::printf("note: %u threads on %u hardware threads cannot scale\n", most_threads, hardware_threads());
  }
  std::printf("networks: random DAGs of 784 inputs and 10 leaves, hidden nodes with %zu random in- and %zu "
              "out-edges each; float\n",
              s.fan, s.fan);
  std::printf("timing: median (min-max) of %zu interleaved repetitions, each %.3g s of steps after a %.3g s "
              "warm-up; %s random images per thread\n\n",
              plan.repeats, plan.budget.measure_s, plan.budget.warmup_s, with_commas(double(plan.pool_samples)).c_str());
  std::fflush(stdout);

  ProgressBar bar("  benchmark", "runs");
  std::size_t done = 0;
  // Memory first, each in a child forked from this still small process (see --help).
  std::vector<MemoryFigures> memory;
  for (const std::size_t edges : plan.table_edges) {
    bar.update(done, plan.runs(), "memory " + size_label(edges));
    const std::size_t hidden = hidden_for_edges(edges, s.fan);
    memory.push_back(in_child_process([&] { return measure_memory<memory_batch>(hidden, s.fan, s.seed); }));
    ++done;
  }

  std::vector<Dataset> pools;
  for (unsigned t = 0; t < most_threads; ++t) pools.push_back(make_sample_pool(plan.pool_samples, s.seed + 1000 + t));
  std::map<std::size_t, Topology<float>> topologies;
  for (const auto& [edges, configs] : plan.configs) {
    topologies.emplace(edges, make_bench_dag(hidden_for_edges(edges, s.fan), s.fan, s.seed));
  }
  // Repetitions outside, configurations inside: a slow phase of the machine hits every row alike.
  BenchResults results;
  for (std::size_t repeat = 1; repeat <= plan.repeats; ++repeat) {
    for (const auto& [edges, configs] : plan.configs) {
      const Topology<float>& topology = topologies.at(edges);
      for (const auto& [batch, threads] : configs) {
        with_bench_batch_size(batch, [&]<int N>() {
          for (const BenchMode mode : {BenchMode::dense, BenchMode::train, BenchMode::infer}) {
            bar.update(done, plan.runs(),
                       "repetition " + std::to_string(repeat) + "/" + std::to_string(plan.repeats) + ": " +
                           to_string(mode) + " " + size_label(edges) + " b" + std::to_string(batch) + " t" +
                           std::to_string(threads));
            BenchRow& row = results.row(describe_row<N>(mode, topology, edges, threads));
            row.repetitions.push_back(measure_row<N>(row, topology, pools, plan.budget, s.seed));
            ++done;
          }
        });
      }
    }
  }
  results.compare_with_dense();
  bar.finish();

  print_memory(memory);
  std::printf("throughput (dense = 784-H-10 MLP with about as many weights; x dense = ns/edge-sample over the "
              "dense ns/weight-sample):\n");
  print_table_header();
  nlohmann::json rows = nlohmann::json::array();
  bool disturbed = false, unsteady = false;
  std::ostringstream csv;
  csv << bench_csv_header << '\n';
  for (const std::size_t edges : plan.table_edges) {
    for (const int batch : plan.batches) {
      for (const unsigned threads : plan.threads) {
        for (const BenchRow& row : results.config(edges, batch, threads)) {
          print_row(row);
          disturbed = disturbed || row.disturbed();
          unsteady = unsteady || row.unsteady();
          rows.push_back(to_json(row));
          csv << csv_fields(row) << '\n';
        }
      }
    }
    std::printf("\n");
  }

  if (disturbed) {
    std::printf("* other processes took the cores during most repetitions of these rows: their wall-clock figures\n"
                "  (connection-samples/s, samples/s) are low; ns/edge-sample and x dense come from CPU time and hold.\n"
                "  Rerun when idle.\n\n");
  }
  if (unsteady) {
    std::printf("~ the repetitions of these rows differ by more than %.0f%% (max over min): the machine ran at\n"
                "  different speeds during the run, which the cpu share does not show (on a VM, neighbours can slow\n"
                "  a core without taking it); their medians may differ from run to run. Compare the ranges.\n\n",
                100 * (steady_spread - 1));
  }

  std::vector<Sweep> sweeps{{"edges", {}}, {"batch", {}}};
  for (const std::size_t edges : plan.sweep_edges) sweeps[0].points.push_back(results.config(edges, reference_batch, 1));
  for (const int batch : bench_batch_sizes) sweeps[1].points.push_back(results.config(reference_edges, batch, 1));
  std::printf("scaling with size (batch %d, 1 thread):\n", reference_batch);
  print_sweep(sweeps[0], caches);
  std::printf("\nscaling with batch (%s-edge network, 1 thread):\n", size_label(reference_edges).c_str());
  print_sweep(sweeps[1], caches);

  const std::vector<TargetCheck> targets = check_targets(results);
  std::printf("\ntargets (%s-edge network, batch %d; judged on the medians):\n", size_label(reference_edges).c_str(),
              reference_batch);
  for (const TargetCheck& t : targets) {
    std::printf("  %-62s %-7s %s", t.name.c_str(), t.holds() ? "holds" : "MISSES", t.figure.c_str());
    if (t.cpu_share < undisturbed_cpu_share) {
      std::printf(" (disturbed: the threads ran %.0f%% of the time; rerun on an idle machine)", 100 * t.cpu_share);
    }
    if (t.unsteady) std::printf(" (unsteady: the repetitions differ by more than %.0f%%)", 100 * (steady_spread - 1));
    std::printf("\n");
  }

  nlohmann::json scaling = nlohmann::json::object();
  std::ostringstream scaling_csv;
  scaling_csv << "sweep," << bench_csv_header << ",cache_level\n";
  for (const Sweep& sweep : sweeps) {
    nlohmann::json points = nlohmann::json::array();
    for (const auto& point : sweep.points) {
      for (const BenchRow& row : point) {
        points.push_back(to_json(row));
        scaling_csv << sweep.axis << ',' << csv_fields(row) << ',' << cache_level(row.working_set, caches) << '\n';
      }
    }
    scaling[sweep.axis] = points;
  }
  const double seconds = seconds_since(start);
  std::printf("\ntotal %s (load average %.2f at the start, %.2f at the end)\n", format_duration(seconds).c_str(),
              load_at_start, load_average());

  if (!s.json.empty()) {
    nlohmann::json memory_json = nlohmann::json::array();
    for (const MemoryFigures& m : memory) memory_json.push_back(to_json(m));
    nlohmann::json targets_json = nlohmann::json::array();
    for (const TargetCheck& t : targets) {
      targets_json.push_back({{"target", t.name}, {"required", t.required}, {"measured", t.measured},
                              {"holds", t.holds()}, {"cpu_share", t.cpu_share}, {"unsteady", t.unsteady}});
    }
    const nlohmann::json header = {
        {"command", "bench"},
        {"version", CHAOSNET_VERSION},
        {"cpu", cpu_model()},
        {"hardware_threads", hardware_threads()},
        {"simd", simd_name()},
        {"compiler", compiler_name()},
        {"date", utc_now()},
        {"caches",
         {{"l1d_bytes", caches.l1d}, {"l2_bytes", caches.l2}, {"l3_bytes", caches.l3}, {"source", caches.source}}},
        {"load_average_start", load_at_start},
        {"load_average_end", load_average()},
        {"quick", s.quick},
        {"repeats", plan.repeats},
        {"seconds_per_measurement", plan.budget.measure_s},
        {"warmup_seconds", plan.budget.warmup_s},
        {"fan", s.fan},
        {"seed", s.seed},
        {"pool_samples_per_thread", plan.pool_samples},
        {"total_seconds", seconds},
    };
    write_json_file(s.json, {{"header", header},
                             {"rows", rows},
                             {"scaling", scaling},
                             {"memory", memory_json},
                             {"targets", targets_json}});
    std::printf("wrote %s\n", s.json.c_str());
  }
  if (!s.csv.empty()) {
    write_text_file(s.csv, csv.str());
    std::printf("wrote %s\n", s.csv.c_str());
  }
  if (!s.scaling_csv.empty()) {
    write_text_file(s.scaling_csv, scaling_csv.str());
    std::printf("wrote %s\n", s.scaling_csv.c_str());
  }
  if (!s.plot.empty() && plot_sweeps(sweeps, caches, s.plot)) std::printf("wrote %s\n", s.plot.c_str());
  return exit_ok;
}

}  // namespace chaosnet::cli
