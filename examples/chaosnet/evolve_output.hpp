#pragma once

// What `chaosnet evolve` writes and prints: a line per generation, generations.csv, the final
// front's model and DOT files with its table, front.csv and population.csv, and the plots.

#include "cli_common.hpp"

#include <chaosnet/chaosnet.hpp>
#include <chaosnet/evolution/evolution.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace chaosnet::cli::detail {

inline std::string percent(double fraction) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f%%", 100 * fraction);
  return buffer;
}

inline std::string history_csv(std::span<const GenerationStats> history) {
  std::ostringstream csv;
  const char* separator = "";
  for_each_generation_stats_field([&](const auto& field) {
    csv << separator << field.csv;
    separator = ",";
  });
  csv << '\n';
  for (const GenerationStats& g : history) {
    separator = "";
    for_each_generation_stats_field([&](const auto& field) {
      csv << separator << g.*field.member;  // a bool prints as 1 or 0
      separator = ",";
    });
    csv << '\n';
  }
  return csv.str();
}

/// Accuracy over generations and accuracy against edges, as PNG files next to the CSV files.
inline void plot_with_gnuplot(const std::filesystem::path& out) {
  if (std::system("command -v gnuplot > /dev/null 2>&1") != 0) {
    std::printf(
        "note: gnuplot is not installed; no plots (install gnuplot-nox for accuracy.png and "
        "front.png)\n");
    return;
  }
  const std::filesystem::path script = out / "plots.gp";
  write_text_file(
      script,
      "# Written by chaosnet evolve; run `gnuplot plots.gp` in this directory to redraw.\n"
      "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) { set terminal pngcairo size 1000,650 } "
      "else { set terminal png size 1000,650 }\n"
      "set datafile separator ','\n"
      "set key bottom right\n"
      "set grid\n"
      "set output 'accuracy.png'\n"
      "set title 'Validation accuracy over generations'\n"
      "set logscale x\n"  // the first generations climb fast, the later ones slowly
      "set xlabel 'generation'\nset ylabel 'validation accuracy (%)'\n"
      "set y2label 'edges of the best'\nset ytics nomirror\nset y2tics\n"
      "plot 'generations.csv' using 1:($3*100) with lines lw 2 title 'best', \\\n"
      "     '' using 1:($8*100) with lines title 'population mean', \\\n"
      "     '' using 1:4 axes x1y2 with lines dt 3 lc rgb '#999999' title 'edges of the best'\n"
      "unset logscale x\nunset y2tics\nunset y2label\nset ytics mirror\n"
      "set output 'front.png'\n"
      "set title 'Accuracy against edges: final population and its Pareto front'\n"
      "set xlabel 'edges'\nset ylabel 'accuracy (%)'\n"
      "plot 'population.csv' using 6:($5*100) with points pt 7 ps 0.8 title 'population (selection "
      "accuracy)', \\\n"
      "     'front.csv' using 2:($5*100) with linespoints lw 2 pt 5 title 'front, validation', \\\n"
      "     '' using 2:($6*100) with linespoints lw 2 pt 9 title 'front, test (measured once)'\n");
  std::string quoted = out.string();  // for the shell, inside single quotes
  for (std::size_t at = 0; (at = quoted.find('\'', at)) != std::string::npos; at += 4) {
    quoted.replace(at, 1, "'\\''");
  }
  if (std::system(("cd '" + quoted + "' && gnuplot plots.gp").c_str()) != 0) {
    std::fprintf(stderr, "warning: gnuplot failed; see %s\n", script.c_str());
  }
}

/// One member of the final front, measured once at the end.
struct FrontEntry {
  std::uint64_t id = 0;
  std::size_t edges = 0, params = 0, hidden = 0;
  double validation = 0;  ///< the whole validation split
  double test = 0;
  double selection = 0;  ///< what selection saw (the selection set, last generation)
  std::filesystem::path model;

  [[nodiscard]] nlohmann::json to_json() const {
    return {{"id", id},         {"val_acc", validation}, {"test_acc", test},       {"edges", edges},
            {"params", params}, {"hidden", hidden},      {"model", model.string()}};
  }
};

