#include "napi/link_info.h"

#include <string>

#include "napi/convert.h"
#include "nl/attr_index.h"
#include "nl/attrs.h"
#include "rtnl/link.h"

namespace np {

Napi::Value parseLinkInfos(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsBuffer() || !info[1].IsArray()) throw Napi::TypeError::New(env, "parseLinkInfos(buffer, ranges)");
  auto buf = info[0].As<Napi::Buffer<uint8_t>>();
  auto ranges = info[1].As<Napi::Array>();
  if (ranges.Length() % 2 != 0) throw Napi::TypeError::New(env, "ranges: expected start, length pairs");
  Napi::Array out = Napi::Array::New(env, ranges.Length() / 2);
  for (uint32_t i = 0; i + 1 < ranges.Length(); i += 2) {
    Napi::Value startJs = ranges.Get(i), lengthJs = ranges.Get(i + 1);
    if (!startJs.IsNumber() || !lengthJs.IsNumber()) throw Napi::TypeError::New(env, "ranges: expected numbers");
    int64_t start = startJs.As<Napi::Number>().Int64Value(), length = lengthJs.As<Napi::Number>().Int64Value();
    if (start < 0 || length < 0 || static_cast<uint64_t>(start + length) > buf.Length())
      throw Napi::RangeError::New(env, "ranges: " + std::to_string(start) + "+" + std::to_string(length) + " is outside the buffer");
    try {
      out.Set(i / 2, fromValue(env, Value(parseLinkInfoNest(buf.Data() + start, static_cast<size_t>(length)))));
    } catch (const ParseError& e) {
      throw Napi::Error::New(env, std::string("malformed netlink message: ") + e.what());
    }
  }
  return out;
}

Napi::Value indexAttributes(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsBuffer() || !info[1].IsObject()) throw Napi::TypeError::New(env, "indexAttributes(buffer, {headerLen, types, knownMax})");
  auto buf = info[0].As<Napi::Buffer<uint8_t>>();
  auto spec = info[1].As<Napi::Object>();
  Napi::Value headerLen = spec.Get("headerLen"), types = spec.Get("types"), knownMax = spec.Get("knownMax");
  if (!headerLen.IsNumber() || !types.IsArray() || !knownMax.IsNumber()) throw Napi::TypeError::New(env, "expected {headerLen, types, knownMax}");
  std::vector<uint16_t> wanted;
  auto arr = types.As<Napi::Array>();
  for (uint32_t i = 0; i < arr.Length(); i++) wanted.push_back(static_cast<uint16_t>(arr.Get(i).As<Napi::Number>().Uint32Value()));
  try {
    std::vector<int32_t> index = np::indexAttributes(buf.Data(), buf.Length(), headerLen.As<Napi::Number>().Uint32Value(), wanted,
                                                     static_cast<uint16_t>(knownMax.As<Napi::Number>().Uint32Value()));
    return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(index.data()), index.size() * sizeof(int32_t));
  } catch (const ParseError& e) {
    throw Napi::Error::New(env, std::string("malformed netlink message: ") + e.what());
  }
}

}  // namespace np
