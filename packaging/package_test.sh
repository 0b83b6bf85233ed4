#!/usr/bin/env bash
# Makes the Debian packages from a configured and built build folder and
# checks them: the files each holds, the control fields, lintian (no
# errors), then install, remove and purge on this machine.
#
#   packaging/package_test.sh BUILD_DIR
#
# Needs root (dpkg -i) and exits 77, skipped, without it. It purges the
# packages, with their users, configuration and state, before it starts and
# when it ends; so on a machine where Ferry keeps data (/var/lib/ferry-*) or
# an edited configuration it does nothing and exits 77 too. Packages left
# installed unchanged (by an earlier run) are purged. ctest runs it as
# `debian_packages`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${1:?usage: package_test.sh BUILD_DIR}" && pwd)"
packages=(ferry-flows ferry-agent ferry-controlplane)

if [ "$(id -u)" -ne 0 ]; then
  echo "package_test: skipped: installing packages needs root"
  exit 77
fi
fail() { echo "package_test: FAIL: $*" >&2; exit 1; }
ferry_in_use() {  # prints why when this machine has Ferry data or settings of its own
  local p config sum
  for p in ferry-agent ferry-controlplane; do
    if [ -n "$(ls -A "/var/lib/$p" 2>/dev/null)" ]; then
      echo "/var/lib/$p is not empty"
      return 0
    fi
    config=/etc/ferry/${p#ferry-}.yaml
    [ -e "$config" ] || continue
    sum=$(dpkg-query -W -f='${Conffiles}\n' "$p" 2>/dev/null | awk -v f="$config" '$1 == f { print $2 }')
    if [ -z "$sum" ] || [ "$(md5sum <"$config" | cut -d' ' -f1)" != "$sum" ]; then
      echo "$config is not the packaged default"
      return 0
    fi
  done
  return 1
}
if why=$(ferry_in_use); then
  echo "package_test: skipped: $why; this machine runs Ferry, and the test would purge it"
  exit 77
fi
for tool in cpack dpkg-deb dpkg-shlibdeps lintian adduser systemd-analyze; do
  command -v "$tool" >/dev/null || fail "$tool is missing; run packaging/install-deps.sh"
done

upstream=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
revision=$(sed -n 's/^set(CPACK_DEBIAN_PACKAGE_RELEASE "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
if [ -z "$upstream" ] || [ -z "$revision" ]; then
  fail "$build is not a configured Ferry build folder"
fi
version="$upstream-$revision"
arch=$(dpkg --print-architecture)

purge_all() {
  dpkg --purge "${packages[@]}" >/dev/null 2>&1 || true
}
trap purge_all EXIT

# --- build -----------------------------------------------------------------
out="$build/packages"
rm -rf "$out"
echo "package_test: cpack -G DEB in $build"
(cd "$build" && cpack -G DEB -B "$out") >"$build/package_test-cpack.log" 2>&1 ||
  { cat "$build/package_test-cpack.log"; fail "cpack failed"; }
deb() { echo "$out/$1_${version}_$2.deb"; }
declare -A debs=(
  [ferry-agent]="$(deb ferry-agent "$arch")"
  [ferry-controlplane]="$(deb ferry-controlplane "$arch")"
  [ferry-flows]="$(deb ferry-flows all)"
)
made=("$out"/*.deb)
for p in "${packages[@]}"; do
  [ -f "${debs[$p]}" ] || fail "no ${debs[$p]}; made: ${made[*]}"
done
[ "${#made[@]}" -eq 3 ] || fail "other packages than expected: ${made[*]}"

# --- contents: exactly the files README.md "Install from Debian packages" lists
files_of() {  # deb -> "mode owner path" of every non-directory, sorted
  dpkg-deb -c "$1" | awk '$1 !~ /^d/ { print $1, $2, $6 }' | sort -k3
}
expect_files() {  # package, then "mode path" lines
  local p=$1; shift
  local want got
  want=$(printf '%s\n' "$@" | awk '{ print $1, "root/root", $2 }' | sort -k3)
  got=$(files_of "${debs[$p]}")
  [ "$got" = "$want" ] || fail "$p holds other files than expected:
$(diff <(echo "$want") <(echo "$got") | sed 's/^/  /')"
  echo "package_test: $p: $(echo "$got" | wc -l) files as expected"
}
docs() {  # package -> its /usr/share/doc files
  printf '%s\n' "-rw-r--r-- ./usr/share/doc/$1/copyright" "-rw-r--r-- ./usr/share/doc/$1/changelog.Debian.gz"
}
daemon_files() {  # package config
  printf '%s\n' "-rwxr-xr-x ./usr/bin/$1" "-rw-r--r-- ./lib/systemd/system/$1.service" \
    "-rw-r--r-- ./usr/lib/sysusers.d/$1.conf" "-rw-r--r-- ./etc/ferry/$2" \
    "-rw-r--r-- ./usr/share/doc/$1/README.md"
  docs "$1"
}
mapfile -t agent_files < <(daemon_files ferry-agent agent.yaml)
mapfile -t cp_files < <(daemon_files ferry-controlplane controlplane.yaml
  for f in ferry.conf ferry.acl ferry-crl-reload.path ferry-crl-reload.service; do echo "-rw-r--r-- ./usr/share/doc/ferry-controlplane/examples/mosquitto/$f"; done)
mapfile -t flows_files < <(docs ferry-flows
  for f in "$root"/flows/standard/*.yaml; do
    echo "-rw-r--r-- ./usr/share/ferry/flows/standard/$(basename "$f")"
  done)
expect_files ferry-agent "${agent_files[@]}"
expect_files ferry-controlplane "${cp_files[@]}"
expect_files ferry-flows "${flows_files[@]}"

# --- control fields and control files ----------------------------------------
field() { dpkg-deb -f "${debs[$1]}" "$2"; }
for p in "${packages[@]}"; do
  [ "$(field "$p" Package)" = "$p" ] || fail "$p: Package is '$(field "$p" Package)'"
  [ "$(field "$p" Version)" = "$version" ] || fail "$p: Version is '$(field "$p" Version)', not $version"
  [ -n "$(field "$p" Maintainer)" ] || fail "$p: no Maintainer"
  [ "$(field "$p" Section)" = net ] || fail "$p: Section is '$(field "$p" Section)'"
  zcat <(dpkg-deb --fsys-tarfile "${debs[$p]}" | tar -xO "./usr/share/doc/$p/changelog.Debian.gz") |
    head -1 | grep -q "^ferry ($version) " || fail "$p: the changelog's top entry is not $version"
done
[ "$(field ferry-flows Architecture)" = all ] || fail "ferry-flows: Architecture is not all"
for p in ferry-agent ferry-controlplane; do
  [ "$(field "$p" Architecture)" = "$arch" ] || fail "$p: Architecture is '$(field "$p" Architecture)'"
  depends=$(field "$p" Depends)
  for d in "adduser" "ferry-flows (= $version)" "libc6" "libstdc++6"; do
    [[ ", $depends," == *", $d"[\ ,]* ]] || fail "$p: Depends lacks '$d': $depends"
  done
  config=/etc/ferry/${p#ferry-}.yaml
  [ "$(dpkg-deb -I "${debs[$p]}" conffiles)" = "$config" ] || fail "$p: conffiles is not $config"
  for script in postinst prerm postrm; do
    dpkg-deb -I "${debs[$p]}" "$script" | head -1 | grep -qx '#!/bin/sh' || fail "$p: no $script"
  done
  echo "package_test: $p: Depends: $depends"
done

# --- lintian ---------------------------------------------------------------
echo "package_test: lintian"
lintian --fail-on error --tag-display-limit 0 "${debs[@]}" | sed 's/^/  /' ||
  fail "lintian reports errors"

# --- install ---------------------------------------------------------------
purge_all
etc_ferry_before=$(ls -d /etc/ferry 2>/dev/null || true)  # others' files there stay
echo "package_test: dpkg -i"
dpkg -i "${debs[@]}" | sed 's/^/  /' || fail "dpkg -i failed"
for p in "${packages[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p")" = "ii " ] || fail "$p is not installed"
done
for p in ferry-agent ferry-controlplane; do
  "/usr/bin/$p" --version | grep -q "^$p $upstream " || fail "$p --version: $("/usr/bin/$p" --version)"
  IFS=: read -r _ _ uid _ gecos home shell < <(getent passwd "$p") || fail "no user $p"
  sysusers=$(sed -n 's/^u [^ ]* - "\(.*\)" \(.*\)$/\1:\2/p' "/usr/lib/sysusers.d/$p.conf")
  if [ "$uid" -ge 1000 ] || [ "${gecos%%,*}:$home" != "$sysusers" ] || [ "$home" != "/var/lib/$p" ] ||
    [ "$shell" != /usr/sbin/nologin ]; then
    fail "user $p: uid $uid, name $gecos, home $home, shell $shell; sysusers.d: $sysusers"
  fi
  getent group "$p" >/dev/null || fail "no group $p"
  [ "$(stat -c '%U:%G %a' "/var/lib/$p")" = "$p:$p 750" ] || fail "/var/lib/$p: $(stat -c '%U:%G %a' "/var/lib/$p")"
  config=/etc/ferry/${p#ferry-}.yaml
  [ -f "$config" ] || fail "no $config"
  dpkg-query -W -f='${Conffiles}\n' "$p" | grep -q "^ $config " || fail "$config is not a conffile of $p"
  [ -L "/etc/systemd/system/multi-user.target.wants/$p.service" ] || fail "$p.service is not enabled"
  if [ -d /run/systemd/system ]; then
    ! systemctl --quiet is-active "$p.service" || fail "$p.service was started unconfigured"
  fi
  echo "package_test: $p installed: $("/usr/bin/$p" --version | cut -d' ' -f1-2), user, state folder, conffile, unit enabled"
done
# The installed units: systemd-analyze verify passes, and the offline
# security review rates each at most 2.0 (--threshold is in tenths).
for p in ferry-agent ferry-controlplane; do
  unit=/lib/systemd/system/$p.service
  systemd-analyze verify "$unit" >"$build/package_test-verify.log" 2>&1 ||
    { cat "$build/package_test-verify.log"; fail "systemd-analyze verify $unit"; }
  exposure=$(systemd-analyze security --offline=yes --threshold=20 "$unit" 2>&1) ||
    { echo "$exposure" | tail -5; fail "$unit: exposure above 2.0"; }
  echo "package_test: $p.service: verified, $(echo "$exposure" | grep -o 'Overall exposure level[^:]*: [0-9.]*')"
done

# Both binaries find the standard flows where ferry-flows put them.
bundle=$(mktemp -d)
printf 'flow: package-test\nextends: debmas-account-salesforce\n' >"$bundle/customers.yaml"
ferry-controlplane flows diff --bundle "$bundle" | grep -q "extends debmas-account-salesforce" ||
  fail "ferry-controlplane flows diff cannot read the installed standard flows"
ferry-agent flow test --bundle "$bundle" --input "$root/tests/fixtures/idoc/debmas07_customer_full.xml" >/dev/null ||
  fail "ferry-agent flow test cannot map with the installed standard flows"
rm -rf "$bundle"

# --- install again: the scripts run a second time, the admin's edit stays ----
echo "# edited by package_test" >>/etc/ferry/agent.yaml
uid_before=$(id -u ferry-agent)
echo "package_test: dpkg -i again"
dpkg -i "${debs[@]}" >/dev/null 2>&1 || fail "dpkg -i of the installed version failed"
tail -1 /etc/ferry/agent.yaml | grep -q "edited by package_test" || fail "reinstalling replaced the edited agent.yaml"
[ "$(id -u ferry-agent)" = "$uid_before" ] || fail "reinstalling changed the user ferry-agent"
[ -L /etc/systemd/system/multi-user.target.wants/ferry-agent.service ] || fail "reinstalling disabled ferry-agent"

# --- remove: binaries go, configuration, state and users stay ---------------
echo "package_test: dpkg -r"
dpkg -r "${packages[@]}" | sed 's/^/  /' || fail "dpkg -r failed"
for p in ferry-agent ferry-controlplane; do
  [ ! -e "/usr/bin/$p" ] || fail "/usr/bin/$p is still there after dpkg -r"
  [ ! -e "/lib/systemd/system/$p.service" ] || fail "$p.service is still there after dpkg -r"
  [ -f "/etc/ferry/${p#ferry-}.yaml" ] || fail "dpkg -r removed /etc/ferry/${p#ferry-}.yaml"
  [ -d "/var/lib/$p" ] || fail "dpkg -r removed /var/lib/$p"
  getent passwd "$p" >/dev/null || fail "dpkg -r removed the user $p"
  [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p")" = "rc " ] || fail "$p is not in config-files state"
done
[ ! -e /usr/share/ferry ] || fail "/usr/share/ferry is still there after dpkg -r"
grep -q "edited by package_test" /etc/ferry/agent.yaml || fail "dpkg -r changed /etc/ferry/agent.yaml"

# --- purge: nothing is left -------------------------------------------------
echo "package_test: dpkg -P"
dpkg -P ferry-agent ferry-controlplane | sed 's/^/  /' || fail "dpkg -P failed"  # ferry-flows has no conffiles
for p in ferry-agent ferry-controlplane; do
  [ ! -e "/etc/ferry/${p#ferry-}.yaml" ] || fail "/etc/ferry/${p#ferry-}.yaml is still there after purge"
  [ ! -e "/var/lib/$p" ] || fail "/var/lib/$p is still there after purge"
  ! getent passwd "$p" >/dev/null || fail "user $p is still there after purge"
  ! getent group "$p" >/dev/null || fail "group $p is still there after purge"
  [ ! -e "/etc/systemd/system/multi-user.target.wants/$p.service" ] || fail "$p.service is still enabled after purge"
  [ ! -L "/etc/systemd/system/$p.service" ] || fail "$p.service is still masked after purge"
done
for p in "${packages[@]}"; do
  ! dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null | grep -q '^[ir]' || fail "$p is still known to dpkg"
done
if [ -z "$etc_ferry_before" ]; then
  [ ! -e /etc/ferry ] || fail "/etc/ferry is still there after purge: $(ls -A /etc/ferry)"
fi
echo "package_test: OK"
