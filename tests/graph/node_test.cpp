// Node kinds: the names model files store them by.

#include <chaosnet/graph/node.hpp>

#include <catch2/catch.hpp>

#include <optional>

using chaosnet::NodeKind;
using chaosnet::util::parse_enum;

TEST_CASE("Node: every kind round-trips through its model-file name", "[graph]") {
  CHECK(chaosnet::to_string(NodeKind::input) == "input");
  CHECK(chaosnet::to_string(NodeKind::normal) == "normal");
  CHECK(chaosnet::to_string(NodeKind::leaf) == "leaf");
  for (const NodeKind kind : {NodeKind::input, NodeKind::normal, NodeKind::leaf}) {
    CHECK(parse_enum<NodeKind>(chaosnet::to_string(kind)) == kind);
  }
  CHECK(parse_enum<NodeKind>("hidden") == std::nullopt);
  CHECK(chaosnet::util::enum_names_text<NodeKind>() == "input, normal or leaf");
}
