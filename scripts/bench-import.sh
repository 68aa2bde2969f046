#!/usr/bin/env bash
# bench-import.sh measures a backfill and an unchanged poll:
#   1. builds watch287g and imports the whole shared corpus into a fresh
#      database under /usr/bin/time -v: wall time and peak RSS;
#   2. the database's size against the total size of the distinct corpus
#      files (by sha256, from the corpus manifest);
#   3. an unchanged poll against a loopback ICE (the test TestPollBytes):
#      file bytes transferred, check records written, database growth.
#
# Targets (issue 4): import <= 8 s and <= 150 MB peak RSS; database <= 1.5x
# the distinct files; an unchanged poll transfers no file bytes (304) and
# writes one small check record. The script prints the numbers and PASS/FAIL
# per target; it exits 1 when a target is missed.
#
# Usage: scripts/bench-import.sh   (from anywhere; env: CORPUS)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
corpus=${CORPUS:-$root/../shared/corpus}

[ -x /usr/bin/time ] || { echo "bench-import: /usr/bin/time is not installed (apt-get install time)" >&2; exit 1; }
[ -f "$corpus/manifest.tsv" ] || { echo "bench-import: corpus not found at $corpus (set CORPUS)" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cd "$root"
go build -o "$tmp/watch287g" ./cmd/watch287g

db="$tmp/bench.db"
if ! /usr/bin/time -v -o "$tmp/time.txt" "$tmp/watch287g" --db "$db" import --quiet "$corpus" >"$tmp/import.out" 2>"$tmp/import.log"; then
	echo "bench-import: import failed:" >&2
	tail -5 "$tmp/import.log" "$tmp/import.out" >&2
	exit 1
fi

# "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:07.12" → seconds.
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
	n = split($2, p, ":"); s = 0
	for (i = 1; i <= n; i++) s = s * 60 + p[i]
	printf "%.2f", s }' "$tmp/time.txt")
cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f", u + s}' "$tmp/time.txt")
rss_mb=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$tmp/time.txt")
files=$(awk -F'\t' 'NR > 1 && !seen[$2]++ {n++} END {print n}' "$corpus/manifest.tsv")
distinct=$(awk -F'\t' 'NR > 1 && !seen[$2]++ {s += $3} END {print s}' "$corpus/manifest.tsv")
dbsize=$(stat -c %s "$db")
ratio=$(awk -v d="$dbsize" -v f="$distinct" 'BEGIN {printf "%.2f", d / f}')

status=0
verdict() { # verdict NAME OK
	if [ "$2" = 1 ]; then echo "PASS"; else status=1; echo "FAIL"; fi
}
ok() { awk "BEGIN {exit !($1)}" && echo 1 || echo 0; }

echo "import of $files distinct files ($(grep -c . "$tmp/import.out") summary lines):"
sed 's/^/  /' "$tmp/import.out"
printf 'import wall time:   %6s s (cpu %s s)   target <= 8 s     %s\n' "$wall" "$cpu" "$(verdict wall "$(ok "$wall <= 8")")"
printf 'import peak RSS:    %6s MB              target <= 150 MB  %s\n' "$rss_mb" "$(verdict rss "$(ok "$rss_mb <= 150")")"
printf 'database size:      %6.1f MB vs %.1f MB of distinct files = %sx   target <= 1.5x  %s\n' \
	"$(awk -v d="$dbsize" 'BEGIN {print d / 1048576}')" "$(awk -v f="$distinct" 'BEGIN {print f / 1048576}')" "$ratio" \
	"$(verdict ratio "$(ok "$ratio <= 1.5")")"

# The unchanged poll: TestPollBytes logs "pollbytes:" lines.
if ! go test -count=1 -run '^TestPollBytes$' -v ./cmd/watch287g >"$tmp/poll.txt" 2>&1; then
	echo "bench-import: TestPollBytes failed:" >&2
	grep -v '^{' "$tmp/poll.txt" | tail -20 >&2
	exit 1
fi
grep -o 'pollbytes: .*' "$tmp/poll.txt" | sed 's/^pollbytes: /unchanged poll: /'
file_bytes=$(grep -o 'file_bytes=[0-9]*' "$tmp/poll.txt" | cut -d= -f2)
checks=$(grep -o 'check_records=+[0-9]*' "$tmp/poll.txt" | cut -d+ -f2)
printf 'unchanged poll:     %s file bytes, %s check record(s)   target 0 bytes, 1 record  %s\n' "$file_bytes" "$checks" \
	"$(verdict poll "$(ok "$file_bytes == 0 && $checks == 1")")"

# verdict runs in a subshell, so recount the failures here.
fails=$(awk -v w="$wall" -v r="$rss_mb" -v q="$ratio" -v b="$file_bytes" -v c="$checks" \
	'BEGIN {print (w > 8) + (r > 150) + (q > 1.5) + (b != 0) + (c != 1)}')
[ "$fails" = 0 ] || status=1
exit $status
