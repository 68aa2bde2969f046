#!/usr/bin/env bash
# bench-replay.sh measures watch287g at a history length (issue 12):
#   1. the lists: a ten-year replay written by internal/replaygen (reused
#      when already there), or the real corpus with CORPUS=DIR;
#   2. the inflate floor: the time to unzip every part of every list once;
#   3. an import of all of them into a fresh database under /usr/bin/time -v:
#      wall time (and its multiple of the floor) and peak RSS;
#   4. the database's size against the distinct list bytes;
#   5. the reads of the issue's table, each a whole process or a first
#      request: `changes --since <a month before the last list> --format json`,
#      `history "Harris County"`, and cold / and /snapshots (the first
#      request to a `serve --no-fetch` started on the store), with a warm
#      repeat of each page for comparison.
#
# Targets: import <= 4x the inflate floor and <= 150 MB; database <= 1.5x the
# distinct files; changes and history <= 50 ms; cold / and /snapshots <= 20 ms.
# Figures are printed with PASS/FAIL; the exit status is 0 either way unless
# something failed to run (the figures, not the status, are the result).
#
# Usage: scripts/bench-replay.sh
#   env: CORPUS=DIR      measure these lists instead of the replay
#        YEARS=10 SEED=1 the replay's length and seed
#        REPLAY=DIR      where the replay is written (default /tmp/watch287g-replay-yYEARS-sSEED)
#        BIN=PATH        a watch287g binary to measure (default: built from this tree),
#                        e.g. one built from an older commit for a before/after
#        DB=PATH         keep the database here (default: a temporary file)
#        RUNS=3          repetitions of each read (the median is reported)
#        READS_ONLY=1    with DB=PATH of an already imported store: skip the
#                        floor and the import, measure only the reads (the
#                        store is opened by the binary, which may migrate it)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
years=${YEARS:-10}
seed=${SEED:-1}
runs=${RUNS:-3}

[ -x /usr/bin/time ] || { echo "bench-replay: /usr/bin/time is not installed (apt-get install time)" >&2; exit 1; }
command -v curl >/dev/null || { echo "bench-replay: curl is not installed" >&2; exit 1; }

