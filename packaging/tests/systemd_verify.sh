#!/usr/bin/env bash
# packaging.systemd_verify: `systemd-analyze verify` accepts the template unit (as a template and
# as an instance) and the drop-in applied to an existing service, without a single warning.
# verify checks that ExecStart= names an executable, so the configured units are copied with
# the installed path of xpledge replaced by this build's binary.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
command -v systemd-analyze >/dev/null 2>&1 \
  || skip "systemd-analyze is not installed (Debian package 'systemd'): units not verified"
T=$WORK/verify
rm -rf "$T" && mkdir -p "$T/units/demo.service.d"

localize() {  # localize SRC DEST: the configured file, runnable from this build
  sed "s#$BINDIR/xpledge#$XPLEDGE#g" "$1" >"$2"
}
unit_src=$PKG_BUILD/systemd/xpledge@.service
dropin_src=$PKG_BUILD/systemd/wrap-service.conf
[ -f "$unit_src" ] && [ -f "$dropin_src" ] || fail "configured units missing in $PKG_BUILD/systemd"
localize "$unit_src" "$T/units/xpledge@.service"
grep -q "^ExecStart=$XPLEDGE run " "$T/units/xpledge@.service" || fail "ExecStart= does not name $BINDIR/xpledge"

# An existing service to wrap, and the shipped drop-in on top of it.
cat >"$T/units/demo.service" <<'UNIT'
[Unit]
Description=a service to wrap

[Service]
Type=forking
PIDFile=/run/demo.pid
ExecStart=/bin/sleep infinity
UNIT
localize "$dropin_src" "$T/units/demo.service.d/xpledge.conf"

verify() {
  local unit=$1
  (cd "$T/units" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no "$unit") >"$T/verify.log" 2>&1
  local st=$?
  if [ "$st" -ne 0 ] || [ -s "$T/verify.log" ]; then
    show "$T/verify.log"
    fail "systemd-analyze verify $unit: status $st and/or warnings"
  fi
  note "systemd-analyze verify $unit: clean"
}
verify ./xpledge@.service
verify ./xpledge@http-demo.service
verify ./demo.service

# Self-check of the harness: a drop-in next to the unit is read (a bad key there is reported), so
# the clean result above covers the shipped drop-in too.
cp "$T/units/demo.service" "$T/units/selfcheck.service"
mkdir -p "$T/units/selfcheck.service.d"
printf '[Service]\nNoSuchSetting=1\n' >"$T/units/selfcheck.service.d/bad.conf"
(cd "$T/units" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify --man=no ./selfcheck.service) >"$T/self.log" 2>&1
grep -q NoSuchSetting "$T/self.log" || { show "$T/self.log"; fail "verify ignores drop-ins here: the check above proves nothing"; }
