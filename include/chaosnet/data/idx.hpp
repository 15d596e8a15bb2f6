#pragma once

// IDX files, the format MNIST ships in: a big-endian header (magic, then one 32-bit size per
// dimension) followed by the raw data. We read unsigned-byte images (magic 2051: count, rows,
// cols) and unsigned-byte labels (magic 2049: count), plain or gzip-compressed. The file's size
// must match its header exactly, so a truncated download or a wrong file never becomes data, and
// the header is checked first, so a small damaged file never costs much memory or time.

#include <chaosnet/data/data_error.hpp>

#include <algorithm>
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

/// The most pixels per image the reader accepts (4096 x 4096): a header declaring more is damaged,
/// not a data set a network could be trained on.
inline constexpr std::uint64_t idx_max_image_pixels = std::uint64_t{1} << 24;

namespace detail {

inline constexpr std::uint32_t idx_image_magic = 2051;  // 0x00000803: unsigned bytes, 3 dimensions
inline constexpr std::uint32_t idx_label_magic = 2049;  // 0x00000801: unsigned bytes, 1 dimension
inline constexpr std::size_t idx_image_header_size = 16;
inline constexpr std::size_t idx_label_header_size = 8;

/// An IDX file open for reading, plain or gzip-compressed (recognised by its first two bytes,
/// 1f 8b): read() gives the plain bytes, decompressing as it goes, so nothing is read or
/// inflated beyond what the caller asks for.
class IdxInput {
 public:
  explicit IdxInput(const std::filesystem::path& path) : path_(path) {
    std::error_code error;
    const auto status = std::filesystem::status(path, error);
    if (status.type() == std::filesystem::file_type::not_found) {
      throw DataError(path, "file not found");
    }
    if (error) throw DataError(path, "cannot be accessed: " + error.message());
    if (std::filesystem::is_directory(status)) throw DataError(path, "is a directory, not a file");
    if (!std::filesystem::is_regular_file(status)) throw DataError(path, "is not a regular file");
    plain_.open(path, std::ios::binary);
    if (!plain_) throw DataError(path, "cannot be opened for reading (check its permissions)");
    std::array<char, 2> head{};
    plain_.read(head.data(), head.size());
    if (plain_.gcount() == 2 && head[0] == '\x1f' && head[1] == '\x8b') {
      plain_.close();
#ifdef CHAOSNET_WITH_ZLIB
      gzip_.reset(gzopen(path.string().c_str(), "rb"));
      if (!gzip_) throw DataError(path, "cannot be opened for reading");
      return;
#else
      throw DataError(path, "is gzip-compressed, but chaosnet was built without zlib; gunzip the "
                            "file (gunzip -k '" + path.string() + "') or rebuild with zlib "
                            "installed");
#endif
    }
    size_ = std::filesystem::file_size(path, error);
    if (error) throw DataError(path, "cannot determine its size: " + error.message());
    plain_.clear();
    plain_.seekg(0);
  }

  /// Whether the file is gzip-compressed.
  [[nodiscard]] bool gzip() const { return !plain_.is_open(); }
  /// The size of a plain file.
  [[nodiscard]] std::uint64_t plain_size() const { return size_; }

  /// Reads up to `size` bytes into `out` and returns how many; fewer only at the end of the data.
  /// Throws DataError for an I/O error or damaged gzip data.
  std::size_t read(std::uint8_t* out, std::size_t size) {
#ifdef CHAOSNET_WITH_ZLIB
    if (gzip()) return read_gzip(out, size);
#endif
    plain_.read(reinterpret_cast<char*>(out), static_cast<std::streamsize>(size));
    if (plain_.bad()) throw DataError(path_, "cannot be read (an I/O error occurred)");
    return static_cast<std::size_t>(plain_.gcount());
  }

 private:
#ifdef CHAOSNET_WITH_ZLIB
  std::size_t read_gzip(std::uint8_t* out, std::size_t size) {
    constexpr std::size_t chunk = 1u << 20;  // gzread counts in unsigned int
    std::size_t got = 0;
    while (got < size) {
      const int n =
          gzread(gzip_.get(), out + got, static_cast<unsigned>(std::min(chunk, size - got)));
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    inflated_ += got;
    if (got < size) {
      // gzread reports a stream cut short as a plain end of file; only gzerror tells them apart.
      int status = Z_OK;
      const char* message = gzerror(gzip_.get(), &status);
      if (status == Z_BUF_ERROR) {
        throw DataError(path_, "truncated gzip data: the compressed stream ends early (" +
                                   std::to_string(inflated_) + " bytes decompressed so far)");
      }
      if (status != Z_OK) throw DataError(path_, std::string("corrupt gzip data: ") + message);
    }
    return got;
  }

  std::unique_ptr<gzFile_s, decltype(&gzclose)> gzip_{nullptr, &gzclose};
  std::uint64_t inflated_ = 0;
#endif
  std::filesystem::path path_;
  std::ifstream plain_;
  std::uint64_t size_ = 0;
};

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

/// An IDX file whose magic number and header have been read and checked; payload() reads the
/// rest once the caller knows from the header how long it must be.
class IdxReader {
 public:
  IdxReader(const std::filesystem::path& path, std::uint32_t expected_magic,
            std::size_t header_size, const std::string& kind)
      : path_(path), input_(path), header_(header_size) {
    const std::size_t got = input_.read(header_.data(), header_size);
    const auto truncated_header = [&] {
      return DataError(path, "truncated: an IDX " + kind + " header is " +
                                 std::to_string(header_size) + " bytes, found " +
                                 std::to_string(got));
    };
    if (got < 4) throw truncated_header();
    const std::uint32_t magic = field(0);
    if (magic != expected_magic) {
      throw DataError(path, "expected an IDX " + kind + " file (magic " +
                                std::to_string(expected_magic) + "), found magic " +
                                std::to_string(magic) + " — " +
                                idx_magic_hint(magic, expected_magic));
    }
    if (got < header_size) throw truncated_header();
  }

