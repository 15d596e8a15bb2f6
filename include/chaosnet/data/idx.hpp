#pragma once

// IDX files, the format MNIST ships in: a big-endian header (magic, then one 32-bit size per
// dimension) followed by the raw data. We read unsigned-byte images (magic 2051: count, rows,
// cols) and unsigned-byte labels (magic 2049: count), plain or gzip-compressed. The file's size
// must match its header exactly, so a truncated download or a wrong file never becomes data.

#include <chaosnet/data/data_error.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#ifdef CHAOSNET_WITH_ZLIB
#include <zlib.h>
#endif

namespace chaosnet {

/// The contents of an IDX image file.
struct IdxImages {
  std::size_t count = 0;
  std::size_t rows = 0;
  std::size_t cols = 0;
  /// count × rows × cols bytes: image after image, each row-major.
  std::vector<std::uint8_t> pixels;
};

namespace detail {

inline constexpr std::uint32_t idx_image_magic = 2051;  // 0x00000803: unsigned bytes, 3 dimensions
inline constexpr std::uint32_t idx_label_magic = 2049;  // 0x00000801: unsigned bytes, 1 dimension
inline constexpr std::size_t idx_image_header_size = 16;
inline constexpr std::size_t idx_label_header_size = 8;

inline std::uint32_t read_big_endian_u32(const std::vector<std::uint8_t>& bytes, std::size_t at) {
  return (std::uint32_t{bytes[at]} << 24) | (std::uint32_t{bytes[at + 1]} << 16) |
         (std::uint32_t{bytes[at + 2]} << 8) | std::uint32_t{bytes[at + 3]};
}

#ifdef CHAOSNET_WITH_ZLIB
/// The decompressed contents of a gzip file.
inline std::vector<std::uint8_t> read_gzip_file(const std::filesystem::path& path) {
  const std::unique_ptr<gzFile_s, decltype(&gzclose)> file(gzopen(path.string().c_str(), "rb"),
                                                           &gzclose);
  if (!file) throw DataError(path, "cannot be opened for reading");
  constexpr unsigned chunk = 1u << 20;
  std::vector<std::uint8_t> bytes;
  for (;;) {
    const std::size_t used = bytes.size();
    bytes.resize(used + chunk);
    const int got = gzread(file.get(), bytes.data() + used, chunk);
    bytes.resize(used + static_cast<std::size_t>(got > 0 ? got : 0));
    if (got <= 0) break;
  }
  // gzread reports a stream cut short as a plain end of file; only gzerror tells them apart.
  int status = Z_OK;
  const char* message = gzerror(file.get(), &status);
  if (status == Z_BUF_ERROR) {
    throw DataError(path, "truncated gzip data: the compressed stream ends early (" +
                              std::to_string(bytes.size()) + " bytes decompressed so far)");
  }
  if (status != Z_OK) throw DataError(path, std::string("corrupt gzip data: ") + message);
  return bytes;
}
#else
inline std::vector<std::uint8_t> read_gzip_file(const std::filesystem::path& path) {
  throw DataError(path, "is gzip-compressed, but chaosnet was built without zlib; gunzip the file "
                        "(gunzip -k '" + path.string() + "') or rebuild with zlib installed");
}
#endif

/// The bytes of a file, decompressed if it starts with the gzip magic bytes 1f 8b.
inline std::vector<std::uint8_t> read_data_file(const std::filesystem::path& path) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (status.type() == std::filesystem::file_type::not_found) {
    throw DataError(path, "file not found");
  }
  if (error) throw DataError(path, "cannot be accessed: " + error.message());
  if (std::filesystem::is_directory(status)) throw DataError(path, "is a directory, not a file");
  if (!std::filesystem::is_regular_file(status)) throw DataError(path, "is not a regular file");

  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path, "cannot be opened for reading (check its permissions)");
  std::array<char, 2> head{};
  in.read(head.data(), head.size());
  if (in.gcount() == 2 && head[0] == '\x1f' && head[1] == '\x8b') return read_gzip_file(path);

  const auto size = static_cast<std::size_t>(std::filesystem::file_size(path, error));
  if (error) throw DataError(path, "cannot determine its size: " + error.message());
  std::vector<std::uint8_t> bytes(size);
  in.clear();
  in.seekg(0);
  in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(size));
  if (static_cast<std::size_t>(in.gcount()) != size) {
    throw DataError(path, "read error after " + std::to_string(in.gcount()) + " of " +
                              std::to_string(size) + " bytes");
  }
  return bytes;
}

/// The element type an IDX magic number's third byte names, or nullptr if it names none.
inline const char* idx_type_name(std::uint32_t type_code) {
  switch (type_code) {
    case 0x08: return "unsigned bytes";
    case 0x09: return "signed bytes";
    case 0x0b: return "16-bit integers";
    case 0x0c: return "32-bit integers";
    case 0x0d: return "floats";
    case 0x0e: return "doubles";
    default: return nullptr;
  }
}

