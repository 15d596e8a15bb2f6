// Writes the seed corpora of the fuzz targets: small valid files made by the library itself and
// near-valid variants of them (truncated, damaged, one field wrong), a few KB per target.
// Usage: make_corpus DIR (tests/fuzz/corpus); it replaces the files it writes.

#include <fuzz/checkpoint_fuzz.hpp>
#include <evolution/tiny_evolution.hpp>
#include <support/idx_writer.hpp>

#include <chaosnet/chaosnet.hpp>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace fs = std::filesystem;
using chaosnet::test::idx_image_bytes;
using chaosnet::test::idx_label_bytes;

void write_text(const fs::path& file, std::string_view text) {
  chaosnet::test::write_file(
      file, {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()});
}

std::vector<std::uint8_t> gzip(std::span<const std::uint8_t> bytes, const fs::path& scratch) {
  chaosnet::test::write_gzip_file(scratch, bytes);
  return chaosnet::test::read_file(scratch);
}

void write_idx(const fs::path& plain, const fs::path& gz) {
  const std::vector<std::uint8_t> pixels = {0,   1,   2,   3,   4,   5,   6, 7, 8,
                                            250, 251, 252, 253, 254, 255, 9, 9, 9};
  const std::vector<std::uint8_t> labels = {0, 1, 2, 9, 5};
  const auto images = idx_image_bytes(2, 3, 3, pixels);
  const auto label_file = idx_label_bytes(5, labels);
  for (const fs::path& dir : {plain, gz}) {
    chaosnet::test::write_file(dir / "images-2x3x3.idx", images);
    chaosnet::test::write_file(dir / "labels-5.idx", label_file);
  }
  chaosnet::test::write_file(plain / "images-0x28x28.idx", idx_image_bytes(0, 28, 28, {}));
  chaosnet::test::write_file(plain / "images-truncated.idx",
                             idx_image_bytes(2, 3, 3, std::span(pixels).first(10)));
  chaosnet::test::write_file(plain / "images-little-endian.idx",
                             idx_image_bytes(2, 3, 3, pixels, 0x03080000));
  chaosnet::test::write_file(plain / "labels-trailing.idx", idx_label_bytes(3, labels));

  const fs::path scratch = gz / "scratch.gz";
  const auto images_gz = gzip(images, scratch);
  chaosnet::test::write_file(gz / "images-2x3x3.idx.gz", images_gz);
  chaosnet::test::write_file(gz / "labels-5.idx.gz", gzip(label_file, scratch));
  chaosnet::test::write_file(gz / "images-truncated.idx.gz",
                             std::span(images_gz).first(images_gz.size() - 6));
  // Two gzip members, one after the other: gzip readers join them.
  auto joined = gzip(std::span(label_file).first(6), scratch);
  const auto second = gzip(std::span(label_file).subspan(6), scratch);
  joined.insert(joined.end(), second.begin(), second.end());
  chaosnet::test::write_file(gz / "labels-two-members.idx.gz", joined);
  fs::remove(scratch);
}

void write_models(const fs::path& dir) {
  chaosnet::Rng rng(3);
  chaosnet::TopologyOptions options;
  options.input_edges = 2;
  options.new_node_edges_in = 2;
  options.new_node_edges_out = 2;
  chaosnet::Topology<double> plain(2, 2, rng, options);
  chaosnet::add_nodes(plain, chaosnet::NodeKind::normal, 1, rng);
  const std::string text = chaosnet::model_to_string(plain, {"v01", {{"epochs", 1}}});
  write_text(dir / "tiny.model.json", text);
  write_text(dir / "truncated.model.json", std::string_view(text).substr(0, text.size() / 2));

  options.leaf_bias = true;
  chaosnet::Topology<float> leaf_bias(1, 2, rng, options);
  write_text(dir / "float-leaf-bias.model.json", chaosnet::model_to_string(leaf_bias));

  const nlohmann::json json = nlohmann::json::parse(text);
  auto edit = [&](std::string_view name, auto change) {
    nlohmann::json copy = json;
    change(copy);
    write_text(dir / name, copy.dump());
  };
  edit("version-2.model.json", [](nlohmann::json& j) { j["version"] = 2; });
  edit("no-edges.model.json", [](nlohmann::json& j) { j["topology"].erase("edges"); });
  edit("backward-edge.model.json", [](nlohmann::json& j) {
    auto& edge = j["topology"]["edges"][0];
    std::swap(edge["from"], edge["to"]);
  });
}

void write_checkpoints(const fs::path& dir) {
  // The unit tests' tiny run, cut down to two members with one hidden node each.
  chaosnet::EvolutionOptions o = chaosnet_test::tiny_evolution_options();
  o.population = 2;
  o.initial_hidden = 1;
  chaosnet::Population<float, 32> population(o, 2, 2);
  // One generation, so that the members carry optimizer state and the run a history.
  std::vector<float> pixels(2 * 32);  // one batch of 32 two-pixel images
  std::vector<int> labels(32);
  for (std::size_t i = 0; i < labels.size(); ++i) {
    labels[i] = static_cast<int>(i % 2);
    pixels[2 * i + i % 2] = 1;
  }
  const chaosnet::Dataset data(pixels, labels, 1, 2, 2);
  chaosnet::WorkerPool pool(1);
  population.evolve(data, data, pool);
  const std::string text = chaosnet::checkpoint_to_string(population, {{"note", "seed"}});
  // Bodies alone, their generator states replaced by the placeholder; the target gives them a
  // valid header.
  const std::size_t start = text.find("\"body\":") + 7;
  nlohmann::json body = nlohmann::json::parse(text.substr(start, text.size() - start - 2));
  body["batch_rng"] = chaosnet::fuzz::rng_placeholder;
  for (auto& member : body["members"]) member["rng"] = chaosnet::fuzz::rng_placeholder;
  write_text(dir / "body.json", body.dump());
  body["batch"] = 16;
  write_text(dir / "body-batch-16.json", body.dump());
  body["batch"] = 32;
  body["members"][0]["id"] = 0;
  write_text(dir / "body-member-id-0.json", body.dump());

  // Whole files, for the header checks: bodies of two bytes and none, and the first damaged.
  const auto framed = [](std::string_view body) {
    return chaosnet::checksummed_file_text(chaosnet::checkpoint_file_format, body);
  };
  const std::string empty = framed("{}");
  write_text(dir / "empty-body.json", empty);
  write_text(dir / "zero-byte-body.json", framed(""));
  write_text(dir / "truncated.json", std::string_view(empty).substr(0, empty.size() - 3));
  std::string damaged = empty;
  damaged[damaged.find("\"body\"") - 3] ^= 1;
  write_text(dir / "bad-checksum.json", damaged);
  // A version after the current one (2), which the frame refuses.
  std::string version_3 = empty;
  version_3[version_3.find("\"version\":") + 10] = '3';
  write_text(dir / "version-3.json", version_3);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_corpus DIR\n");
    return 2;
  }
  const fs::path root = argv[1];
  for (const char* target : {"idx_plain", "idx_gzip", "model_file", "checkpoint"}) {
    fs::create_directories(root / target);
  }
  write_idx(root / "idx_plain", root / "idx_gzip");
  write_models(root / "model_file");
  write_checkpoints(root / "checkpoint");
  return 0;
}
