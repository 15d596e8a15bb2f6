#pragma once

// The picture of `chaosnet bench`: the size and batch sweeps drawn by gnuplot, with where the
// training working set leaves each cache.

#include "bench_format.hpp"
#include "bench_measure.hpp"
#include "bench_system.hpp"
#include "cli_common.hpp"
#include "gnuplot.hpp"

#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace chaosnet::cli {

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

/// The sweeps as a gnuplot script with inline data: connection-samples/s against edges and
/// against batch (median, with the range of the repetitions as error bars), a dashed line where
/// the training working set crosses a cache size.
inline std::string gnuplot_script(const std::vector<Sweep>& sweeps, const CacheSizes& caches,
                                  const std::filesystem::path& png) {
  std::ostringstream gp;
  gp << "set terminal pngcairo size 1400,560 font ',10'\nset output " << gnuplot_quoted(png) << "\n";
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
  return run_gnuplot(gnuplot_script(sweeps, caches, png), png, "the scaling CSV");
}

}  // namespace chaosnet::cli
