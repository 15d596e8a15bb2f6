// Writes a tiny synthetic MNIST-like dataset (the four IDX files, 28 x 28, 10 classes) for the
// CLI smoke tests: make_tiny_mnist DIR [TRAIN_COUNT TEST_COUNT].

#include <support/idx_writer.hpp>

#include <charconv>
#include <cstdint>
#include <exception>
#include <iostream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace {

std::uint32_t parse_count(std::string_view name, std::string_view text) {
  std::uint32_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || value == 0) {
    throw std::invalid_argument(std::string(name) + " must be a positive integer, got '" +
                                std::string(text) + "'");
  }
  return value;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 4) {
    std::cerr << "usage: make_tiny_mnist DIR [TRAIN_COUNT TEST_COUNT]\n"
                 "writes train-/t10k- images and labels (IDX, 28 x 28, 10 classes) into DIR\n";
    return 2;
  }
  try {
    chaosnet::test::TinyMnistSizes sizes;
    if (argc == 4) {
      sizes.train = parse_count("TRAIN_COUNT", argv[2]);
      sizes.test = parse_count("TEST_COUNT", argv[3]);
    }
    chaosnet::test::write_tiny_mnist(argv[1], sizes);
    std::cout << "wrote " << sizes.train << " training and " << sizes.test << " test samples of "
              << sizes.rows << " x " << sizes.cols << " to " << argv[1] << '\n';
  } catch (const std::exception& error) {
    std::cerr << "make_tiny_mnist: " << error.what() << '\n';
    return 1;
  }
  return 0;
}
