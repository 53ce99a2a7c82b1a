// A plain, JSON-like value: what crosses between N-API (main thread) and the
// codecs (worker threads). Workers never touch N-API values; napi/convert.cc is
// the only place that turns JS values into these and back.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>
#include <vector>

namespace np {

struct Value;
using Bytes = std::vector<uint8_t>;
using Array = std::vector<Value>;
using Object = std::map<std::string, Value, std::less<>>;

struct Value {
  std::variant<std::monostate, bool, double, std::string, Bytes, Array, Object> data;

  Value() = default;
  Value(bool b) : data(b) {}
  template <typename T, std::enable_if_t<std::is_arithmetic_v<T> && !std::is_same_v<T, bool>, int> = 0>
  Value(T n) : data(static_cast<double>(n)) {}
  template <typename T, std::enable_if_t<std::is_enum_v<T>, int> = 0>
  Value(T n) : data(static_cast<double>(n)) {}
  Value(std::string s) : data(std::move(s)) {}
  Value(const char* s) : data(std::string(s)) {}
  Value(std::string_view s) : data(std::string(s)) {}
  Value(Bytes b) : data(std::move(b)) {}
  Value(Array a) : data(std::move(a)) {}
  Value(Object o) : data(std::move(o)) {}

  bool isNull() const { return std::holds_alternative<std::monostate>(data); }
  template <typename T> const T* as() const { return std::get_if<T>(&data); }
  template <typename T> T* as() { return std::get_if<T>(&data); }
};

// A caller passed something the codec cannot encode. Becomes a TypeError in JS;
// the TypeScript layer validates first, so this is a second line of defence.
class ArgumentError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Typed readers over a request's argument object. Absent or null gives nullopt;
// a present value of the wrong type or range throws ArgumentError naming the key.
const Value* findField(const Object& obj, std::string_view key);
std::optional<bool> getBool(const Object& obj, std::string_view key);
std::optional<uint64_t> getUint(const Object& obj, std::string_view key, uint64_t max);
std::optional<int64_t> getInt(const Object& obj, std::string_view key, int64_t min, int64_t max);
std::optional<std::string> getString(const Object& obj, std::string_view key);
std::optional<Bytes> getBytes(const Object& obj, std::string_view key);
const Object* getObject(const Object& obj, std::string_view key);
const Array* getArray(const Object& obj, std::string_view key);

template <typename T>
std::optional<T> getUintAs(const Object& obj, std::string_view key) {
  auto v = getUint(obj, key, static_cast<uint64_t>(std::numeric_limits<T>::max()));
  if (!v) return std::nullopt;
  return static_cast<T>(*v);
}

// Required variants: throw ArgumentError when absent.
uint64_t requireUint(const Object& obj, std::string_view key, uint64_t max);
std::string requireString(const Object& obj, std::string_view key);

}  // namespace np
