// Kinds that take no options of their own: `ip link add NAME type dummy` and
// `ip link add NAME type ifb`. Registered so that options given to them are an
// error rather than silently dropped.
#include "rtnl/link_kind.h"

namespace np {
namespace {

const LinkKind kDummy{"dummy", nullptr, nullptr};
const LinkKind kIfb{"ifb", nullptr, nullptr};
const LinkKindRegistration registrations[] = {LinkKindRegistration(kDummy), LinkKindRegistration(kIfb)};

}  // namespace
}  // namespace np