inline void print_generation(const GenerationStats& g, double rate, double eta) {
  std::printf(
      "gen %4zu%s best val %s  %s edges  %s params  front %zu  edges %s..%s  |  %.2f gen/s  %s  "
      "ETA %s\n",
      g.generation, g.morphed ? "*" : " ", percent(g.best_accuracy).c_str(),
      with_commas(double(g.best_edges)).c_str(), with_commas(double(g.best_parameters)).c_str(),
      g.front_size, with_commas(double(g.min_edges)).c_str(),
      with_commas(double(g.max_edges)).c_str(), rate, format_duration(g.elapsed_s).c_str(),
      format_duration(std::max(0.0, eta)).c_str());
  std::fflush(stdout);
}

/// The final Pareto front: each member measured on the whole validation split and, once, on
/// the test set (by the run), saved as a model file and a DOT file, and printed.
template <int N>
std::vector<FrontEntry> measure_front(EvolutionRun<float, N>& run, const MnistSplits& data) {
  const std::filesystem::path& out = run.directory();
  std::filesystem::create_directories(out / "front");
  std::printf("\nfinal Pareto front (validation: all %s images; test: measured once, now)\n",
              with_commas(double(data.validation.size())).c_str());
  std::printf("  %8s %8s %7s %9s %9s  model\n", "edges", "params", "hidden", "val", "test");
  std::vector<FrontEntry> front;
  for (const FrontMeasurement<float, N>& m : run.measure_front(data.validation, data.test)) {
    const Network<float, N>& net = m.network;
    FrontEntry e;
    e.id = m.id;
    e.edges = net.edge_count();
    e.params = net.parameter_count();
    e.hidden = net.normal_count();
    e.validation = m.validation;
    e.test = m.test;
    e.selection = m.selection;
    const std::string name = "member-" + std::to_string(e.id) + "-" + std::to_string(e.edges) + "e";
    e.model = out / "front" / (name + ".model.json");
    const nlohmann::json info = {{"command", "evolve"},
                                 {"member", e.id},
                                 {"generation", run.population().generation()},
                                 {"val_acc", e.validation},
                                 {"test_acc", e.test},
                                 {"selection_acc", e.selection}};
    save_model(e.model, static_cast<const Topology<float>&>(net),
               ModelInfo{run.record().preset, info});
    DotOptions dot;
    dot.title = "chaosnet evolve member " + std::to_string(e.id) + ": val " +
                percent(e.validation) + ", test " + percent(e.test);
    save_dot(out / "front" / (name + ".dot"), static_cast<const Topology<float>&>(net), dot);
    std::printf("  %8s %8s %7zu %9s %9s  %s\n", with_commas(double(e.edges)).c_str(),
                with_commas(double(e.params)).c_str(), e.hidden, percent(e.validation).c_str(),
                percent(e.test).c_str(), e.model.c_str());
    front.push_back(std::move(e));
  }
  return front;
}

/// front.csv and population.csv (the plots read them).
template <int N>
void write_population_files(const Population<float, N>& population,
                            std::span<const FrontEntry> front, const std::filesystem::path& out) {
  std::ostringstream front_csv, population_csv;
  front_csv << "id,edges,params,hidden,val_acc,test_acc,selection_acc,model\n";
  for (const FrontEntry& e : front) {
    front_csv << e.id << ',' << e.edges << ',' << e.params << ',' << e.hidden << ',' << e.validation
              << ',' << e.test << ',' << e.selection << ','
              << e.model.lexically_relative(out).string() << '\n';
  }
  population_csv << "id,parent,born,mutations,selection_acc,edges,params,hidden,on_front\n";
  for (const auto& m : population.members()) {
    const bool on_front =
        std::any_of(front.begin(), front.end(), [&](const FrontEntry& e) { return e.id == m.id; });
    population_csv << m.id << ',' << m.parent << ',' << m.born << ',' << m.mutations << ','
                   << m.accuracy << ',' << m.network.edge_count() << ','
                   << m.network.parameter_count() << ',' << m.network.normal_count() << ','
                   << (on_front ? 1 : 0) << '\n';
  }
  write_text_file(out / "front.csv", front_csv.str());
  write_text_file(out / "population.csv", population_csv.str());
}

}  // namespace chaosnet::cli::detail
