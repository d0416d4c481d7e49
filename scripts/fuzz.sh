#!/usr/bin/env bash
# Runs every fuzz target of the module (each `func FuzzX` in a _test.go file)
# for FUZZTIME each (default 30s), one after the other, and prints a line per
# target with its executions and result. A crash leaves its input under the
# package's testdata/fuzz/FuzzX/ (commit it: it becomes a regression test) and
# makes the script exit non-zero after the remaining targets have run.
#
#   scripts/fuzz.sh [FUZZTIME]      FUZZTIME=2m make fuzz
set -uo pipefail
cd "$(dirname "$0")/.."
fuzztime="${1:-${FUZZTIME:-30s}}"
go="${GO:-go}"
log="$(mktemp -d)"
trap 'rm -rf "$log"' EXIT
failed=0
summary=()
while IFS=: read -r file func; do
	pkg="./$(dirname "$file")"
	out="$log/$func.txt"
	echo "fuzz: $pkg $func for $fuzztime" >&2
	if "$go" test -run '^$' -fuzz "^${func}\$" -fuzztime "$fuzztime" "$pkg" >"$out" 2>&1; then
		result=ok
	else
		result=FAIL
		failed=1
		cat "$out" >&2
	fi
	execs="$(grep -o 'execs: [0-9]*' "$out" | tail -1 | cut -d' ' -f2)"
	summary+=("$(printf '%-6s %-22s %-14s %s execs' "$result" "$pkg" "$func" "${execs:-?}")")
done < <(grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' . | sed 's|^\./||; s|:func |:|' | sort)
printf '%s\n' "${summary[@]}"
exit $failed
