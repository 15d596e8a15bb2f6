#pragma once

// `chaosnet export MODEL --dot FILE`: draw a saved model with Graphviz.

#include "cli_common.hpp"

#include <chaosnet/chaosnet.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <span>

namespace chaosnet::cli {

struct ExportSettings {
  std::filesystem::path model;
  std::filesystem::path dot;
  bool all_inputs = false;
};

inline void add_export_command(CLI::App& app, ExportSettings& s) {
  CLI::App* cmd = app.add_subcommand("export", "Write a saved model as a Graphviz DOT drawing");
  add_model_argument(*cmd, s.model);
  cmd->add_option("--dot", s.dot, "Output .dot file (render with: dot -Tsvg FILE -o out.svg)")->required();
  cmd->add_flag("--all-inputs", s.all_inputs, "Also draw inputs that have no edges");
}

inline int export_command(const ExportSettings& s) {
  check_output("--dot", s.dot, OutputKind::file, std::span(&s.model, 1));
  const LoadedModel<float> model = load_model<float>(s.model);
  DotOptions options;
  options.include_unconnected_inputs = s.all_inputs;
  save_dot(s.dot, model.topology, options);
  std::printf("wrote %s: %s edges, %zu hidden nodes (render: dot -Tsvg %s -o graph.svg)\n",
              s.dot.c_str(), with_commas(double(model.topology.edge_count())).c_str(),
              model.topology.normal_count(), s.dot.c_str());
  return exit_ok;
}

}  // namespace chaosnet::cli
