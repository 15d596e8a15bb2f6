#pragma once

// Reading JSON files that may have been edited, damaged or cut short: the text read and parsed
// with its nesting bounded, then every value checked for its presence, type and range, each
// error one line "<file>: <where>: <problem>" that names the field ("members[3].topology.edges[2]
// .weight") and is thrown as the caller's error type (ModelFileError for model files,
// CheckpointError for checkpoints). The writing half, which refuses what this half would refuse
// to read, is io/json_writer.hpp.
//
// The names are in namespace chaosnet rather than chaosnet::json: schema code names its JSON
// parameters `json`, which would hide a namespace of that name inside those functions.

#include <chaosnet/io/io_error.hpp>
#include <chaosnet/util/enum_names.hpp>

#include <nlohmann/json.hpp>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace chaosnet {

/// How deeply arrays and objects may nest in the JSON chaosnet reads and writes. Its own files
/// nest 6 levels at most; the limit leaves room for metadata while keeping nlohmann's recursive
/// copies and dumps of a document far from the end of the stack.
inline constexpr std::size_t max_json_depth = 128;

/// What chaosnet files call the parameter type T.
template <class T>
constexpr std::string_view scalar_name() {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "chaosnet files hold float or double parameters");
  return std::is_same_v<T, float> ? "float" : "double";
}

/// Where a value sits in a JSON document, for error messages: a chain of places on the stack,
/// spelled out only when something is wrong, so reading 100K edges builds no strings. The error
/// type is chosen at the root and is not part of the type, so schema code takes a
/// `const JsonPlace&` whatever its caller throws.
class JsonPlace {
 public:
  /// The document (or the part of it at `part`, e.g. "members[3].topology") of `file`, whose
  /// fail() throws Error(file, "<where>: <problem>"); Error is a FileError.
  template <class Error>
  [[nodiscard]] static JsonPlace root(const std::filesystem::path& file, std::string_view part) {
    static_assert(std::is_base_of_v<FileError, Error>, "JsonPlace: errors are FileErrors");
    return JsonPlace(file, part, &make_error<Error>);
  }
  /// A place keeps a pointer to its file's name, which must outlive it.
  template <class Error>
  static JsonPlace root(std::filesystem::path&& file, std::string_view part) = delete;

  [[nodiscard]] JsonPlace key(std::string_view name) const { return {this, name, no_index}; }
  [[nodiscard]] JsonPlace index(std::size_t i) const { return {this, {}, i}; }

  /// "topology.edges[3].weight"; empty for the document itself.
  [[nodiscard]] std::string where() const {
    std::string prefix = parent_ != nullptr ? parent_->where() : std::string();
    if (index_ != no_index) return prefix + "[" + std::to_string(index_) + "]";
    if (prefix.empty() || key_.empty()) return prefix + std::string(key_);
    return prefix + "." + std::string(key_);
  }

  /// Throws the root's error "<file>: <where>: <problem>".
  [[noreturn]] void fail(const std::string& problem) const {
    const std::string at = where();
    std::rethrow_exception(make_error_(*file_, at.empty() ? problem : at + ": " + problem));
  }

 private:
  using MakeError = std::exception_ptr (*)(const std::filesystem::path&, const std::string&);
  static constexpr std::size_t no_index = std::numeric_limits<std::size_t>::max();

  template <class Error>
  static std::exception_ptr make_error(const std::filesystem::path& file,
                                       const std::string& problem) {
    return std::make_exception_ptr(Error(file, problem));
  }

  JsonPlace(const std::filesystem::path& file, std::string_view part, MakeError make)
      : file_(&file), key_(part), make_error_(make) {}
  JsonPlace(const JsonPlace* parent, std::string_view name, std::size_t i)
      : file_(parent->file_),
        parent_(parent),
        key_(name),
        index_(i),
        make_error_(parent->make_error_) {}

  const std::filesystem::path* file_;
  const JsonPlace* parent_ = nullptr;
  std::string_view key_;
  std::size_t index_ = no_index;
  MakeError make_error_;
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
/// a double beyond the range of float, which has no float value. chaosnet reads float only for
/// network parameters, hence the advice in that message.
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

/// The member `name` of `object`, checked to be a U: bool, std::string, a finite float or
/// double, or an unsigned integer within U's range.
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

/// The string member `name` of `object` as the enumerator of E it names in E's name table
/// (util/enum_names.hpp); a name not in the table fails as "unknown <what> ..." listing the names.
template <util::NamedEnum E>
E read_enum_field(const nlohmann::json& object, const JsonPlace& at, std::string_view name,
                  std::string_view what) {
  const auto text = read_field<std::string>(object, at, name);
  if (const std::optional<E> value = util::parse_enum<E>(text)) return *value;
  at.key(name).fail("unknown " + std::string(what) + " \"" + text + "\" (expected " +
                    util::enum_names_text<E>() + ")");
}

/// The array member `name` of `object`.
inline const nlohmann::json& read_array(const nlohmann::json& object, const JsonPlace& at,
                                        std::string_view name) {
  const nlohmann::json& value = json_member(object, at, name);
  if (!value.is_array()) at.key(name).fail("expected an array, found " + describe_json(value));
  return value;
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

/// Throws Error(file, ...) if arrays and objects in `text` nest deeper than max_json_depth.
/// Counts the brackets outside strings, so it agrees with the parser on every text the parser
/// accepts, and it runs first, so a document that deep is never built.
template <class Error>
void check_json_depth(std::string_view text, const std::filesystem::path& file) {
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
        throw Error(file, "has JSON nesting deeper than " + std::to_string(max_json_depth) +
                              " levels (arrays and objects inside each other); chaosnet files "
                              "never nest that deep, so it is damaged or is not a chaosnet file");
      }
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
}

/// The JSON document in `text`, read from `file`, a `kind` of file ("model file"); throws
/// Error(file, ...) if it is empty, not valid JSON, cut short (the message then ends in
/// `remedy`, e.g. "copy or save the model again") or nested deeper than max_json_depth.
template <class Error>
nlohmann::json parse_json_text(std::string_view text, const std::filesystem::path& file,
                               std::string_view kind, std::string_view remedy) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    throw Error(file, "is empty, not a " + std::string(kind) +
                          " (was it cut short while being copied?)");
  }
  check_json_depth<Error>(text, file);
  const auto invalid = [&](const nlohmann::json::exception& e) {
    return Error(file, "is not valid JSON (" + json_error_text(e) +
                           "); the file is damaged or is not a " + std::string(kind));
  };
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // The parser reports the byte it stopped at, one past the end when the input ran out.
    if (e.byte > text.size()) {
      throw Error(file, "is truncated: the JSON ends after " + std::to_string(text.size()) +
                            " bytes, before it is complete (" + json_error_text(e) + "); " +
                            std::string(remedy));
    }
    throw invalid(e);
  } catch (const nlohmann::json::exception& e) {
    throw invalid(e);
  }
}

/// The whole text of the file at `path`, a `kind` of file ("model file"); throws
/// Error(path, ...) if it does not exist, is a directory or cannot be read.
template <class Error>
std::string read_file_text(const std::filesystem::path& path, std::string_view kind) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    throw Error(path, "does not exist (check the path and the working directory)");
  }
  if (std::filesystem::is_directory(status)) {
    throw Error(path, "is a directory, not a " + std::string(kind));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path, "cannot be opened for reading (check its permissions)");
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) throw Error(path, "cannot be read (an I/O error occurred)");
  return text;
}

}  // namespace chaosnet
