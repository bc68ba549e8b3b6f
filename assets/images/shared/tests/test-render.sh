#!/bin/bash
# Build-time test of hotstack-render (run in the base image build).
set -euo pipefail

RENDER=${1:-/usr/local/bin/hotstack-render}
fail() { echo "test-render: FAIL: $*" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
T=$tmp/templates S=$tmp/secrets R=$tmp/root
mkdir -p "$T/etc/svc" "$T/etc/other" "$S" "$R"

# secret values full of characters that break sed/awk/bash replacement
printf '%s\n' 'p&w\1/$x`"'"'"'|%s' >"$S/DB_PASSWORD"
printf 'line1\nline2\n\n' >"$S/MULTI"
printf '@@DB_PASSWORD@@\n' >"$S/NESTED"
printf 'plain\r\n' >"$S/CRLF"

cat >"$T/etc/svc/svc.conf" <<'EOF'
[database]
connection = mysql+pymysql://openstack:@@DB_PASSWORD@@@hotstack-os-mariadb/keystone
again = @@DB_PASSWORD@@ and @@@CRLF@@@
nested = @@NESTED@@
lower = @@not_a_token@@ @@ @@@@
multi = @@MULTI@@
EOF
printf 'no secrets here\nlast line without newline' >"$T/etc/other/plain.ini"

"$RENDER" --templates "$T" --root "$R" --secrets "$S" --group root 2>"$tmp/log" ||
    { cat "$tmp/log" >&2; fail "render failed"; }

pw='p&w\1/$x`"'"'"'|%s'
expected="[database]
connection = mysql+pymysql://openstack:${pw}@hotstack-os-mariadb/keystone
again = ${pw} and @plain@
nested = @@DB_PASSWORD@@
lower = @@not_a_token@@ @@ @@@@
multi = line1
line2"
[[ $(<"$R/etc/svc/svc.conf") == "$expected" ]] ||
    { diff <(echo "$expected") "$R/etc/svc/svc.conf" >&2 || true; fail "substitution mismatch"; }
[[ $(stat -c '%a %U:%G' "$R/etc/svc/svc.conf") == "640 root:root" ]] || fail "secret file mode $(stat -c '%a %U:%G' "$R/etc/svc/svc.conf")"
[[ $(stat -c '%a' "$R/etc/other/plain.ini") == 644 ]] || fail "plain file mode"
[[ $(tail -n1 "$R/etc/other/plain.ini") == "last line without newline" ]] || fail "plain content"
grep -q 'secrets: DB_PASSWORD CRLF NESTED MULTI' "$tmp/log" || fail "log does not list secrets: $(cat "$tmp/log")"
if grep -qF "$pw" "$tmp/log"; then fail "secret value leaked into the log"; fi
for f in "$R"/etc/svc/.hotstack-render.*; do [[ -e $f ]] && fail "temporary file left behind: $f"; done

# group ownership for daemons that drop privileges
groupadd -f hsrendertest
"$RENDER" --templates "$T" --root "$R" --secrets "$S" --group hsrendertest --quiet
[[ $(stat -c '%a %G' "$R/etc/svc/svc.conf") == "640 hsrendertest" ]] || fail "group not applied"
groupdel hsrendertest

# missing secret: fatal, names token and template, leaves no file behind
printf 'x = @@MISSING_ONE@@\n' >"$T/etc/svc/bad.conf"
rc=0
"$RENDER" --templates "$T" --root "$R" --secrets "$S" 2>"$tmp/log" || rc=$?
[[ $rc == 3 ]] || fail "missing secret: exit $rc, expected 3"
grep -q '@@MISSING_ONE@@' "$tmp/log" && grep -q "$T/etc/svc/bad.conf" "$tmp/log" ||
    fail "missing secret message: $(cat "$tmp/log")"
[[ ! -e $R/etc/svc/bad.conf ]] || fail "partial output for failed template"
rm "$T/etc/svc/bad.conf"

# empty secret: fatal as well
: >"$S/EMPTY"
printf 'x = @@EMPTY@@\n' >"$T/etc/svc/empty.conf"
rc=0
"$RENDER" --templates "$T" --root "$R" --secrets "$S" 2>"$tmp/log" || rc=$?
[[ $rc == 3 ]] || fail "empty secret: exit $rc, expected 3"

# missing template directory is not an error
"$RENDER" --templates "$tmp/none" --root "$R" --secrets "$S" --quiet

echo "test-render: OK"