  /// The big-endian 32-bit header field at byte 4 × i (0 is the magic number).
  [[nodiscard]] std::uint32_t field(std::size_t i) const {
    const std::size_t at = 4 * i;
    return (std::uint32_t{header_[at]} << 24) | (std::uint32_t{header_[at + 1]} << 16) |
           (std::uint32_t{header_[at + 2]} << 8) | std::uint32_t{header_[at + 3]};
  }

  /// The `expected` bytes after the header, which the header declares as `declared`. Throws
  /// DataError, before allocating anything, if there are fewer or more: a plain file's size
  /// tells at once, and a gzip file is inflated no further than one byte past the end.
  std::vector<std::uint8_t> payload(std::uint64_t expected, const std::string& declared) {
    if (!input_.gzip()) check_size(input_.plain_size() - header_.size(), expected, declared);
    if (expected > std::numeric_limits<std::size_t>::max()) {
      throw DataError(path_, "wrong dimensions: the header declares " + declared +
                                 ", more bytes than can be addressed");
    }
    std::vector<std::uint8_t> bytes;
    constexpr std::size_t chunk = 1u << 20;
    while (bytes.size() < expected) {
      // A gzip header may declare more than the stream holds: its buffer grows with the data.
      const std::size_t used = bytes.size();
      const std::size_t grown =
          input_.gzip() ? static_cast<std::size_t>(
                              std::min<std::uint64_t>(expected, std::max(2 * used, chunk)))
                        : static_cast<std::size_t>(expected);
      bytes.reserve(grown);
      bytes.resize(grown);
      const std::size_t got = input_.read(bytes.data() + used, grown - used);
      if (got < grown - used) {
        bytes.resize(used + got);
        break;
      }
    }
    if (bytes.size() < expected && !input_.gzip()) {
      throw DataError(path_, "read error after " + std::to_string(bytes.size()) + " of " +
                                 std::to_string(expected) + " bytes (did the file change?)");
    }
    check_size(bytes.size(), expected, declared);
    std::uint8_t extra = 0;
    if (input_.gzip() && input_.read(&extra, 1) != 0) {
      throw DataError(path_, "unexpected trailing data: the gzip data decompresses to more than "
                             "the " + std::to_string(header_.size() + expected) +
                             " bytes its header declares (" + declared + ")");
    }
    return bytes;
  }

 private:
  /// Checks that `found` bytes after the header are exactly the `expected` ones.
  void check_size(std::uint64_t found, std::uint64_t expected, const std::string& declared) const {
    if (found == expected) return;
    throw DataError(path_, std::string(found < expected ? "truncated" : "unexpected trailing data") +
                               ": the header declares " + declared + " (" +
                               std::to_string(expected) + " bytes after the header), found " +
                               std::to_string(found) + " bytes");
  }

  std::filesystem::path path_;
  IdxInput input_;
  std::vector<std::uint8_t> header_;
};

}  // namespace detail

/// Read an IDX file of unsigned-byte images (magic 2051), plain or gzip-compressed (gzip needs
/// chaosnet built with zlib). Throws DataError, naming the file, when it is missing or unreadable,
/// has another magic number, declares zero rows or columns or more than idx_max_image_pixels per
/// image, or holds fewer or more pixel bytes than its header declares. The header is checked
/// before the pixels are read, so a bad file costs no more memory than its header declares.
inline IdxImages read_idx_images(const std::filesystem::path& path) {
  detail::IdxReader file(path, detail::idx_image_magic, detail::idx_image_header_size, "image");
  IdxImages images;
  images.count = file.field(1);
  images.rows = file.field(2);
  images.cols = file.field(3);
  const std::string declared = std::to_string(images.count) + " images of " +
                               std::to_string(images.rows) + " x " + std::to_string(images.cols) +
                               " pixels";
  if (images.rows == 0 || images.cols == 0) {
    throw DataError(path, "wrong dimensions: the header declares " + declared +
                              "; rows and columns must be at least 1");
  }
  // Both below 2^32: neither product overflows 64 bits.
  const std::uint64_t pixels = std::uint64_t{images.rows} * images.cols;
  if (pixels > idx_max_image_pixels) {
    throw DataError(path, "wrong dimensions: the header declares " + declared +
                              "; chaosnet reads images of at most " +
                              std::to_string(idx_max_image_pixels) + " pixels");
  }
  images.pixels = file.payload(images.count * pixels, declared);
  return images;
}

/// Read an IDX file of unsigned-byte labels (magic 2049), plain or gzip-compressed (gzip needs
/// chaosnet built with zlib). Throws DataError, naming the file, when it is missing or unreadable,
/// has another magic number, or holds fewer or more labels than its header declares.
inline std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& path) {
  detail::IdxReader file(path, detail::idx_label_magic, detail::idx_label_header_size, "label");
  const std::uint32_t count = file.field(1);
  return file.payload(count, std::to_string(count) + " labels");
}

}  // namespace chaosnet
