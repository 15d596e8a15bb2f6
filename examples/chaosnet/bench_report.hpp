#pragma once

// What `chaosnet bench` reports: the run's header, the memory table, the main throughput table,
// the size and batch sweeps with where they leave a cache, the targets; and the same figures as
// JSON (every figure) and CSV (the main table's rows, the sweeps' rows).

#include "bench_format.hpp"
#include "bench_measure.hpp"
#include "bench_system.hpp"
#include "bench_targets.hpp"
#include "bench_workloads.hpp"
#include "cli_common.hpp"

#include <chaosnet/version.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace chaosnet::cli {

/// The machine, the caches, the networks and the timing of the run, before any measurement.
inline void print_run_header(const BenchPlan& plan, const CacheSizes& caches, double load_at_start) {
  std::printf("chaosnet bench %s: %s, %u hardware threads, %s, %s, %s\n", CHAOSNET_VERSION, cpu_model().c_str(),
              hardware_threads(), simd_name().c_str(), compiler_name().c_str(), utc_now().c_str());
  std::printf("caches (from %s): L1d %s, L2 %s per core, L3 %s shared; load average %.2f\n",
              caches.source.empty() ? "no source: sysfs, sysconf and CPUID know none" : caches.source.c_str(),
              format_cache(caches.l1d).c_str(), format_cache(caches.l2).c_str(), format_cache(caches.l3).c_str(),
              load_at_start);
  if (plan.most_threads() > hardware_threads()) {
    std::printf("note: %u threads on %u hardware threads cannot scale\n", plan.most_threads(), hardware_threads());
  }
  std::printf("networks: random DAGs of 784 inputs and 10 leaves, hidden nodes with %zu random in- and %zu "
              "out-edges each; float\n",
              plan.fan, plan.fan);
  std::printf("timing: median (min-max) of %zu interleaved repetitions, each %.3g s of steps after a %.3g s "
              "warm-up; %s random images per thread\n\n",
              plan.repeats, plan.budget.measure_s, plan.budget.warmup_s, with_commas(double(plan.pool_samples)).c_str());
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

/// The main table (see BenchResults::table), then what its "*" and "~" marks mean when any row has one.
inline void print_table(const std::vector<std::vector<BenchRow>>& table) {
  std::printf("throughput (dense = 784-H-10 MLP with about as many weights; x dense = ns/edge-sample over the "
              "dense ns/weight-sample):\n");
  std::printf("  %-5s %10s %7s %5s %7s %19s %19s %12s %7s %5s\n", "mode", "edges", "hidden", "batch", "threads",
              "conn-samples/s", "ns/edge-sample", "samples/s", "x dense", "cpu");
  bool disturbed = false, unsteady = false;
  for (const std::vector<BenchRow>& group : table) {
    for (const BenchRow& row : group) {
      print_row(row);
      disturbed = disturbed || row.disturbed();
      unsteady = unsteady || row.unsteady();
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

/// The edge sweep and the batch sweep of BenchResults::sweeps, each under its title.
inline void print_scaling(const std::vector<Sweep>& sweeps, const CacheSizes& caches) {
  std::printf("scaling with size (batch %d, 1 thread):\n", reference_batch);
  print_sweep(sweeps[0], caches);
  std::printf("\nscaling with batch (%s-edge network, 1 thread):\n", size_label(reference_edges).c_str());
  print_sweep(sweeps[1], caches);
}

inline void print_targets(const std::vector<TargetCheck>& targets) {
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

inline nlohmann::json to_json(const TargetCheck& t) {
  return {{"target", t.name}, {"required", t.required}, {"measured", t.measured},
          {"holds", t.holds()}, {"cpu_share", t.cpu_share}, {"unsteady", t.unsteady}};
}

/// Every figure of a run: its header (machine, caches, load, plan, total seconds), the main
/// table's rows, the sweeps, the memory figures and the targets.
inline nlohmann::json bench_json(const BenchPlan& plan, const BenchMeasurements& measured,
                                 const std::vector<TargetCheck>& targets, const CacheSizes& caches,
                                 double load_at_start, double seconds) {
  nlohmann::json rows = nlohmann::json::array();
  for (const std::vector<BenchRow>& group : measured.results.table(plan)) {
    for (const BenchRow& row : group) rows.push_back(to_json(row));
  }
  nlohmann::json scaling = nlohmann::json::object();
  for (const Sweep& sweep : measured.results.sweeps(plan)) {
    nlohmann::json points = nlohmann::json::array();
    for (const auto& point : sweep.points) {
      for (const BenchRow& row : point) points.push_back(to_json(row));
    }
    scaling[sweep.axis] = points;
  }
  nlohmann::json memory = nlohmann::json::array();
  for (const MemoryFigures& m : measured.memory) memory.push_back(to_json(m));
  nlohmann::json targets_json = nlohmann::json::array();
  for (const TargetCheck& t : targets) targets_json.push_back(to_json(t));
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
      {"quick", plan.quick},
      {"repeats", plan.repeats},
      {"seconds_per_measurement", plan.budget.measure_s},
      {"warmup_seconds", plan.budget.warmup_s},
      {"fan", plan.fan},
      {"seed", plan.seed},
      {"pool_samples_per_thread", plan.pool_samples},
      {"total_seconds", seconds},
  };
  return {{"header", header}, {"rows", rows}, {"scaling", scaling}, {"memory", memory}, {"targets", targets_json}};
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

/// The main table's rows as CSV.
inline std::string table_csv(const std::vector<std::vector<BenchRow>>& table) {
  std::ostringstream csv;
  csv << bench_csv_header << '\n';
  for (const std::vector<BenchRow>& group : table) {
    for (const BenchRow& row : group) csv << csv_fields(row) << '\n';
  }
  return csv.str();
}

/// The sweeps' rows as CSV, each with its sweep and the cache that holds its working set.
inline std::string scaling_csv(const std::vector<Sweep>& sweeps, const CacheSizes& caches) {
  std::ostringstream csv;
  csv << "sweep," << bench_csv_header << ",cache_level\n";
  for (const Sweep& sweep : sweeps) {
    for (const auto& point : sweep.points) {
      for (const BenchRow& row : point) {
        csv << sweep.axis << ',' << csv_fields(row) << ',' << cache_level(row.working_set, caches) << '\n';
      }
    }
  }
  return csv.str();
}

}  // namespace chaosnet::cli
