#pragma once

// Model files: a topology with its parameters, a preset name and free-form training metadata, as
// JSON. Every number is written so that it parses back to the same bits (doubles with up to 17
// significant digits; float parameters are stored as the double of the same value), and a model
// loads in either precision whatever it was saved from.
//
// Format version 1 (nlohmann::json sorts keys; this is the meaning, not the order):
//
//     {
//       "format": "chaosnet-model",
//       "version": 1,
//       "generator": "chaosnet 0.1.0",           informative only
//       "scalar": "float" | "double",           the type the parameters were saved from
//       "preset": "v01",                        may be ""
//       "metadata": {...},                      any JSON object: epochs, lr, accuracies, ...
//       "topology": {
//         "options": {"init": {"kind": "uniform" | "fan_in_scaled", "low": x, "high": x,
//                              "scale": x},
//                     "leaf_bias": bool, "input_edges": x,
//                     "new_node_edges_in": n, "new_node_edges_out": n},
//         "nodes": [{"id": 0, "kind": "input"},
//                   {"id": 12, "kind": "normal", "bias": x, "bias_id": 37}, ...],
//         "edges": [{"from": 0, "to": 12, "weight": x, "id": 38}, ...],
//         "next_node_id": n,
//         "next_param_id": n
//       }
//     }
//
// No number is NaN or infinite (JSON has neither; the writer refuses them) and arrays and objects
// nest at most 128 levels deep (the reader refuses deeper files before parsing them).
//
// Nodes are in topological order [inputs | normals | leaves]; normals always have a bias, leaves
// when options.leaf_bias is true, inputs never. Edges are grouped by target, each target's in its
// input order (the order the weighted sum adds them). Ids are the stable NodeId/ParamId, kept
// exactly so that optimizer state and checkpoints keyed by them survive a save and a load.

#include <chaosnet/graph/node.hpp>
#include <chaosnet/graph/topology.hpp>
#include <chaosnet/graph/weight_init.hpp>
#include <chaosnet/io/atomic_file.hpp>
#include <chaosnet/io/io_error.hpp>
#include <chaosnet/io/json_reader.hpp>
#include <chaosnet/io/json_writer.hpp>
#include <chaosnet/version.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

