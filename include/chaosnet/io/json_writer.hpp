#pragma once

// Writing JSON that io/json_reader.hpp reads back: the checks that refuse what JSON cannot hold
// (NaN and infinities, which nlohmann would write as null) or what the reader would refuse
// (nesting deeper than max_json_depth), naming the field, and a layout that stays readable and
// diffable for documents with 100K array elements.

#include <chaosnet/io/json_reader.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace chaosnet {

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
      // Built by appending: GCC 12 warns falsely (-Wstringop-overflow) on "." + std::string&&.
      std::string step(1, json.is_object() ? '.' : '[');
      step += json.is_object() ? it.key() : std::to_string(i) + "]";
      found->where.insert(0, step);
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

/// Appends `json` as text with one line per object member and per element of an array that
/// holds objects or arrays, each such element on a single line: a model with 100K edges reads
/// (and diffs) as 100K short lines rather than one huge line (dump()) or 600K (dump(2)). `depth`
/// is the indentation level of `json`, 0 for a whole document.
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

}  // namespace chaosnet
