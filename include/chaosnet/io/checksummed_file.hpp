#pragma once

// Files guarded against truncation and damage, kept in a rotation of three so that neither a
// crash nor a damaged file loses the last good one. A file is JSON with a header:
//
//     {"format":"<tag>","version":V,"bytes":B,"fnv1a64":"<16 hex>","body":<body>}
//
// and a newline, where the body is exactly B bytes whose FNV-1a 64 hash (util/fnv1a.hpp) is the
// given one. The header is checked as text, before any parsing, so a reader learns that a file
// is cut short or damaged without building its document.
//
// A rotation in a directory, for a stem like "checkpoint":
//   checkpoint.json       the newest file
//   checkpoint.prev.json  the one before it, the fallback when the newest is damaged
//   checkpoint.bad.json   a damaged newest file, moved aside rather than overwritten
//
// Evolution checkpoints (evolution/checkpoint.hpp) are written this way. Errors are thrown as the
// caller's FileError type, given as a template parameter.

#include <chaosnet/io/atomic_file.hpp>
#include <chaosnet/io/io_error.hpp>
#include <chaosnet/io/json_reader.hpp>
#include <chaosnet/util/fnv1a.hpp>
#include <chaosnet/version.hpp>

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace chaosnet {

/// A kind of checksummed file: what its header says and what messages call it.
struct ChecksummedFormat {
  std::string_view tag;       ///< the header's "format", e.g. "chaosnet-evolution-checkpoint"
  std::uint64_t version;      ///< the header's "version", the only one written and read
  std::string_view name;      ///< "chaosnet evolution checkpoint", as in "is not a <name>"
  std::string_view kind;      ///< "checkpoint", as in "is <kind> format version 2"
};

/// The text of a file of `format` holding `body`.
inline std::string checksummed_file_text(const ChecksummedFormat& format, std::string_view body) {
  return "{\"format\":\"" + std::string(format.tag) +
         "\",\"version\":" + std::to_string(format.version) +
         ",\"bytes\":" + std::to_string(body.size()) + ",\"fnv1a64\":\"" +
         util::hex64(util::fnv1a64(body)) + "\",\"body\":" + std::string(body) + "}\n";
}

/// The body of the file text `text` of `format`, read from `file`, after its header, size and
/// checksum check out; throws Error(file, ...) saying what is wrong otherwise.
template <class Error>
std::string_view checked_file_body(const ChecksummedFormat& format, std::string_view text,
                                   const std::filesystem::path& file) {
  if (text.empty()) {
    throw Error(file, "is empty (the run stopped before the file was complete?)");
  }
  const std::string prefix = "{\"format\":\"" + std::string(format.tag) + "\",\"version\":";
  if (!text.starts_with(prefix)) {
    throw Error(file, "is not a " + std::string(format.name) + " (it does not begin with " +
                          prefix + "...); the file is damaged or is something else");
  }
  std::uint64_t version = 0, bytes = 0;
  const char* p = text.data() + prefix.size();
  const char* end = text.data() + text.size();
  auto number = [&](std::uint64_t& value, std::string_view after) {
    const auto r = std::from_chars(p, end, value);
    if (r.ec != std::errc() ||
        !std::string_view(r.ptr, static_cast<std::size_t>(end - r.ptr)).starts_with(after)) {
      throw Error(file, "has a damaged header (the text before \"body\")");
    }
    p = r.ptr + after.size();
  };
  number(version, ",\"bytes\":");
  if (version != format.version) {
    throw Error(file, "is " + std::string(format.kind) + " format version " +
                          std::to_string(version) + "; this chaosnet (" + CHAOSNET_VERSION +
                          ") reads version " + std::to_string(format.version) + " only");
  }
  number(bytes, ",\"fnv1a64\":\"");
  const std::string_view rest(p, static_cast<std::size_t>(end - p));
  constexpr std::string_view body_key = "\",\"body\":";
  if (rest.size() < 16 + body_key.size() || rest.substr(16, body_key.size()) != body_key) {
    throw Error(file, "has a damaged header (the text before \"body\")");
  }
  const std::string_view checksum = rest.substr(0, 16);
  const std::string_view tail = rest.substr(16 + body_key.size());
  constexpr std::string_view closing = "}\n";
  // Compared without adding to `bytes`, which the file controls and could make wrap around.
  if (bytes > tail.size() || tail.size() - bytes < closing.size()) {
    throw Error(file, "is truncated: it holds " + std::to_string(text.size()) +
                          " bytes, too few for its " + std::to_string(bytes) +
                          "-byte body (the writer was interrupted or the copy is incomplete)");
  }
  if (tail.size() - bytes != closing.size() || tail.substr(bytes) != closing) {
    throw Error(file, "is damaged: its body is not the " + std::to_string(bytes) +
                          " bytes its header announces");
  }
  const std::string_view body = tail.substr(0, bytes);
  if (util::hex64(util::fnv1a64(body)) != checksum) {
    throw Error(file, "is damaged: its contents do not match their checksum");
  }
  return body;
}

/// The files of a rotation.
struct RotatedFiles {
  std::filesystem::path current;   ///< <stem>.json
  std::filesystem::path previous;  ///< <stem>.prev.json
  std::filesystem::path bad;       ///< <stem>.bad.json
};

/// The files of the rotation `stem` in the directory `dir`.
inline RotatedFiles rotated_files(const std::filesystem::path& dir, std::string_view stem) {
  const std::string name(stem);
  return {dir / (name + ".json"), dir / (name + ".prev.json"), dir / (name + ".bad.json")};
}

namespace detail {

/// The whole text of `file`, or nullopt if it does not exist; Error if it cannot be read.
template <class Error>
std::optional<std::string> read_if_exists(const std::filesystem::path& file,
                                          std::string_view kind) {
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return std::nullopt;
  return read_file_text<Error>(file, kind);
}

}  // namespace detail

/// Writes `text`, a file of `format`, as the newest of the rotation `stem` in `dir` (created if
/// needed): the newest file, if sound, becomes <stem>.prev.json (a damaged one is moved to
/// <stem>.bad.json instead, so the last good file is never replaced by garbage), then
/// <stem>.json is written atomically. A crash at any point leaves a sound file to read. Throws
/// Error.
template <class Error>
void write_rotated_file(const std::filesystem::path& dir, std::string_view stem,
                        const ChecksummedFormat& format, std::string_view text) {
  const RotatedFiles files = rotated_files(dir, stem);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw Error(dir, "cannot be created (" + ec.message() + ")");
  bool sound = false;
  std::optional<std::string> newest;
  try {
    newest = detail::read_if_exists<Error>(files.current, format.kind);
    if (newest) {
      checked_file_body<Error>(format, *newest, files.current);
      sound = true;
    }
  } catch (const Error&) {
    sound = false;
  }
  if (newest) {
    std::filesystem::rename(files.current, sound ? files.previous : files.bad, ec);
    if (ec) throw Error(files.current, "cannot be renamed (" + ec.message() + ")");
  }
  try {
    write_file_atomically(files.current, text);
  } catch (const FileError& e) {
    throw Error(e.path(), e.problem());
  }
}

/// The newest sound file of a rotation: its whole text (the frame with its body) and where it
/// came from.
struct SoundFile {
  std::string text;
  std::filesystem::path file;
  std::string warning;  ///< why <stem>.json was passed over for <stem>.prev.json, if it was
};

/// The newest file of the rotation `stem` in `dir` whose header, size and checksum check out:
/// <stem>.json, or, if that is missing, cut short or damaged, <stem>.prev.json, with `warning`
/// saying why. Throws Error naming the files and their problems when neither can be used.
template <class Error>
SoundFile read_rotated_file(const std::filesystem::path& dir, std::string_view stem,
                            const ChecksummedFormat& format) {
  const RotatedFiles files = rotated_files(dir, stem);
  const std::string kind(format.kind);
  std::string problem;  // what is wrong with <stem>.json
  try {
    if (auto text = detail::read_if_exists<Error>(files.current, kind)) {
      checked_file_body<Error>(format, *text, files.current);
      return {std::move(*text), files.current, {}};
    }
    problem = "does not exist";
  } catch (const Error& e) {
    problem = e.problem();
  }
  try {
    if (auto text = detail::read_if_exists<Error>(files.previous, kind)) {
      checked_file_body<Error>(format, *text, files.previous);
      return {std::move(*text), files.previous,
              files.current.string() + ": " + problem + "; resuming from the previous " + kind +
                  " " + files.previous.string()};
    }
  } catch (const Error& e) {
    throw Error(files.current,
                problem + ", and the previous " + kind + " is unusable too (" + e.what() + ")");
  }
  if (problem == "does not exist") {
    throw Error(dir, "holds no " + kind + " to resume from (no " +
                         files.current.filename().string() + " or " +
                         files.previous.filename().string() + ")");
  }
  throw Error(files.current,
              problem + ", and there is no previous " + kind + " to fall back to");
}

}  // namespace chaosnet