namespace chaosnet {

inline constexpr std::string_view model_format = "chaosnet-model";
inline constexpr std::uint64_t model_format_version = 1;

/// What a model file carries besides the topology.
struct ModelInfo {
  std::string preset;  ///< the preset the model was built with; may be empty
  nlohmann::json metadata = nlohmann::json::object();  ///< free-form training record, an object
};

/// A model read from a file.
template <class T>
struct LoadedModel {
  Topology<T> topology;
  ModelInfo info;
  std::string scalar;  ///< the type it was saved from, "float" or "double"
};

/// The JSON text of a model file or an embedded model (a checkpoint body) as a document; throws
/// ModelFileError naming `file` if it is empty, cut short, not valid JSON or nested deeper than
/// max_json_depth.
inline nlohmann::json parse_model_text(std::string_view text, const std::filesystem::path& file) {
  return parse_json_text<ModelFileError>(text, file, "model file", "copy or save the model again");
}

/// Topology options as the JSON object of a model file's "topology.options", which evolution
/// checkpoints reuse for the options of their runs.
inline nlohmann::json topology_options_to_json(const TopologyOptions& options) {
  return {{"init",
           {{"kind", to_string(options.init.kind)},
            {"low", options.init.low},
            {"high", options.init.high},
            {"scale", options.init.scale}}},
          {"leaf_bias", options.leaf_bias},
          {"input_edges", options.input_edges},
          {"new_node_edges_in", options.new_node_edges_in},
          {"new_node_edges_out", options.new_node_edges_out}};
}

/// Options from topology_options_to_json(), every field checked; fails at `at` (with its error
/// type) naming the field at fault.
inline TopologyOptions topology_options_from_json(const nlohmann::json& json, const JsonPlace& at) {
  TopologyOptions options;
  const nlohmann::json& init = json_member(json, at, "init");
  const JsonPlace init_at = at.key("init");
  options.init.kind =
      read_enum_field<WeightInit::Kind>(init, init_at, "kind", "weight initialisation");
  options.init.low = read_field<double>(init, init_at, "low");
  options.init.high = read_field<double>(init, init_at, "high");
  options.init.scale = read_field<double>(init, init_at, "scale");
  options.leaf_bias = read_field<bool>(json, at, "leaf_bias");
  options.input_edges = read_field<double>(json, at, "input_edges");
  options.new_node_edges_in = read_field<std::size_t>(json, at, "new_node_edges_in");
  options.new_node_edges_out = read_field<std::size_t>(json, at, "new_node_edges_out");
  return options;
}

namespace detail {

inline ParamId read_param_id(const nlohmann::json& object, const JsonPlace& at,
                             std::string_view name) {
  const auto id = read_field<ParamId>(object, at, name);
  if (id == 0) at.key(name).fail("parameter ids start at 1 (0 marks a free slot)");
  return id;
}

/// A parameter as JSON; refuses NaN and infinities, which JSON cannot hold (they would be
/// written as null) and which mean the model is broken anyway.
template <class T>
double finite_parameter(T value, ParamId id, const std::string& what) {
  if (!std::isfinite(value)) {
    throw std::invalid_argument(
        "cannot save a non-finite parameter: " + what + " (parameter id " + std::to_string(id) +
        ") is " +
        (std::isnan(value) ? "nan"
         : value > 0       ? "inf"
                           : "-inf") +
        "; training diverged, lower the learning rate or save an earlier model");
  }
  return static_cast<double>(value);
}

}  // namespace detail

/// The topology with its parameters and ids as a JSON object (the "topology" member of a model
/// file), for files that embed models, like evolution checkpoints. Throws std::invalid_argument,
/// naming the parameter, if a parameter is NaN or infinite.
template <class T>
nlohmann::json topology_to_json(const Topology<T>& topology) {
  const TopologyData<T> data = topology.to_data();
  nlohmann::json nodes = nlohmann::json::array();
  for (const auto& n : data.nodes) {
    nlohmann::json node = {{"id", n.id}, {"kind", to_string(n.kind)}};
    if (n.has_bias) {
      node["bias"] =
          detail::finite_parameter(n.bias, n.bias_id, "the bias of node " + std::to_string(n.id));
      node["bias_id"] = n.bias_id;
    }
    nodes.push_back(std::move(node));
  }
  nlohmann::json edges = nlohmann::json::array();
  for (const auto& e : data.edges) {
    const std::string what =
        "the weight of edge " + std::to_string(e.from) + " -> " + std::to_string(e.to);
    edges.push_back({{"from", e.from},
                     {"to", e.to},
                     {"weight", detail::finite_parameter(e.weight, e.id, what)},
                     {"id", e.id}});
  }
  return {{"options", topology_options_to_json(data.options)},
          {"nodes", std::move(nodes)},
          {"edges", std::move(edges)},
          {"next_node_id", data.next_node_id},
          {"next_param_id", data.next_param_id}};
}

/// A topology from the JSON that topology_to_json() wrote, checked completely: every field
/// present and well typed, values finite (and within T's range), and the graph consistent
/// (ordered, acyclic, no duplicate edges or ids). Throws ModelFileError
/// "<file>: <where>.<field>: <problem>", `where` naming this JSON's place in the file.
template <class T>
Topology<T> topology_from_json(const nlohmann::json& json, const std::filesystem::path& file,
                               std::string_view where = "topology") {
  const JsonPlace at = JsonPlace::root<ModelFileError>(file, where);
  if (!json.is_object()) at.fail("expected an object, found " + describe_json(json));
  TopologyData<T> data;
  data.options =
      topology_options_from_json(json_member(json, at, "options"), at.key("options"));

  const nlohmann::json& nodes = read_array(json, at, "nodes");
  const JsonPlace nodes_at = at.key("nodes");
  std::size_t inputs = 0, leaves = 0;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const nlohmann::json& node = nodes[i];
    const JsonPlace node_at = nodes_at.index(i);
    typename TopologyData<T>::NodeData n{};
    n.id = read_field<NodeId>(node, node_at, "id");
    n.kind = read_enum_field<NodeKind>(node, node_at, "kind", "node kind");
    n.has_bias = n.kind == NodeKind::normal || (n.kind == NodeKind::leaf && data.options.leaf_bias);
    if (n.has_bias) {
      n.bias = read_field<T>(node, node_at, "bias");
      n.bias_id = detail::read_param_id(node, node_at, "bias_id");
    } else if (node.contains("bias")) {
      node_at.fail(n.kind == NodeKind::input
                       ? std::string("an input node has no bias")
                       : std::string("leaves have no bias unless options.leaf_bias is true"));
    }
    inputs += n.kind == NodeKind::input ? 1 : 0;
    leaves += n.kind == NodeKind::leaf ? 1 : 0;
    data.nodes.push_back(n);
  }
  if (inputs == 0 || leaves == 0) {
    nodes_at.fail("a model needs at least one input and one leaf node (found " +
                  std::to_string(inputs) + " inputs and " + std::to_string(leaves) + " leaves)");
  }

  const nlohmann::json& edges = read_array(json, at, "edges");
  const JsonPlace edges_at = at.key("edges");
  data.edges.reserve(edges.size());
  for (std::size_t i = 0; i < edges.size(); ++i) {
    const nlohmann::json& edge = edges[i];
    const JsonPlace edge_at = edges_at.index(i);
    data.edges.push_back({read_field<NodeId>(edge, edge_at, "from"),
                          read_field<NodeId>(edge, edge_at, "to"),
                          read_field<T>(edge, edge_at, "weight"),
                          detail::read_param_id(edge, edge_at, "id")});
  }
  data.next_node_id = read_field<NodeId>(json, at, "next_node_id");
  data.next_param_id = read_field<ParamId>(json, at, "next_param_id");

  try {
    return Topology<T>(data);
  } catch (const std::invalid_argument& e) {
    std::string_view problem = e.what();
    if (problem.starts_with("chaosnet::Topology: ")) problem.remove_prefix(20);
    at.fail("inconsistent topology: " + std::string(problem) +
            " (the file was edited or damaged; save the model again from chaosnet)");
  }
}

