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
#include <chaosnet/version.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

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

namespace detail {

/// How deeply arrays and objects may nest in the JSON chaosnet reads and writes. Its own files
/// nest 6 levels at most; the limit leaves room for metadata while keeping nlohmann's recursive
/// copies and dumps of a document far from the end of the stack.
inline constexpr std::size_t max_json_depth = 128;

template <class T>
constexpr std::string_view scalar_name() {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "chaosnet model files hold float or double parameters");
  return std::is_same_v<T, float> ? "float" : "double";
}

/// Where a value sits in a JSON document, for error messages: a chain of places on the stack,
/// spelled out only when something is wrong, so reading 100K edges builds no strings.
class JsonPlace {
 public:
  /// The document (or the part of it at `root`, e.g. "members[3].topology") of `file`.
  JsonPlace(const std::filesystem::path& file, std::string_view root) : file_(&file), key_(root) {}

  [[nodiscard]] JsonPlace key(std::string_view name) const { return {this, name, no_index}; }
  [[nodiscard]] JsonPlace index(std::size_t i) const { return {this, {}, i}; }

  /// "topology.edges[3].weight"; empty for the document itself.
  [[nodiscard]] std::string where() const {
    std::string prefix = parent_ != nullptr ? parent_->where() : std::string();
    if (index_ != no_index) return prefix + "[" + std::to_string(index_) + "]";
    if (prefix.empty() || key_.empty()) return prefix + std::string(key_);
    return prefix + "." + std::string(key_);
  }

  /// Throws ModelFileError "<file>: <where>: <problem>".
  [[noreturn]] void fail(const std::string& problem) const {
    const std::string at = where();
    throw ModelFileError(*file_, at.empty() ? problem : at + ": " + problem);
  }

 private:
  static constexpr std::size_t no_index = std::numeric_limits<std::size_t>::max();

  JsonPlace(const JsonPlace* parent, std::string_view name, std::size_t i)
      : file_(parent->file_), parent_(parent), key_(name), index_(i) {}

  const std::filesystem::path* file_;
  const JsonPlace* parent_ = nullptr;
  std::string_view key_;
  std::size_t index_ = no_index;
};

