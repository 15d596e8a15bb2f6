#pragma once

// `chaosnet bench`: training and inference throughput of random DAGs from 1K to 1M edges against
// a dense Eigen MLP with as many weights, on 1 and 2 threads; memory per edge; how throughput
// scales with size and batch and where it falls out of the caches; the performance targets.
// This file holds the flags and the order of a run; what is measured and how is in
// bench_measure.hpp, what is printed and written in bench_report.hpp and bench_plot.hpp.

#include "bench_measure.hpp"
#include "bench_plot.hpp"
#include "bench_report.hpp"
#include "bench_system.hpp"
#include "bench_targets.hpp"
#include "bench_workloads.hpp"
#include "cli_common.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <iterator>
#include <optional>
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

inline BenchPlan make_bench_plan(const BenchSettings& s) {
  BenchPlan plan;
  plan.batches = s.batches;
  plan.threads = s.threads;
  plan.repeats = s.repeats;
  plan.fan = s.fan;
  plan.seed = s.seed;
  plan.quick = s.quick;
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
  print_run_header(plan, caches, load_at_start);
  std::fflush(stdout);

  const BenchMeasurements measured = measure_bench(plan);
  const std::vector<std::vector<BenchRow>> table = measured.results.table(plan);
  const std::vector<Sweep> sweeps = measured.results.sweeps(plan);
  const std::vector<TargetCheck> targets = check_targets(measured.results);
  print_memory(measured.memory);
  print_table(table);
  print_scaling(sweeps, caches);
  print_targets(targets);
  const double seconds = seconds_since(start);
  std::printf("\ntotal %s (load average %.2f at the start, %.2f at the end)\n", format_duration(seconds).c_str(),
              load_at_start, load_average());

  if (!s.json.empty()) {
    write_json_file(s.json, bench_json(plan, measured, targets, caches, load_at_start, seconds));
    std::printf("wrote %s\n", s.json.c_str());
  }
  if (!s.csv.empty()) {
    write_text_file(s.csv, table_csv(table));
    std::printf("wrote %s\n", s.csv.c_str());
  }
  if (!s.scaling_csv.empty()) {
    write_text_file(s.scaling_csv, scaling_csv(sweeps, caches));
    std::printf("wrote %s\n", s.scaling_csv.c_str());
  }
  if (!s.plot.empty() && plot_sweeps(sweeps, caches, s.plot)) std::printf("wrote %s\n", s.plot.c_str());
  return exit_ok;
}

}  // namespace chaosnet::cli