/// The whole model file as JSON (format tag, version, scalar type, preset, metadata, topology).
/// Throws std::invalid_argument naming the field if a parameter or another number is NaN or
/// infinite, or if info.metadata is not an object or nests deeper than max_json_depth.
template <class T>
nlohmann::json model_to_json(const Topology<T>& topology, const ModelInfo& info = {}) {
  if (!info.metadata.is_object()) {
    throw std::invalid_argument("cannot save model metadata that is not a JSON object (found " +
                                describe_json(info.metadata) + ")");
  }
  // Checked before it is copied into the document: copying recurses.
  check_writable_json(info.metadata, "metadata", 1);
  nlohmann::json topology_json = topology_to_json(topology);
  check_writable_json(topology_json, "topology", 1);
  return {{"format", model_format},
          {"version", model_format_version},
          {"generator", "chaosnet " CHAOSNET_VERSION},
          {"scalar", scalar_name<T>()},
          {"preset", info.preset},
          {"metadata", info.metadata},
          {"topology", std::move(topology_json)}};
}

/// A model from the JSON of a whole model file; `file` names it in errors. Checks the format tag
/// and version first, then every field; throws ModelFileError. Parameters saved as double and
/// loaded as float are rounded to the nearest float.
template <class T>
LoadedModel<T> model_from_json(const nlohmann::json& json, const std::filesystem::path& file) {
  const JsonPlace at = JsonPlace::root<ModelFileError>(file, "");
  const auto format = json.is_object() ? json.find("format") : json.end();
  if (!json.is_object() || format == json.end() || !format->is_string() ||
      format->get<std::string>() != model_format) {
    const std::string found =
        !json.is_object()      ? "a JSON document that is " + describe_json(json)
        : format == json.end() ? std::string("JSON without a \"format\" field")
                               : "JSON whose format is " + describe_json(*format);
    at.fail("is not a chaosnet model file: found " + found + ", expected \"format\": \"" +
            std::string(model_format) + "\"");
  }
  const auto version = read_field<std::uint64_t>(json, at, "version");
  if (version != model_format_version) {
    at.fail(
        "model format version " + std::to_string(version) + " is not supported; this chaosnet (" +
        CHAOSNET_VERSION + ") reads version " + std::to_string(model_format_version) + " only" +
        (version > model_format_version ? "; load it with the newer chaosnet that wrote it" : ""));
  }
  const auto scalar = read_field<std::string>(json, at, "scalar");
  if (scalar != "float" && scalar != "double") {
    at.key("scalar").fail("unknown scalar type \"" + scalar + "\" (expected float or double)");
  }
  ModelInfo info;
  info.preset = read_field<std::string>(json, at, "preset");
  info.metadata = json_member(json, at, "metadata");
  if (!info.metadata.is_object()) {
    at.key("metadata").fail("expected an object, found " + describe_json(info.metadata));
  }
  Topology<T> topology =
      topology_from_json<T>(json_member(json, at, "topology"), file, "topology");
  return {std::move(topology), std::move(info), scalar};
}

/// The model file's text: JSON, one line per node and per edge, ending in a newline.
template <class T>
std::string model_to_string(const Topology<T>& topology, const ModelInfo& info = {}) {
  std::string text;
  append_readable_json(text, model_to_json(topology, info), 0);
  text += '\n';
  return text;
}

/// A model from a model file's text; `file` names its origin in errors. Throws ModelFileError.
template <class T>
LoadedModel<T> model_from_string(std::string_view text,
                                 const std::filesystem::path& file = "<string>") {
  return model_from_json<T>(parse_model_text(text, file), file);
}

/// Save a model to `path` atomically (see write_file_atomically): the old file, if any, stays
/// intact until the new one is complete. Throws ModelFileError naming `path` if a parameter is
/// NaN or infinite (nothing is written then), if info.metadata is not an object, or if the file
/// cannot be written.
template <class T>
void save_model(const std::filesystem::path& path, const Topology<T>& topology,
                const ModelInfo& info = {}) {
  std::string text;
  try {
    text = model_to_string(topology, info);
  } catch (const std::invalid_argument& e) {
    throw ModelFileError(path, e.what());
  }
  try {
    write_file_atomically(path, text);
  } catch (const FileError& e) {
    throw ModelFileError(e.path(), e.problem());
  }
}

/// Load a model saved by save_model(), in precision T whatever it was saved in. Throws
/// ModelFileError "<path>: <problem>" for a missing, unreadable, empty, truncated or corrupt
/// file, a JSON file that is not a chaosnet model, an unsupported format version, a missing or
/// ill-typed field, a non-finite or (for float) out-of-range parameter, and an inconsistent
/// topology (duplicate or backward edges, reused ids, ...).
template <class T>
LoadedModel<T> load_model(const std::filesystem::path& path) {
  return model_from_string<T>(read_file_text<ModelFileError>(path, "model file"), path);
}

}  // namespace chaosnet
