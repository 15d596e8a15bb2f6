#pragma once

// FNV-1a, 64 bits: the one hash chaosnet uses, for checkpoint checksums (over bytes of text) and
// population fingerprints (over 64-bit words, least significant byte first). Not cryptographic:
// it detects corruption and tells bit-identical states apart, nothing more.

#include <cstdint>
#include <string>
#include <string_view>

namespace chaosnet::util {

class Fnv1a64 {
 public:
  void add_byte(unsigned char byte) {
    hash_ ^= byte;
    hash_ *= 0x100000001b3ULL;
  }
  void add_text(std::string_view text) {
    for (const char c : text) add_byte(static_cast<unsigned char>(c));
  }
  /// The eight bytes of `word`, least significant first (the same on every platform).
  void add_word(std::uint64_t word) {
    for (int byte = 0; byte < 8; ++byte) add_byte(static_cast<unsigned char>(word >> (8 * byte)));
  }
  std::uint64_t value() const { return hash_; }

 private:
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

inline std::uint64_t fnv1a64(std::string_view text) {
  Fnv1a64 hash;
  hash.add_text(text);
  return hash.value();
}

/// `value` as 16 lower-case hexadecimal digits.
inline std::string hex64(std::uint64_t value) {
  std::string text(16, '0');
  for (std::size_t i = 16; i-- > 0; value >>= 4) text[i] = "0123456789abcdef"[value & 15];
  return text;
}

}  // namespace chaosnet::util
