// Kernel constants the TypeScript layer needs, taken from the UAPI headers.
#pragma once

#include "common/value.h"

namespace np {
Object kernelConstants();
}
