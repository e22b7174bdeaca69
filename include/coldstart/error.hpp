#pragma once
// One exception hierarchy for the whole public API. User errors throw one of these; our own
// invariants use COLDSTART_ASSERT, which aborts in debug builds and compiles out in release.

#include <cassert>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace coldstart {

/// Root of everything the library throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Parameters out of range, mismatched shapes, budget larger than the pool.
class InvalidArgument : public Error {
 public:
  using Error::Error;
};

/// A file could not be read, written or parsed. Carries the path.
class IoError : public Error {
 public:
  IoError(std::string path, const std::string& what) : Error(what), path_(std::move(path)) {}
  explicit IoError(const std::string& what) : Error(what) {}
  [[nodiscard]] const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
};

/// NaN/Inf in data, or input too degenerate for the algorithm.
class NumericError : public Error {
 public:
  using Error::Error;
};

/// Failures inside LibTorch, CUDA, cuBLAS or OpenSSL, wrapped at the boundary.
class BackendError : public Error {
 public:
  using Error::Error;
};

namespace detail {

inline void format_into(std::ostringstream& out, std::string_view fmt) { out << fmt; }

/// Minimal "{}" formatter (GCC 12 has no std::format): each "{}" takes the next argument.
template <class T, class... Rest>
void format_into(std::ostringstream& out, std::string_view fmt, const T& first,
                 const Rest&... rest) {
  const auto pos = fmt.find("{}");
  if (pos == std::string_view::npos) {
    out << fmt;
    return;
  }
  out << fmt.substr(0, pos) << first;
  format_into(out, fmt.substr(pos + 2), rest...);
}

template <class... Args>
[[nodiscard]] std::string format(std::string_view fmt, const Args&... args) {
  std::ostringstream out;
  format_into(out, fmt, args...);
  return out.str();
}

/// Turns __PRETTY_FUNCTION__ into "folder::Class::method" (namespace coldstart:: and the
/// signature dropped) so messages name the caller the way users spell it.
[[nodiscard]] inline std::string qualified_function(std::string_view pretty) {
  std::size_t paren = pretty.find("operator()");
  paren = paren == std::string_view::npos ? pretty.find('(') : paren + 8;
  std::string_view head = pretty.substr(0, paren);
  // Drop the return type: the name starts after the last space outside template brackets.
  int depth = 0;
  std::size_t start = 0;
  for (std::size_t i = 0; i < head.size(); ++i) {
    if (head[i] == '<') ++depth;
    if (head[i] == '>') --depth;
    if (head[i] == ' ' && depth == 0) start = i + 1;
  }
  std::string name(head.substr(start));
  constexpr std::string_view kRoot = "coldstart::";
  if (name.rfind(kRoot, 0) == 0) name.erase(0, kRoot.size());
  // Strip template arguments of the enclosing class: "KMeans<...>::fit" -> "KMeans::fit".
  std::string out;
  depth = 0;
  for (char ch : name) {
    if (ch == '<') ++depth;
    if (depth == 0) out.push_back(ch);
    if (ch == '>') --depth;
  }
  return out;
}

}  // namespace detail
}  // namespace coldstart

/// Throws Exc("<folder::Class::method>: <formatted message>") when cond is false.
#define COLDSTART_CHECK(cond, Exc, ...)                                               \
  do {                                                                                \
    if (!(cond))                                                                      \
      throw Exc(::coldstart::detail::qualified_function(__PRETTY_FUNCTION__) + ": " + \
                ::coldstart::detail::format(__VA_ARGS__));                            \
  } while (false)

/// Throws IoError naming the file: "<where>: '<path>': <message>".
#define COLDSTART_IO_CHECK(cond, path, ...)                                                     \
  do {                                                                                          \
    if (!(cond))                                                                                \
      throw ::coldstart::IoError(std::string(path),                                             \
                                 ::coldstart::detail::qualified_function(__PRETTY_FUNCTION__) + \
                                     ": '" + std::string(path) +                                \
                                     "': " + ::coldstart::detail::format(__VA_ARGS__));         \
  } while (false)

#ifdef NDEBUG
#define COLDSTART_ASSERT(cond) ((void)0)
#else
#define COLDSTART_ASSERT(cond) assert(cond)
#endif