/// A JSON value for a message: its type and, shortened, its text.
inline std::string describe_json(const nlohmann::json& value) {
  if (value.is_null()) return "null";
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  std::string text = value.dump(-1, ' ', true, nlohmann::json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return std::string(value.is_string()    ? "the string "
                     : value.is_boolean() ? ""
                                          : "the number ") +
         text;
}

/// The member `name` of `object` (which must be an object).
inline const nlohmann::json& json_member(const nlohmann::json& object, const JsonPlace& at,
                                         std::string_view name) {
  if (!object.is_object()) at.fail("expected an object, found " + describe_json(object));
  const auto it = object.find(name);
  if (it == object.end()) at.fail("missing field \"" + std::string(name) + "\"");
  return *it;
}

/// A JSON number as a finite U (float or double); fails at `place` for anything else, including
/// a double beyond the range of float, which has no float value.
template <class U>
U finite_number(const nlohmann::json& value, const JsonPlace& place) {
  if (!value.is_number()) place.fail("expected a number, found " + describe_json(value));
  const double number = value.get<double>();
  if (!std::isfinite(number)) place.fail("expected a finite number, found " + describe_json(value));
  // Checked before the conversion: a double beyond the range of float has no float value.
  if (std::abs(number) > static_cast<double>(std::numeric_limits<U>::max())) {
    place.fail(describe_json(value) + " does not fit in " + std::string(scalar_name<U>()) +
               "; load the model as double");
  }
  return static_cast<U>(number);
}

/// The member `name` of `object`, checked to be a U: bool, std::string, a JSON object or array
/// (nlohmann::json, `array` selects the kind), a finite float or double, or an unsigned integer.
template <class U>
U read_field(const nlohmann::json& object, const JsonPlace& at, std::string_view name) {
  const nlohmann::json& value = json_member(object, at, name);
  const JsonPlace place = at.key(name);
  if constexpr (std::is_same_v<U, bool>) {
    if (!value.is_boolean()) place.fail("expected true or false, found " + describe_json(value));
    return value.get<bool>();
  } else if constexpr (std::is_same_v<U, std::string>) {
    if (!value.is_string()) place.fail("expected a string, found " + describe_json(value));
    return value.get<std::string>();
  } else if constexpr (std::is_floating_point_v<U>) {
    return finite_number<U>(value, place);
  } else {
    static_assert(std::is_unsigned_v<U>, "read_field: unsupported type");
    if (!value.is_number_unsigned() || value.get<std::uint64_t>() > std::numeric_limits<U>::max()) {
      place.fail("expected an integer from 0 to " + std::to_string(std::numeric_limits<U>::max()) +
                 ", found " + describe_json(value));
    }
    return static_cast<U>(value.get<std::uint64_t>());
  }
}

/// The array member `name` of `object`.
inline const nlohmann::json& read_array(const nlohmann::json& object, const JsonPlace& at,
                                        std::string_view name) {
  const nlohmann::json& value = json_member(object, at, name);
  if (!value.is_array()) at.key(name).fail("expected an array, found " + describe_json(value));
  return value;
}

inline ParamId read_param_id(const nlohmann::json& object, const JsonPlace& at,
                             std::string_view name) {
  const auto id = read_field<ParamId>(object, at, name);
  if (id == 0) at.key(name).fail("parameter ids start at 1 (0 marks a free slot)");
  return id;
}

inline NodeKind read_node_kind(const nlohmann::json& object, const JsonPlace& at) {
  const auto kind = read_field<std::string>(object, at, "kind");
  for (const NodeKind k : {NodeKind::input, NodeKind::normal, NodeKind::leaf}) {
    if (kind == to_string(k)) return k;
  }
  at.key("kind").fail("unknown node kind \"" + kind + "\" (expected input, normal or leaf)");
}

inline nlohmann::json options_to_json(const TopologyOptions& options) {
  const bool uniform = options.init.kind == WeightInit::Kind::uniform;
  return {{"init",
           {{"kind", uniform ? "uniform" : "fan_in_scaled"},
            {"low", options.init.low},
            {"high", options.init.high},
            {"scale", options.init.scale}}},
          {"leaf_bias", options.leaf_bias},
          {"input_edges", options.input_edges},
          {"new_node_edges_in", options.new_node_edges_in},
          {"new_node_edges_out", options.new_node_edges_out}};
}

inline TopologyOptions options_from_json(const nlohmann::json& json, const JsonPlace& at) {
  TopologyOptions options;
  const nlohmann::json& init = json_member(json, at, "init");
  const JsonPlace init_at = at.key("init");
  const auto kind = read_field<std::string>(init, init_at, "kind");
  if (kind == "uniform") {
    options.init.kind = WeightInit::Kind::uniform;
  } else if (kind == "fan_in_scaled") {
    options.init.kind = WeightInit::Kind::fan_in_scaled;
  } else {
    init_at.key("kind").fail("unknown weight initialisation \"" + kind +
                             "\" (expected uniform or fan_in_scaled)");
  }
  options.init.low = read_field<double>(init, init_at, "low");
  options.init.high = read_field<double>(init, init_at, "high");
  options.init.scale = read_field<double>(init, init_at, "scale");
  options.leaf_bias = read_field<bool>(json, at, "leaf_bias");
  options.input_edges = read_field<double>(json, at, "input_edges");
  options.new_node_edges_in = read_field<std::size_t>(json, at, "new_node_edges_in");
  options.new_node_edges_out = read_field<std::size_t>(json, at, "new_node_edges_out");
  return options;
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

/// Where in a JSON value (".loss", "[3].weight") something cannot be written, and why.
struct UnwritableJson {
  std::string where;
  std::string problem;
};

/// The first number in `json` that JSON cannot hold (NaN and infinities, which nlohmann writes as
/// null) or the first array or object nested deeper than max_json_depth, counting `enclosing`
/// levels around `json` (a file chaosnet would refuse to read back); nullopt if there is none.
inline std::optional<UnwritableJson> find_unwritable_json(const nlohmann::json& json,
                                                          std::size_t enclosing) {
  if (json.is_number_float() && !std::isfinite(json.get<double>())) {
    const double value = json.get<double>();
    const std::string name = std::isnan(value) ? "nan" : value > 0 ? "inf" : "-inf";
    return UnwritableJson{{}, "it is " + name + ", which JSON cannot hold (null would be written)"};
  }
  if (!json.is_structured()) return std::nullopt;
  if (enclosing >= max_json_depth) {
    return UnwritableJson{{},
                          "it nests arrays and objects deeper than " +
                              std::to_string(max_json_depth) +
                              " levels, which chaosnet would not read back"};
  }
  std::size_t i = 0;
  for (auto it = json.begin(); it != json.end(); ++it, ++i) {
    if (auto found = find_unwritable_json(*it, enclosing + 1)) {
      found->where.insert(0, json.is_object() ? "." + it.key() : "[" + std::to_string(i) + "]");
      return found;
    }
  }
  return std::nullopt;
}

/// Throws std::invalid_argument "cannot save <field>: <problem>" if `json`, the value at `where`
/// in a file inside `enclosing` arrays and objects, holds something find_unwritable_json()
/// finds: chaosnet never writes null for a number, nor a file it would refuse to read.
inline void check_writable_json(const nlohmann::json& json, std::string_view where,
                                std::size_t enclosing) {
  if (const std::optional<UnwritableJson> found = find_unwritable_json(json, enclosing)) {
    std::string field = std::string(where) + found->where;
    if (field.starts_with('.')) field.erase(0, 1);
    throw std::invalid_argument("cannot save " + field + ": " + found->problem);
  }
}

/// `json` as text with one line per object member and per element of an array that holds
/// objects or arrays, each such element on a single line: a model with 100K edges reads (and
/// diffs) as 100K short lines rather than one huge line (dump()) or 600K (dump(2)).
inline void append_readable_json(std::string& out, const nlohmann::json& json, std::size_t depth) {
  const auto compact = [](const nlohmann::json& value) {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  };
  const std::string indent(2 * depth, ' ');
  const std::string inner(2 * depth + 2, ' ');
  if (json.is_object() && !json.empty()) {
    out += "{";
    for (auto it = json.begin(); it != json.end(); ++it) {
      out += (it == json.begin() ? "\n" : ",\n") + inner + compact(it.key()) + ": ";
      append_readable_json(out, it.value(), depth + 1);
    }
    out += "\n" + indent + "}";
  } else if (json.is_array() && std::any_of(json.begin(), json.end(), [](const nlohmann::json& v) {
               return v.is_structured();
             })) {
    out += "[";
    for (auto it = json.begin(); it != json.end(); ++it) {
      out += (it == json.begin() ? "\n" : ",\n") + inner + compact(*it);
    }
    out += "\n" + indent + "]";
  } else {
    out += compact(json);
  }
}

/// A message from nlohmann's exceptions without its "[json.exception.…] " prefix, and with
/// bytes that are not printable ASCII (the parser quotes what it last read) escaped.
inline std::string json_error_text(const nlohmann::json::exception& e) {
  std::string_view message = e.what();
  if (const auto end = message.find("] ");
      message.starts_with("[json.exception.") && end != std::string_view::npos) {
    message.remove_prefix(end + 2);
  }
  std::string text;
  for (const char c : message) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      text += c;
    } else {
      constexpr char hex[] = "0123456789abcdef";
      text += "\\x";
      text += hex[byte >> 4];
      text += hex[byte & 15];
    }
  }
  return text;
}

