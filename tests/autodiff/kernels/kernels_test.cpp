// The kernel list: a kernel's code is its index, and dispatch reaches the kernel of a code.

#include <chaosnet/autodiff.hpp>

#include <catch2/catch.hpp>

namespace {
struct First {};
struct Second {};
struct Third {};
using List = chaosnet::detail::KernelList<First, Second, Third>;
}  // namespace

TEST_CASE("Kernels: a kernel's code is its index, and dispatch reaches the kernel of a code",
          "[autodiff][kernels]") {
  STATIC_REQUIRE(List::code<First> == 0);
  STATIC_REQUIRE(List::code<Second> == 1);
  STATIC_REQUIRE(List::code<Third> == 2);
  for (chaosnet::detail::OpCode code = 0; code < 3; ++code) {
    int reached = -1;
    int calls = 0;
    List::dispatch(code, [&]<class Kernel>() {
      reached = List::code<Kernel>;
      ++calls;
    });
    CHECK(reached == code);
    CHECK(calls == 1);
  }
  int calls = 0;
  List::dispatch(3, [&]<class>() { ++calls; });
  CHECK(calls == 0);  // not a code: nothing runs
}
