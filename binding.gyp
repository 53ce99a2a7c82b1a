{
  "targets": [
    {
      "target_name": "netplumb",
      "sources": ["<!@(node -e \"require('./scripts/native-sources').print()\")"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++20", "-fexceptions", "-Wall", "-Wextra", "-Wno-missing-field-initializers", "-Wno-unused-parameter", "-Wno-maybe-uninitialized"],
      "configurations": {
        # AddressSanitizer + UndefinedBehaviorSanitizer build for `npm run test:asan`
        # (scripts/test-asan.js): `make -C build BUILDTYPE=Asan` puts it in
        # build/Asan/, beside and apart from the Release addon. Any finding aborts.
        "Asan": {
          "inherit_from": ["Release"],
          "cflags": ["-fsanitize=address,undefined", "-fno-sanitize-recover=all", "-fno-omit-frame-pointer", "-g", "-O1"],
          "cflags!": ["-O3"],
          "ldflags": ["-fsanitize=address,undefined"]
        }
      }
    },
    {
      "target_name": "netplumb-enter",
      "type": "executable",
      "sources": ["native/helper/enter.c"],
      "cflags": ["-std=gnu11", "-Wall", "-Wextra", "-O2"]
    }
  ]
}