/// Throws ModelFileError if arrays and objects in `text` nest deeper than max_json_depth. Counts
/// the brackets outside strings, so it agrees with the parser on every text the parser accepts,
/// and it runs first, so a document that deep is never built.
inline void check_json_depth(std::string_view text, const std::filesystem::path& file) {
  std::size_t depth = 0;
  bool in_string = false, escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_json_depth) {
        throw ModelFileError(file, "has JSON nesting deeper than " +
                                       std::to_string(max_json_depth) +
                                       " levels (arrays and objects inside each other); chaosnet "
                                       "files never nest that deep, so it is damaged or is not a "
                                       "chaosnet file");
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
}

/// The JSON document in `text`, read from `file`; ModelFileError if it is not valid JSON or
/// nests deeper than max_json_depth.
inline nlohmann::json parse_model_text(std::string_view text, const std::filesystem::path& file) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    throw ModelFileError(file, "is empty, not a model file (was it cut short while being copied?)");
  }
  check_json_depth(text, file);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // The parser reports the byte it stopped at, one past the end when the input ran out.
    if (e.byte > text.size()) {
      throw ModelFileError(file, "is truncated: the JSON ends after " +
                                     std::to_string(text.size()) +
                                     " bytes, before it is complete (" + json_error_text(e) +
                                     "); copy or save the model again");
    }
    throw ModelFileError(file, "is not valid JSON (" + json_error_text(e) +
                                   "); the file is damaged or is not a model file");
  } catch (const nlohmann::json::exception& e) {
    throw ModelFileError(file, "is not valid JSON (" + json_error_text(e) +
                                   "); the file is damaged or is not a model file");
  }
}

