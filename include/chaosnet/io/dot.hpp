#pragma once

// Graphviz DOT export of a topology, read left to right: inputs in the first column, leaves (one
// per class) in the last, normal nodes between. Fill colours tell the kinds apart; an edge's
// colour is the sign of its weight and its pen width grows with |w| (relative to the largest
// |w|, so the picture does not depend on the weights' scale). Render with
// `dot -Tsvg model.dot -o model.svg`.

#include <chaosnet/graph/node.hpp>
#include <chaosnet/graph/topology.hpp>
#include <chaosnet/io/atomic_file.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <locale>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>

namespace chaosnet {

/// What write_dot() draws.
struct DotOptions {
  /// Also draw inputs without any edge (MNIST has 784 inputs, most of them unused).
  bool include_unconnected_inputs = false;
  /// Print each weight on its edge.
  bool edge_labels = false;
  double min_pen_width = 0.25;  ///< pen width of a zero weight
  double max_pen_width = 4.0;   ///< pen width of the largest |w|
  std::string title;            ///< first line of the caption; the counts follow it
};

namespace detail {

inline constexpr std::string_view dot_input_colour = "#a1d99b";     // green
inline constexpr std::string_view dot_normal_colour = "#d9d9d9";    // grey
inline constexpr std::string_view dot_leaf_colour = "#fdae6b";      // orange
inline constexpr std::string_view dot_positive_colour = "#2166ac";  // blue
inline constexpr std::string_view dot_negative_colour = "#b2182b";  // red

/// `value` with `decimals` decimals, independent of the stream's locale.
inline std::string dot_number(double value, int decimals) {
  char buffer[64];
  const auto result =
      std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed, decimals);
  return {buffer, result.ptr};
}

/// `text` as a DOT string literal.
inline std::string dot_quote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out + "\"";
}

}  // namespace detail

/// Write `topology` as a Graphviz digraph. Node `n<id>` is the node with that NodeId; inputs are
/// labelled x<feature index>, leaves by their class index; normal nodes carry their id and bias
/// in a tooltip. Inputs without edges are left out unless options.include_unconnected_inputs.
template <class T>
void write_dot(std::ostream& out, const Topology<T>& topology, const DotOptions& options = {}) {
  // Built in the classic locale: a stream imbued with digit grouping would break node names.
  std::ostringstream dot;
  dot.imbue(std::locale::classic());
  const auto nodes = topology.nodes();
  const auto params = topology.parameter_values();
  const std::size_t inputs = topology.input_count();
  const std::size_t first_leaf = nodes.size() - topology.output_count();
  double largest = 0;
  for (const Node& n : nodes) {
    for (const ParamSlot w : n.weights) {
      const double magnitude = std::abs(static_cast<double>(params[w]));
      if (std::isfinite(magnitude)) largest = std::max(largest, magnitude);
    }
  }
  std::size_t drawn_inputs = 0;
  for (std::size_t p = 0; p < inputs; ++p) {
    if (options.include_unconnected_inputs || !nodes[p].targets.empty()) ++drawn_inputs;
  }

  const std::string counts = std::to_string(nodes.size()) + " nodes (" + std::to_string(inputs) +
                             " inputs, " + std::to_string(topology.normal_count()) + " normal, " +
                             std::to_string(topology.output_count()) + " leaves), " +
                             std::to_string(topology.edge_count()) + " edges, " +
                             std::to_string(topology.parameter_count()) + " parameters (" +
                             std::to_string(topology.bias_count()) + " biases)";
  dot << "// chaosnet topology: " << counts << "\n";
  dot << "// fill: inputs green, normal grey, leaves orange; edges: blue w > 0, red w < 0, "
         "width ~ |w| (largest |w| = "
      << detail::dot_number(largest, 4) << ")\n";
  if (drawn_inputs < inputs) {
    dot << "// " << inputs - drawn_inputs << " inputs without edges are not drawn\n";
  }
  dot << "digraph chaosnet {\n";
  dot << "  graph [rankdir=LR, ranksep=1.2, labelloc=t, fontname=\"Helvetica\", label="
      << detail::dot_quote(options.title.empty() ? counts : options.title + " - " + counts)
      << "];\n";
  dot << "  node [shape=circle, style=filled, fixedsize=true, width=0.45, fontname=\"Helvetica\","
         " fontsize=10];\n";
  dot << "  edge [arrowsize=0.4];\n";

  dot << "  subgraph inputs {\n    rank=source;\n";
  for (std::size_t p = 0; p < inputs; ++p) {
    if (!options.include_unconnected_inputs && nodes[p].targets.empty()) continue;
    dot << "    n" << nodes[p].id << " [label=\"x" << p << "\", fillcolor=\""
        << detail::dot_input_colour << "\", tooltip=\"input " << p << " (node " << nodes[p].id
        << ")\"];\n";
  }
  dot << "  }\n";
  for (std::size_t p = inputs; p < first_leaf; ++p) {
    const Node& n = nodes[p];
    dot << "  n" << n.id << " [label=\"\", width=0.25, fillcolor=\"" << detail::dot_normal_colour
        << "\", tooltip=\"node " << n.id << ", bias "
        << detail::dot_number(static_cast<double>(params[n.bias]), 4) << "\"];\n";
  }
  dot << "  subgraph leaves {\n    rank=sink;\n";
  for (std::size_t p = first_leaf; p < nodes.size(); ++p) {
    dot << "    n" << nodes[p].id << " [label=\"" << p - first_leaf << "\", fillcolor=\""
        << detail::dot_leaf_colour << "\", tooltip=\"class " << p - first_leaf << " (node "
        << nodes[p].id << ")\"];\n";
  }
  dot << "  }\n";

  for (const Node& n : nodes) {
    for (std::size_t i = 0; i < n.sources.size(); ++i) {
      const double w = static_cast<double>(params[n.weights[i]]);
      // A non-finite weight (a diverged model) gets full width rather than an invalid one.
      const double relative = !std::isfinite(w) ? 1.0 : largest > 0 ? std::abs(w) / largest : 0.0;
      const double width =
          options.min_pen_width + (options.max_pen_width - options.min_pen_width) * relative;
      dot << "  n" << n.sources[i] << " -> n" << n.id
          << " [penwidth=" << detail::dot_number(width, 3) << ", color=\""
          << (std::signbit(w) ? detail::dot_negative_colour : detail::dot_positive_colour) << "\"";
      if (options.edge_labels) dot << ", label=\"" << detail::dot_number(w, 3) << "\"";
      dot << "];\n";
    }
  }
  dot << "}\n";
  out << dot.str();
}

/// Write the DOT text of `topology` to `path` atomically (see write_file_atomically); throws
/// FileError if it cannot be written.
template <class T>
void save_dot(const std::filesystem::path& path, const Topology<T>& topology,
              const DotOptions& options = {}) {
  std::ostringstream text;
  write_dot(text, topology, options);
  write_file_atomically(path, text.str());
}

}  // namespace chaosnet
