#include "common/value.h"

#include <cmath>
#include <limits>

namespace np {

namespace {
[[noreturn]] void wrongType(std::string_view key, const char* expected) {
  throw ArgumentError(std::string(key) + ": expected " + expected);
}
}  // namespace

const Value* findField(const Object& obj, std::string_view key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->second.isNull()) return nullptr;
  return &it->second;
}

std::optional<bool> getBool(const Object& obj, std::string_view key) {
  const Value* v = findField(obj, key);
  if (!v) return std::nullopt;
  if (auto b = v->as<bool>()) return *b;
  wrongType(key, "a boolean");
}

std::optional<uint64_t> getUint(const Object& obj, std::string_view key, uint64_t max) {
  const Value* v = findField(obj, key);
  if (!v) return std::nullopt;
  const double* d = v->as<double>();
  if (!d || !std::isfinite(*d) || *d < 0 || std::floor(*d) != *d || *d > static_cast<double>(max))
    throw ArgumentError(std::string(key) + ": expected an integer from 0 to " + std::to_string(max));
  return static_cast<uint64_t>(*d);
}

std::optional<int64_t> getInt(const Object& obj, std::string_view key, int64_t min, int64_t max) {
  const Value* v = findField(obj, key);
  if (!v) return std::nullopt;
  const double* d = v->as<double>();
  if (!d || !std::isfinite(*d) || std::floor(*d) != *d || *d < static_cast<double>(min) ||
      *d > static_cast<double>(max))
    throw ArgumentError(std::string(key) + ": expected an integer from " + std::to_string(min) + " to " +
                        std::to_string(max));
  return static_cast<int64_t>(*d);
}

std::optional<std::string> getString(const Object& obj, std::string_view key) {
  const Value* v = findField(obj, key);
  if (!v) return std::nullopt;
  if (auto s = v->as<std::string>()) return *s;
  wrongType(key, "a string");
}

std::optional<Bytes> getBytes(const Object& obj, std::string_view key) {
  const Value* v = findField(obj, key);
  if (!v) return std::nullopt;
  if (auto b = v->as<Bytes>()) return *b;
  wrongType(key, "a Buffer");
}

const Object* getObject(const Object& obj, std::string_view key) {
  const Value* v = findField(obj, key);
  if (!v) return nullptr;
  if (auto o = v->as<Object>()) return o;
  wrongType(key, "an object");
}

const Array* getArray(const Object& obj, std::string_view key) {
  const Value* v = findField(obj, key);
  if (!v) return nullptr;
  if (auto a = v->as<Array>()) return a;
  wrongType(key, "an array");
}

uint64_t requireUint(const Object& obj, std::string_view key, uint64_t max) {
  auto v = getUint(obj, key, max);
  if (!v) throw ArgumentError(std::string(key) + ": required");
  return *v;
}

std::string requireString(const Object& obj, std::string_view key) {
  auto v = getString(obj, key);
  if (!v) throw ArgumentError(std::string(key) + ": required");
  return *v;
}

}  // namespace np
