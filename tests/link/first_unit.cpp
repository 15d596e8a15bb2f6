// With second_unit.cpp: both include every chaosnet header, so a namespace-scope function that
// is not `inline` is defined twice and this program fails to link. This unit first includes the
// autodiff core alone, which must not bring in nlohmann/json.
#include <chaosnet/autodiff.hpp>

#ifdef NLOHMANN_JSON_VERSION_MAJOR
#error "chaosnet/autodiff.hpp includes nlohmann/json; the autodiff core must need only Eigen"
#endif

#include <chaosnet/chaosnet.hpp>

double first_unit_value() {
  chaosnet::Tape<double, 1> tape;
  const auto x = tape.variable(Eigen::Array<double, 1, 1>::Constant(2.0));
  return chaosnet::sum(chaosnet::mish(x)).value();
}
