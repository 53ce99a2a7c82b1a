// nf_tables set elements: NFT_MSG_NEWSETELEM, NFT_MSG_DELSETELEM (some
// elements, or all of them: `nft flush set`), NFT_MSG_GETSETELEM (dump).
// One message carries as many elements as fit its 64 KiB element list; the
// TypeScript batch splits bigger lists over several messages of one transaction.
#include "nft/nft.h"

namespace np::nft {
namespace {

const Names kElemFlags = {{"interval-end", NFT_SET_ELEM_INTERVAL_END}, {"catchall", NFT_SET_ELEM_CATCHALL}};

void putValue(MessageBuilder& b, uint16_t type, const Bytes& bytes) {
  Object data{{"value", Value(bytes)}};
  putData(b, type, data);
}

void putElements(const Array& elements, MessageBuilder& b, bool withData) {
  MessageBuilder::Nest list(b, NFTA_SET_ELEM_LIST_ELEMENTS);
  for (size_t i = 0; i < elements.size(); i++) {
    const Object* e = elements[i].as<Object>();
    if (!e) throw ArgumentError("elements[" + std::to_string(i) + "]: expected an object");
    try {
      // Numbered 1, 2, 3 ... as libnftnl numbers them; the kernel reads any type here.
      // A message's 64 KiB list holds far fewer than the 14-bit type's 16383 elements.
      if (i + 1 > static_cast<size_t>(NLA_TYPE_MASK)) throw ArgumentError("too many elements for one message");
      MessageBuilder::Nest elem(b, static_cast<uint16_t>(i + 1));
      uint32_t flags = getFlags(*e, "flags", kElemFlags);
      if (flags) b.putBe32(NFTA_SET_ELEM_FLAGS, flags);
      if (withData) {
        if (auto timeout = getUint(*e, "timeout", UINT64_MAX >> 11)) b.putBe64(NFTA_SET_ELEM_TIMEOUT, *timeout);
      }
      auto key = getBytes(*e, "key");
      if (key)
        putValue(b, NFTA_SET_ELEM_KEY, *key);
      else if (!(flags & NFT_SET_ELEM_CATCHALL))
        throw ArgumentError("key: required");
      if (auto keyEnd = getBytes(*e, "keyEnd")) putValue(b, NFTA_SET_ELEM_KEY_END, *keyEnd);
      if (withData) {
        if (auto data = getBytes(*e, "data"))
          putValue(b, NFTA_SET_ELEM_DATA, *data);
        else if (findField(*e, "verdict"))
          putData(b, NFTA_SET_ELEM_DATA, *e);
        if (auto userdata = getBytes(*e, "userdata")) b.putBytes(NFTA_SET_ELEM_USERDATA, *userdata);
      }
    } catch (const ArgumentError& err) {
      throw ArgumentError("elements[" + std::to_string(i) + "]: " + err.what());
    }
  }
}

// The packed form of many plain elements (no flags, timeouts or verdicts):
// keys and data as two buffers of fixed-size records, and one userdata (the
// owner's comment) for all of them. Crossing from JS as two buffers instead of
// thousands of objects is what keeps 10,000 elements cheap.
void putPackedElements(const Object& args, MessageBuilder& b) {
  auto keys = getBytes(args, "keys");
  auto userdata = getBytes(args, "userdata");
  uint64_t keyLen = requireUint(args, "keyLen", NFT_DATA_VALUE_MAXLEN);
  auto data = getBytes(args, "data");
  uint64_t dataLen = data ? requireUint(args, "dataLen", NFT_DATA_VALUE_MAXLEN) : 0;
  if (keyLen == 0 || keys->empty() || keys->size() % keyLen != 0) throw ArgumentError("keys: a whole number of keyLen-byte keys");
  size_t count = keys->size() / keyLen;
  if (data && data->size() != count * dataLen) throw ArgumentError("data: one dataLen-byte value per key");
  if (count > static_cast<size_t>(NLA_TYPE_MASK)) throw ArgumentError("too many elements for one message");
  MessageBuilder::Nest list(b, NFTA_SET_ELEM_LIST_ELEMENTS);
  for (size_t i = 0; i < count; i++) {
    MessageBuilder::Nest elem(b, static_cast<uint16_t>(i + 1));
    {
      MessageBuilder::Nest key(b, NFTA_SET_ELEM_KEY);
      b.put(NFTA_DATA_VALUE, keys->data() + i * keyLen, keyLen);
    }
    if (data) {
      MessageBuilder::Nest value(b, NFTA_SET_ELEM_DATA);
      b.put(NFTA_DATA_VALUE, data->data() + i * dataLen, dataLen);
    }
    if (userdata) b.putBytes(NFTA_SET_ELEM_USERDATA, *userdata);
  }
}

void putListHeader(const Object& args, MessageBuilder& b, RequestContext& ctx, int msg, uint16_t flags) {
  uint8_t family = requireFamily(args);
  std::string table = requireString(args, "table"), set = requireString(args, "set");
  ctx.object = table + "/" + set;
  beginMessage(b, msg, flags, family);
  b.putString(NFTA_SET_ELEM_LIST_TABLE, table);
  b.putString(NFTA_SET_ELEM_LIST_SET, set);
  // The id of a set created earlier in the same transaction (nft sends it too).
  if (auto id = getUint(args, "setId", UINT32_MAX)) b.putBe32(NFTA_SET_ELEM_LIST_SET_ID, static_cast<uint32_t>(*id));
}

// args: family, table, set, [setId, exclusive], and either
//       elements: [{key, [keyEnd, data | verdict+chain, flags, timeout, userdata]}]
//       or the packed form: keys, keyLen, [data, dataLen, userdata (the same for every element)]
void encodeAdd(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "add elements to set";
  const Array* elements = getArray(args, "elements");
  bool packed = findField(args, "keys") != nullptr;
  if (packed == (elements != nullptr)) throw ArgumentError("give elements or keys (packed), not both");
  if (elements && elements->empty()) throw ArgumentError("elements: at least one element");
  bool exclusive = getBool(args, "exclusive").value_or(false);
  putListHeader(args, b, ctx, NFT_MSG_NEWSETELEM, exclusive ? NLM_F_CREATE | NLM_F_EXCL : NLM_F_CREATE);
  if (packed)
    putPackedElements(args, b);
  else
    putElements(*elements, b, true);
  b.endMessage();
}

// args: family, table, set, [elements: [{key, keyEnd, flags}]]; without elements, all go.
void encodeDelete(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  const Array* elements = getArray(args, "elements");
  ctx.action = elements ? "delete elements from set" : "flush set";
  putListHeader(args, b, ctx, NFT_MSG_DELSETELEM, 0);
  if (elements) putElements(*elements, b, false);
  b.endMessage();
}

// args: family, table, set
void encodeDump(const Object& args, MessageBuilder& b, RequestContext& ctx) {
  ctx.action = "list set elements";
  ctx.dump = true;
  putListHeader(args, b, ctx, NFT_MSG_GETSETELEM, 0);
  b.endMessage();
}

Value parseElements(const nlmsghdr* nlh) {
  Message m = parseMessage(nlh);
  Object out;
  out["family"] = familyName(m.family);
  out["table"] = Value(stringAttr(m.attrs, NFTA_SET_ELEM_LIST_TABLE));
  out["set"] = Value(stringAttr(m.attrs, NFTA_SET_ELEM_LIST_SET));
  Array elements;
  if (const Attr* list = m.attrs.get(NFTA_SET_ELEM_LIST_ELEMENTS)) {
    AttrTable items(*list);
    for (const Attr& item : items.all()) {
      AttrTable t(item);
      Object e;
      auto value = [](const Attr* a) {
        Value v = parseData(*a);
        const Value* bytes = v.as<Object>() ? findField(*v.as<Object>(), "value") : nullptr;
        if (!bytes) throw ParseError("set element key is not a value");
        return *bytes;
      };
      if (const Attr* a = t.get(NFTA_SET_ELEM_KEY)) e["key"] = value(a);
      if (const Attr* a = t.get(NFTA_SET_ELEM_KEY_END)) e["keyEnd"] = value(a);
      if (const Attr* a = t.get(NFTA_SET_ELEM_DATA)) {
        Value data = parseData(*a);
        for (auto& [k, v] : *data.as<Object>()) e[k == "value" ? "data" : k] = v;
      }
      e["flags"] = flagNames(kElemFlags, t.get(NFTA_SET_ELEM_FLAGS) ? t.get(NFTA_SET_ELEM_FLAGS)->be32() : 0);
      if (const Attr* a = t.get(NFTA_SET_ELEM_TIMEOUT)) e["timeout"] = Value(a->be64());
      if (const Attr* a = t.get(NFTA_SET_ELEM_EXPIRATION)) e["expires"] = Value(a->be64());
      if (const Attr* a = t.get(NFTA_SET_ELEM_USERDATA)) e["userdata"] = Value(a->bytes());
      elements.push_back(Value(std::move(e)));
    }
  }
  out["elements"] = Value(std::move(elements));
  return Value(std::move(out));
}

const RequestCodec kAdd{"nft.setelem.add", NETLINK_NETFILTER, encodeAdd};
const RequestCodec kDelete{"nft.setelem.delete", NETLINK_NETFILTER, encodeDelete};
const RequestCodec kDump{"nft.setelem.dump", NETLINK_NETFILTER, encodeDump};
const Registration registrations[] = {
    Registration(kAdd), Registration(kDelete), Registration(kDump),
    Registration(NETLINK_NETFILTER, messageType(NFT_MSG_NEWSETELEM), "NFT_MSG_NEWSETELEM", parseElements),
    Registration(NETLINK_NETFILTER, messageType(NFT_MSG_DELSETELEM), "NFT_MSG_DELSETELEM", parseElements),
    Registration(NETLINK_NETFILTER, messageType(NFT_MSG_GETSETELEM), "NFT_MSG_GETSETELEM", nullptr),
};

}  // namespace
}  // namespace np::nft
