#include "napi/convert.h"

#include <cmath>
#include <cstring>

#include "nl/attrs.h"

namespace np {

Value toValue(const Napi::Value& js) {
  switch (js.Type()) {
    case napi_undefined:
    case napi_null:
      return Value();
    case napi_boolean:
      return Value(js.As<Napi::Boolean>().Value());
    case napi_number:
      return Value(js.As<Napi::Number>().DoubleValue());
    case napi_string:
      return Value(js.As<Napi::String>().Utf8Value());
    case napi_object: {
      if (js.IsTypedArray()) {
        auto arr = js.As<Napi::TypedArray>();
        if (arr.TypedArrayType() != napi_uint8_array) throw ArgumentError("expected a Buffer or Uint8Array");
        auto bytes = js.As<Napi::Uint8Array>();
        return Value(Bytes(bytes.Data(), bytes.Data() + bytes.ElementLength()));
      }
      if (js.IsArray()) {
        auto arr = js.As<Napi::Array>();
        Array out;
        out.reserve(arr.Length());
        for (uint32_t i = 0; i < arr.Length(); i++) out.push_back(toValue(arr.Get(i)));
        return Value(std::move(out));
      }
      auto obj = js.As<Napi::Object>();
      Napi::Array keys = obj.GetPropertyNames();
      Object out;
      for (uint32_t i = 0; i < keys.Length(); i++) {
        Napi::Value key = keys.Get(i);
        out[key.ToString().Utf8Value()] = toValue(obj.Get(key));
      }
      return Value(std::move(out));
    }
    default:
      throw ArgumentError("unsupported value type (functions, symbols and bigints cannot be sent)");
  }
}

Napi::Value fromValue(Napi::Env env, const Value& value) {
  struct Visitor {
    Napi::Env env;
    Napi::Value operator()(const std::monostate&) const { return env.Null(); }
    Napi::Value operator()(bool b) const { return Napi::Boolean::New(env, b); }
    Napi::Value operator()(double d) const { return Napi::Number::New(env, d); }
    Napi::Value operator()(const std::string& s) const { return Napi::String::New(env, s); }
    Napi::Value operator()(const Bytes& b) const { return Napi::Buffer<uint8_t>::Copy(env, b.data(), b.size()); }
    Napi::Value operator()(const Array& a) const {
      Napi::Array out = Napi::Array::New(env, a.size());
      for (size_t i = 0; i < a.size(); i++) out.Set(static_cast<uint32_t>(i), fromValue(env, a[i]));
      return out;
    }
    Napi::Value operator()(const Object& o) const {
      // One define_properties call, with names V8 internalises as it reads
      // them, costs far less than one Set per property on large dumps.
      std::vector<napi_property_descriptor> props;
      props.reserve(o.size());
      for (const auto& [k, v] : o)
        props.push_back({k.c_str(), nullptr, nullptr, nullptr, nullptr, fromValue(env, v), napi_default_jsproperty, nullptr});
      napi_value out;
      NAPI_THROW_IF_FAILED(env, napi_create_object(env, &out), Napi::Value());
      NAPI_THROW_IF_FAILED(env, napi_define_properties(env, out, props.size(), props.data()), Napi::Value());
      return Napi::Value(env, out);
    }
  };
  return std::visit(Visitor{env}, value.data);
}

Napi::Value makeSystemError(Napi::Env env, const ErrorInfo& info) {
  Napi::Object fields = Napi::Object::New(env);
  fields.Set("errno", info.errnum);
  char buf[256];
  const char* text = strerror_r(info.errnum, buf, sizeof buf);
  fields.Set("systemMessage", text);
  fields.Set("op", info.op);
  fields.Set("action", info.action);
  fields.Set("object", info.object);
  if (!info.kernelMessage.empty()) fields.Set("kernelMessage", info.kernelMessage);
  if (!info.detail.empty()) fields.Set("detail", info.detail);
  fields.Set("interrupted", info.interrupted);
  if (info.index >= 0) fields.Set("index", info.index);
  AddonData* data = env.GetInstanceData<AddonData>();
  if (!data || data->errorClass.IsEmpty()) {
    Napi::Error err = Napi::Error::New(env, info.op + " " + info.object + ": " + text);
    err.Value().Set("fields", fields);
    return err.Value();
  }
  return data->errorClass.New({fields});
}

Napi::Value makeError(Napi::Env env, std::exception_ptr failure) {
  try {
    std::rethrow_exception(failure);
  } catch (const SystemError& e) {
    return makeSystemError(env, e.info());
  } catch (const ArgumentError& e) {
    return Napi::TypeError::New(env, e.what()).Value();
  } catch (const ParseError& e) {
    return Napi::Error::New(env, std::string("malformed netlink reply: ") + e.what()).Value();
  } catch (const std::exception& e) {
    return Napi::Error::New(env, e.what()).Value();
  } catch (...) {
    return Napi::Error::New(env, "unknown native failure").Value();
  }
}

}  // namespace np