/// What a wrong magic number most likely means, for the error message.
inline std::string idx_magic_hint(std::uint32_t found, std::uint32_t expected) {
  if (found == idx_label_magic) return "is this a label file?";
  if (found == idx_image_magic) return "is this an image file?";
  const std::uint32_t swapped = ((found & 0xffu) << 24) | ((found & 0xff00u) << 8) |
                                ((found >> 8) & 0xff00u) | (found >> 24);
  if (swapped == expected) return "the header is little-endian, but IDX headers are big-endian";
  const char* type = idx_type_name((found >> 8) & 0xffu);
  const std::uint32_t dimensions = found & 0xffu;
  if (found >> 16 == 0 && type != nullptr && dimensions > 0) {
    return "this is an IDX file of " + std::string(type) + " with " + std::to_string(dimensions) +
           " dimension(s); chaosnet reads unsigned-byte images (3 dimensions) and labels "
           "(1 dimension)";
  }
  return "this is not an IDX file";
}

/// Check the magic number and that the whole header is present; returns the byte count after
/// the header.
inline std::size_t check_idx_header(const std::filesystem::path& path,
                                    const std::vector<std::uint8_t>& bytes,
                                    std::uint32_t expected_magic, std::size_t header_size,
                                    const std::string& kind) {
  const auto truncated_header = [&] {
    return DataError(path, "truncated: an IDX " + kind + " header is " +
                               std::to_string(header_size) + " bytes, found " +
                               std::to_string(bytes.size()));
  };
  if (bytes.size() < 4) throw truncated_header();
  const std::uint32_t magic = read_big_endian_u32(bytes, 0);
  if (magic != expected_magic) {
    throw DataError(path, "expected an IDX " + kind + " file (magic " +
                              std::to_string(expected_magic) + "), found magic " +
                              std::to_string(magic) + " — " +
                              idx_magic_hint(magic, expected_magic));
  }
  if (bytes.size() < header_size) throw truncated_header();
  return bytes.size() - header_size;
}

/// Check that the data after the header is exactly as long as the header declares.
inline void check_idx_payload(const std::filesystem::path& path, std::size_t found,
                              std::size_t expected, const std::string& declared) {
  if (found < expected) {
    throw DataError(path, "truncated: the header declares " + declared + " (" +
                              std::to_string(expected) + " bytes after the header), found " +
                              std::to_string(found) + " bytes");
  }
  if (found > expected) {
    throw DataError(path, "unexpected trailing data: the header declares " + declared + " (" +
                              std::to_string(expected) + " bytes after the header), found " +
                              std::to_string(found) + " bytes");
  }
}

}  // namespace detail

/// Read an IDX file of unsigned-byte images (magic 2051), plain or gzip-compressed (gzip needs
/// chaosnet built with zlib). Throws DataError, naming the file, when it is missing or unreadable,
/// has another magic number, declares zero rows or columns or a size that overflows, or holds
/// fewer or more pixel bytes than its header declares.
inline IdxImages read_idx_images(const std::filesystem::path& path) {
  std::vector<std::uint8_t> bytes = detail::read_data_file(path);
  const std::size_t found = detail::check_idx_header(path, bytes, detail::idx_image_magic,
                                                     detail::idx_image_header_size, "image");
  IdxImages images;
  images.count = detail::read_big_endian_u32(bytes, 4);
  images.rows = detail::read_big_endian_u32(bytes, 8);
  images.cols = detail::read_big_endian_u32(bytes, 12);
  const std::string declared = std::to_string(images.count) + " images of " +
                               std::to_string(images.rows) + " x " + std::to_string(images.cols);
  if (images.rows == 0 || images.cols == 0) {
    throw DataError(path, "wrong dimensions: the header declares " + declared +
                              " pixels; rows and columns must be at least 1");
  }
  constexpr std::size_t max_size = std::numeric_limits<std::size_t>::max();
  if (images.cols > max_size / images.rows ||
      images.count > max_size / (images.rows * images.cols)) {
    throw DataError(path, "wrong dimensions: the header declares " + declared +
                              " pixels, more bytes than can be addressed");
  }
  detail::check_idx_payload(path, found, images.count * images.rows * images.cols,
                            declared + " pixels");
  bytes.erase(bytes.begin(), bytes.begin() + detail::idx_image_header_size);
  images.pixels = std::move(bytes);
  return images;
}

/// Read an IDX file of unsigned-byte labels (magic 2049), plain or gzip-compressed (gzip needs
/// chaosnet built with zlib). Throws DataError, naming the file, when it is missing or unreadable,
/// has another magic number, or holds fewer or more labels than its header declares.
inline std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& path) {
  std::vector<std::uint8_t> bytes = detail::read_data_file(path);
  const std::size_t found = detail::check_idx_header(path, bytes, detail::idx_label_magic,
                                                     detail::idx_label_header_size, "label");
  const std::size_t count = detail::read_big_endian_u32(bytes, 4);
  detail::check_idx_payload(path, found, count, std::to_string(count) + " labels");
  bytes.erase(bytes.begin(), bytes.begin() + detail::idx_label_header_size);
  return bytes;
}

}  // namespace chaosnet