inline std::string read_model_file(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    throw ModelFileError(path, "does not exist (check the path and the working directory)");
  }
  if (std::filesystem::is_directory(status)) {
    throw ModelFileError(path, "is a directory, not a model file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ModelFileError(path, "cannot be opened for reading (check its permissions)");
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw ModelFileError(path, "cannot be read (an I/O error occurred)");
  return text;
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
  return {{"options", detail::options_to_json(data.options)},
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
  const detail::JsonPlace at(file, where);
  if (!json.is_object()) at.fail("expected an object, found " + detail::describe_json(json));
  TopologyData<T> data;
  data.options =
      detail::options_from_json(detail::json_member(json, at, "options"), at.key("options"));

  const nlohmann::json& nodes = detail::read_array(json, at, "nodes");
  const detail::JsonPlace nodes_at = at.key("nodes");
  std::size_t inputs = 0, leaves = 0;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const nlohmann::json& node = nodes[i];
    const detail::JsonPlace node_at = nodes_at.index(i);
    typename TopologyData<T>::NodeData n{};
    n.id = detail::read_field<NodeId>(node, node_at, "id");
    n.kind = detail::read_node_kind(node, node_at);
    n.has_bias = n.kind == NodeKind::normal || (n.kind == NodeKind::leaf && data.options.leaf_bias);
    if (n.has_bias) {
      n.bias = detail::read_field<T>(node, node_at, "bias");
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

  const nlohmann::json& edges = detail::read_array(json, at, "edges");
  const detail::JsonPlace edges_at = at.key("edges");
  data.edges.reserve(edges.size());
  for (std::size_t i = 0; i < edges.size(); ++i) {
    const nlohmann::json& edge = edges[i];
    const detail::JsonPlace edge_at = edges_at.index(i);
    data.edges.push_back({detail::read_field<NodeId>(edge, edge_at, "from"),
                          detail::read_field<NodeId>(edge, edge_at, "to"),
                          detail::read_field<T>(edge, edge_at, "weight"),
                          detail::read_param_id(edge, edge_at, "id")});
  }
  data.next_node_id = detail::read_field<NodeId>(json, at, "next_node_id");
  data.next_param_id = detail::read_field<ParamId>(json, at, "next_param_id");

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
                                detail::describe_json(info.metadata) + ")");
  }
  // Checked before it is copied into the document: copying recurses.
  detail::check_writable_json(info.metadata, "metadata", 1);
  nlohmann::json topology_json = topology_to_json(topology);
  detail::check_writable_json(topology_json, "topology", 1);
  return {{"format", model_format},
          {"version", model_format_version},
          {"generator", "chaosnet " CHAOSNET_VERSION},
          {"scalar", detail::scalar_name<T>()},
          {"preset", info.preset},
          {"metadata", info.metadata},
          {"topology", std::move(topology_json)}};
}

/// A model from the JSON of a whole model file; `file` names it in errors. Checks the format tag
/// and version first, then every field; throws ModelFileError. Parameters saved as double and
/// loaded as float are rounded to the nearest float.
template <class T>
LoadedModel<T> model_from_json(const nlohmann::json& json, const std::filesystem::path& file) {
  const detail::JsonPlace at(file, "");
  const auto format = json.is_object() ? json.find("format") : json.end();
  if (!json.is_object() || format == json.end() || !format->is_string() ||
      format->get<std::string>() != model_format) {
    const std::string found =
        !json.is_object()      ? "a JSON document that is " + detail::describe_json(json)
        : format == json.end() ? std::string("JSON without a \"format\" field")
                               : "JSON whose format is " + detail::describe_json(*format);
    at.fail("is not a chaosnet model file: found " + found + ", expected \"format\": \"" +
            std::string(model_format) + "\"");
  }
  const auto version = detail::read_field<std::uint64_t>(json, at, "version");
  if (version != model_format_version) {
    at.fail(
        "model format version " + std::to_string(version) + " is not supported; this chaosnet (" +
        CHAOSNET_VERSION + ") reads version " + std::to_string(model_format_version) + " only" +
        (version > model_format_version ? "; load it with the newer chaosnet that wrote it" : ""));
  }
  const auto scalar = detail::read_field<std::string>(json, at, "scalar");
  if (scalar != "float" && scalar != "double") {
    at.key("scalar").fail("unknown scalar type \"" + scalar + "\" (expected float or double)");
  }
  ModelInfo info;
  info.preset = detail::read_field<std::string>(json, at, "preset");
  info.metadata = detail::json_member(json, at, "metadata");
  if (!info.metadata.is_object()) {
    at.key("metadata").fail("expected an object, found " + detail::describe_json(info.metadata));
  }
  Topology<T> topology =
      topology_from_json<T>(detail::json_member(json, at, "topology"), file, "topology");
  return {std::move(topology), std::move(info), scalar};
}

/// The model file's text: JSON, one line per node and per edge, ending in a newline.
template <class T>
std::string model_to_string(const Topology<T>& topology, const ModelInfo& info = {}) {
  std::string text;
  detail::append_readable_json(text, model_to_json(topology, info), 0);
  text += '\n';
  return text;
}

/// A model from a model file's text; `file` names its origin in errors. Throws ModelFileError.
template <class T>
LoadedModel<T> model_from_string(std::string_view text,
                                 const std::filesystem::path& file = "<string>") {
  return model_from_json<T>(detail::parse_model_text(text, file), file);
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
  return model_from_string<T>(detail::read_model_file(path), path);
}

}  // namespace chaosnet
