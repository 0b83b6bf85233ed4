#!/usr/bin/env bash
# Installs every Debian 12 package Ferry needs to build, package, test and run.
# Idempotent: packages already present are left alone, and apt is only
# consulted when something is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config ccache git
  libboost1.81-all-dev libboost-json1.81-dev libboost-url1.81-dev
  libpaho-mqttpp-dev libpaho-mqtt-dev
  libprotobuf-dev protobuf-compiler
  liblmdb-dev lmdb-utils
  libssl-dev libwebsockets-dev libcurl4-openssl-dev
  libgtest-dev libgmock-dev
  libpugixml-dev libyaml-cpp-dev libspdlog-dev libcli11-dev nlohmann-json3-dev libzstd-dev
  libhowardhinnant-date-dev tzdata
  libsystemd-dev
  mosquitto curl python3
  tinyproxy-bin             # a real HTTP proxy with Basic credentials for the WebSocket tunnel tests
  socat                     # a TLS front end asking for client certificates (S/4 X.509 logon tests)
  python3-aiosmtpd          # a real SMTP server (STARTTLS) for the alert e-mail tests
  dpkg-dev lintian systemd
  clang libclang-rt-14-dev  # tests/fuzz: libFuzzer, ASan, UBSan
  clang-format              # test.sh checks the tree follows .clang-format
  prometheus                # promtool checks the daemons' /metrics in the tests
  chromium libnss3-tools    # the console's browser tests (a real browser trusting the fleet CA)
)
# Node.js and npm build the console's web app (esbuild, from a lock file).
# A machine may bring its own Node.js (e.g. 20 from NodeSource, npm
# included); Debian's are installed only when there is none.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}; run as root to install them" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
