#pragma once
// Parameters declared once. A `<Algo>Params` struct lists its tunable fields in a static
// `fields()` — name, member, one line of help — and everything else is derived from that list:
// JSON in and out (registry/params_json.hpp), the command line's `--param name=value`, help text,
// manifests and the docs tables. (The habit of mlpack's `kmeans_main.cpp`, which declares each
// parameter once and derives help and checks from it.)
//
//   struct TypiClustParams {
//     Index k_nn = 20;  ///< neighbours in the typicality estimate
//     static constexpr auto fields() {
//       return std::tuple{param("k_nn", &TypiClustParams::k_nn, "neighbours in the typicality")};
//     }
//   };
//
// Supported field types: bool, int, Index (std::int64_t), std::uint64_t, float, double,
// std::string. Fields
// left out of `fields()` (tile sizes, modes fixed by a registered name) keep their defaults.

#include <concepts>
#include <tuple>

namespace coldstart {

/// One declared parameter: its public name, the member it sets and one line of help.
template <class P, class T>
struct ParamField {
  using Struct = P;
  using Type = T;
  const char* name;
  T P::*member;
  const char* help;
};

/// `param("k_nn", &TypiClustParams::k_nn, "neighbours in the typicality estimate")`.
template <class P, class T>
constexpr ParamField<P, T> param(const char* name, T P::*member, const char* help) {
  return {name, member, help};
}

/// A Params struct that declares its fields.
template <class P>
concept DeclaredParams = requires {
  P::fields();
};

/// A Params struct with a `validate()` that throws InvalidArgument on bad values.
template <class P>
concept ValidatedParams = requires(const P& p) {
  p.validate();
};

/// Calls `f(field)` for every declared field of P (nothing when P declares none).
template <class P, class F>
constexpr void for_each_param(F&& f) {
  if constexpr (DeclaredParams<P>)
    std::apply([&](const auto&... fs) { (f(fs), ...); }, P::fields());
}

}  // namespace coldstart
