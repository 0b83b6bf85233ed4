#!/usr/bin/env bash
# Builds the daemons (build.sh) and makes its Debian packages in build/packages:
# ferry-agent, ferry-controlplane and ferry-flows. README.md "Install from
# Debian packages"; package_test.sh checks them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/packaging/build.sh" ferry-agent ferry-controlplane
rm -rf "$root/build/packages"
(cd "$root/build" && cpack -G DEB)
ls -1 "$root"/build/packages/*.deb