tmp=$(mktemp -d)
server=""
cleanup() {
	if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

cd "$root"
go build -o "$tmp/replaygen" ./internal/replaygen
bin=${BIN:-}
if [ -z "$bin" ]; then
	go build -o "$tmp/watch287g" ./cmd/watch287g
	bin="$tmp/watch287g"
fi

if [ -n "${CORPUS:-}" ]; then
	lists=$CORPUS
	what="corpus $lists"
else
	lists=${REPLAY:-/tmp/watch287g-replay-y$years-s$seed}
	if [ ! -f "$lists/.complete" ]; then
		rm -rf "$lists"
		"$tmp/replaygen" -out "$lists" -years "$years" -seed "$seed"
		touch "$lists/.complete"
	fi
	what="replay of $years years (seed $seed) in $lists"
fi
nfiles=$(find "$lists" -maxdepth 1 -name '*.xlsx' | wc -l)
[ "$nfiles" -gt 0 ] || { echo "bench-replay: no .xlsx files in $lists" >&2; exit 1; }
echo "lists: $what: $nfiles files"

ok() { awk "BEGIN {exit !($1)}" && echo PASS || echo FAIL; }
db=${DB:-$tmp/bench.db}
if [ -z "${READS_ONLY:-}" ]; then
floor=$("$tmp/replaygen" -inflate "$lists" | awk '{print $(NF-1)}')

rm -f "$db"
set +e
/usr/bin/time -v -o "$tmp/time.txt" "$bin" --db "$db" import --quiet "$lists" >"$tmp/import.out" 2>"$tmp/import.log"
rc=$?
set -e
# import exits 3 when a snapshot was quarantined (the replay's broken file).
if [ "$rc" != 0 ] && [ "$rc" != 3 ]; then
	echo "bench-replay: import failed ($rc):" >&2
	tail -5 "$tmp/import.log" "$tmp/import.out" >&2
	exit 1
fi
sed 's/^/  /' "$tmp/import.out"

# "Elapsed (wall clock) time (h:mm:ss or m:ss): 0:07.12" → seconds.
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {
	n = split($2, p, ":"); s = 0
	for (i = 1; i <= n; i++) s = s * 60 + p[i]
	printf "%.2f", s }' "$tmp/time.txt")
cpu=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {printf "%.2f", u + s}' "$tmp/time.txt")
rss_mb=$(awk -F': ' '/Maximum resident set size/ {printf "%.1f", $2 / 1024}' "$tmp/time.txt")
distinct=$(find "$lists" -maxdepth 1 -name '*.xlsx' -exec sha256sum {} + | sort -k1,1 -u | awk '{print $2}' | xargs stat -c %s | awk '{s += $1} END {print s}')
dbsize=$(stat -c %s "$db")

ratio=$(awk -v d="$dbsize" -v f="$distinct" 'BEGIN {printf "%.2f", d / f}')
times=$(awk -v w="$wall" -v f="$floor" 'BEGIN {printf "%.1f", w / f}')
printf 'inflate floor:      %8.2f s\n' "$floor"
printf 'import:             %8.2f s (cpu %s s) = %sx the floor   target <= 4x     %s\n' "$wall" "$cpu" "$times" "$(ok "$times <= 4")"
printf 'import peak RSS:    %8.1f MB                        target <= 150 MB %s\n' "$rss_mb" "$(ok "$rss_mb <= 150")"
printf 'database:           %8.1f MB vs %.1f MB distinct files = %sx   target <= 1.5x %s\n' \
	"$(awk -v d="$dbsize" 'BEGIN {print d / 1048576}')" "$(awk -v f="$distinct" 'BEGIN {print f / 1048576}')" "$ratio" "$(ok "$ratio <= 1.5")"

else
	[ -f "$db" ] || { echo "bench-replay: READS_ONLY needs DB=PATH of an imported store" >&2; exit 1; }
	echo "reads only, on $db"
fi

# median NUMBERS... prints the middle one.
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# A whole process, in milliseconds (the median of $runs).
proc_ms() {
	local out=() i
	for i in $(seq "$runs"); do
		/usr/bin/time -f %e -o "$tmp/t" "$@" >"$tmp/read.out" 2>"$tmp/read.err" || { echo "bench-replay: $* failed:" >&2; tail -3 "$tmp/read.err" >&2; exit 1; }
		out+=("$(awk '{printf "%.0f", $1 * 1000}' "$tmp/t")")
	done
	median "${out[@]}"
}

last=$(find "$lists" -maxdepth 1 -name '*.xlsx' -printf '%f\n' | grep -o '^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]' | sort | tail -1)
since=$(date -u -d "$last -1 month" +%F)
ms=$(proc_ms "$bin" --db "$db" changes --since "$since" --format json)
n=$(grep -o '"agreement_id"' "$tmp/read.out" | wc -l || true)
printf 'changes --since %s --format json: %5s ms (%s changes)   target <= 50 ms  %s\n' "$since" "$ms" "$n" "$(ok "$ms <= 50")"
ms=$(proc_ms "$bin" --db "$db" history "Harris County")
printf 'history "Harris County":              %5s ms (%s lines)   target <= 50 ms  %s\n' "$ms" "$(wc -l <"$tmp/read.out")" "$(ok "$ms <= 50")"

# Cold pages: a fresh server has an empty cache, so its first request for a
# page renders it (as the first request after a new store version does).
port=$((20000 + RANDOM % 20000))
page_ms() { # page_ms PATH → "cold warm bytes" for one server start
	"$bin" --db "$db" serve --no-fetch --listen "127.0.0.1:$port" >"$tmp/serve.log" 2>&1 &
	server=$!
	local i
	for i in $(seq 100); do
		curl -fsS -o /dev/null "http://127.0.0.1:$port/healthz" 2>/dev/null && break
		if [ "$i" = 100 ]; then echo "bench-replay: serve did not start:" >&2; tail -5 "$tmp/serve.log" >&2; exit 1; fi
		sleep 0.1
	done
	local cold warm
	cold=$(curl -sS -o "$tmp/page" -w '%{time_total} %{size_download}' "http://127.0.0.1:$port$1")
	warm=$(curl -sS -o /dev/null -w '%{time_total}' "http://127.0.0.1:$port$1")
	kill "$server"
	wait "$server" 2>/dev/null || true
	server=""
	awk -v c="$cold" -v w="$warm" 'BEGIN {split(c, a, " "); printf "%.0f %.1f %d\n", a[1] * 1000, w * 1000, a[2]}'
}
for path in / /snapshots; do
	colds=() warms=() size=0
	for i in $(seq "$runs"); do
		read -r c w size < <(page_ms "$path")
		colds+=("$c")
		warms+=("$w")
	done
	c=$(median "${colds[@]}")
	printf 'cold %-10s %5s ms (warm %s ms, %s KB)   target <= 20 ms  %s\n' "$path" "$c" "$(median "${warms[@]}")" \
		"$(awk -v s="$size" 'BEGIN {printf "%.0f", s / 1024}')" "$(ok "$c <= 20")"
done
