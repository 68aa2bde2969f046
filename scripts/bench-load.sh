#!/usr/bin/env bash
# bench-load.sh measures `serve` under many clients on an imported store
# (issue 12's HTTP rows), each with PASS/FAIL and the server's peak RSS:
#   1. / with wrk -t2 -c32 while the schedule polls every 2 s: serve fetches
#      from a loopback stand-in of ice.gov (internal/standin) that publishes
#      the participating list again every 4 s, so about half the polls bring
#      a new list (a new store version) and half get only 304s;
#      target p99 <= 25 ms and >= 3,000 req/s;
#   2. / with 256 clients on a freshly started server (an empty cache, as
#      right after a new store version): >= 3,000 req/s, RSS <= 150 MB;
#   3. /search?q=county with 256 clients: >= 500 req/s, bounded memory;
#   4. /api/v1/agreements (the ~1 MB list) with 256 clients: >= 1,000 req/s,
#      p99 <= 250 ms.
# Each load runs on a server of its own (so each VmHWM is its own). Any
# answer that is not 2xx/3xx (a 503 from the render limiter included) is
# counted and fails the row: it is not a served request. After each row,
# the same load against a static server of the same bytes (the floor)
# shows what the machine allows at that moment (see floor below).
#
# Usage: DB=/path/to/imported.db scripts/bench-load.sh
#   env: DB=PATH        an imported store (copied: serve opens it read-write)
#        BIN=PATH       a watch287g binary (default: built from this tree)
#        DURATION=10s   each wrk run; POLL_DURATION=30s the polling run
#        THREADS=2
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
duration=${DURATION:-10s}
poll_duration=${POLL_DURATION:-30s}
threads=${THREADS:-2}

[ -n "${DB:-}" ] && [ -f "$DB" ] || { echo "bench-load: set DB to an imported store" >&2; exit 1; }
for c in wrk curl jq; do command -v $c >/dev/null || { echo "bench-load: $c is not installed" >&2; exit 1; }; done

tmp=$(mktemp -d)
server="" standin=""
stop() { # stop PID: end one process this script started
	[ -n "$1" ] || return 0
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
cleanup() { stop "$server"; stop "$standin"; rm -rf "$tmp"; }
trap cleanup EXIT

cd "$root"
bin=${BIN:-}
if [ -z "$bin" ]; then
	go build -o "$tmp/watch287g" ./cmd/watch287g
	bin="$tmp/watch287g"
fi
go build -o "$tmp/standin" ./internal/standin
go build -o "$tmp/floor" ./internal/standin/floor
echo "store: $DB ($(du -h "$DB" | cut -f1)); load: $(uptime | sed 's/.*load average/load average/')"

port=$((20000 + RANDOM % 20000))
base="http://127.0.0.1:$port"
# Serve with no fetching, no backfill and no document rounds (nothing
# leaves the machine) unless the caller's environment says otherwise.
export WATCH287G_BACKFILL=off WATCH287G_FETCH_DELAY=0s
cp "$DB" "$tmp/src.db"
start_server() { # start_server EXTRA-FLAGS...: a fresh copy of the store each time
	cp "$tmp/src.db" "$tmp/w.db"
	"$bin" --db "$tmp/w.db" serve --listen "127.0.0.1:$port" --documents-every 0 "$@" >"$tmp/serve.log" 2>&1 &
	server=$!
	local i
	for i in $(seq 1200); do
		curl -fsS -o /dev/null "$base/healthz" 2>/dev/null && return 0
		curl -sS -o /dev/null "$base/healthz" 2>/dev/null && return 0 # 503 "stale" answers too
		kill -0 "$server" 2>/dev/null || break
		sleep 0.1
	done
	echo "bench-load: serve did not start:" >&2
	tail -5 "$tmp/serve.log" >&2
	exit 1
}
hwm() { awk '/VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/$server/status"; }

cat >"$tmp/report.lua" <<'LUA'
done = function(summary, latency, requests)
	local secs = summary.duration / 1e6
	local bad = summary.errors.connect + summary.errors.read + summary.errors.write
		+ summary.errors.status + summary.errors.timeout
	io.write(string.format("RESULT %.0f %.2f %.2f %.2f %d %d\n", summary.requests / secs,
		latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
		summary.requests, bad))
end
LUA

ok() { awk "BEGIN {exit !($1)}" && echo PASS || echo FAIL; }

# load NAME CONNS DURATION PATH RPS_MIN P99_MAX RSS_MAX: one wrk run, one line.
load() {
	local name=$1 conns=$2 dur=$3 path=$4 rps_min=$5 p99_max=$6 rss_max=$7
	wrk -t"$threads" -c"$conns" -d"$dur" --timeout 10s -s "$tmp/report.lua" "$base$path" >"$tmp/wrk.out" 2>&1 || true
	local rps p50 p99 max n bad
	read -r _ rps p50 p99 max n bad < <(grep '^RESULT' "$tmp/wrk.out") || { cat "$tmp/wrk.out" >&2; exit 1; }
	local rss verdict=PASS
	rss=$(hwm)
	[ "$(ok "$rps >= $rps_min")" = PASS ] || verdict=FAIL
	[ "$(ok "$p99 <= $p99_max")" = PASS ] || verdict=FAIL
	[ "$(ok "$rss <= $rss_max")" = PASS ] || verdict=FAIL
	[ "$bad" = 0 ] || verdict=FAIL
	printf '%-34s %6s req/s  p50 %7s ms  p99 %7s ms  max %8s ms  %7s reqs  %s not served  VmHWM %6s MB  %s\n' \
		"$name" "$rps" "$p50" "$p99" "$max" "$n" "$bad" "$rss" "$verdict"
	printf '%-34s targets: >= %s req/s, p99 <= %s ms, VmHWM <= %s MB, all served\n' "" "$rps_min" "$p99_max" "$rss_max"
}

# floor CONNS DURATION PATH: the same wrk against internal/standin/floor
# serving the bytes serve answers PATH with (fetched now, while serve
# runs): what any Go server sending those bytes reaches on this machine
# at this moment. A row that misses its target while the floor misses it
# too is bound by the machine, not by serve.
floor() {
	local conns=$1 dur=$2 path=$3 fport=$((port + 1))
	curl -fsS -o "$tmp/floor.body" "$base$path"
	"$tmp/floor" -listen "127.0.0.1:$fport" -body "$tmp/floor.body" >"$tmp/floor.log" 2>&1 &
	local fpid=$! i
	for i in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$fport/" 2>/dev/null && break; sleep 0.1; done
	wrk -t"$threads" -c"$conns" -d"$dur" --timeout 10s -s "$tmp/report.lua" "http://127.0.0.1:$fport/" >"$tmp/wrk.out" 2>&1 || true
	stop "$fpid"
	local rps p50 p99 max n bad
	read -r _ rps p50 p99 max n bad < <(grep '^RESULT' "$tmp/wrk.out") || { cat "$tmp/wrk.out" >&2; exit 1; }
	printf '  floor, the same %s bytes from a static server: %s req/s, p99 %s ms (load: %s)\n' \
		"$(stat -c %s "$tmp/floor.body")" "$rps" "$p99" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

# The lists the stand-in serves: the store's latest of each, so a poll's
# new edition is a new snapshot with no changes.
start_server --no-fetch
for list in participating pending; do
	id=$(curl -fsS "$base/api/v1/agreements?list=$list" | jq -r '.snapshot.id')
	name=$(curl -fsS "$base/api/v1/snapshots/$id" | jq -r '.file_name')
	mkdir -p "$tmp/lists/$list"
	curl -fsS -o "$tmp/lists/$list/$name" "$base/api/v1/snapshots/$id/file"
done
stop "$server"; server=""
# The copies the loads run on start from this one: opened once by serve,
# so a schema migration (an older store, a newer binary) is not measured.
cp "$tmp/w.db" "$tmp/src.db"

# 1. / while the schedule polls every 2 s.
"$tmp/standin" -participating "$tmp"/lists/participating/*.xlsx -pending "$tmp"/lists/pending/*.xlsx -every 4s >"$tmp/standin.out" 2>"$tmp/standin.log" &
standin=$!
for _ in $(seq 100); do [ -s "$tmp/standin.out" ] && break; sleep 0.1; done
page_url=$(head -1 "$tmp/standin.out")
[ -n "$page_url" ] || { cat "$tmp/standin.log" >&2; echo "bench-load: the stand-in did not start" >&2; exit 1; }
WATCH287G_SCHEDULE="@every 2s" start_server --page-url "$page_url"
# The first cycle downloads both lists; measure from the second on.
for _ in $(seq 100); do
	[ "$(grep -c 'cycle' "$tmp/serve.log" || true)" -ge 1 ] && break
	sleep 0.1
done
sleep 2
# One request first, as in steady use: the first / after a process start
# is the cold row's to measure, not this one's.
curl -fsS -o /dev/null "$base/"
before_new=$(grep -c "\"outcome\":\"new\"" "$tmp/serve.log" || true)
before_unch=$(grep -c "\"outcome\":\"unchanged\"" "$tmp/serve.log" || true)
load "/ (32 conns, polling every 2 s)" 32 "$poll_duration" / 3000 25 100000
new=$(( $(grep -c "\"outcome\":\"new\"" "$tmp/serve.log" || true) - before_new ))
unch=$(( $(grep -c "\"outcome\":\"unchanged\"" "$tmp/serve.log" || true) - before_unch ))
echo "  polls during the run: $new brought a new list, $unch brought nothing; $(grep -c "\"level\":\"ERROR\"" "$tmp/serve.log" || true) errors logged"
floor 32 "$poll_duration" /
stop "$server"; server=""
stop "$standin"; standin=""

# 2–4: 256 clients, each on a freshly started server.
start_server --no-fetch
load "/ (256 conns, cold start)" 256 "$duration" / 3000 100000 150
floor 256 "$duration" /
stop "$server"; server=""
start_server --no-fetch
load "/search?q=county (256 conns)" 256 "$duration" "/search?q=county" 500 100000 150
floor 256 "$duration" "/search?q=county"
stop "$server"; server=""
start_server --no-fetch
curl -fsS -o /dev/null "$base/api/v1/agreements" # cached, as in steady use
load "/api/v1/agreements (256 conns)" 256 "$duration" /api/v1/agreements 1000 250 150
floor 256 "$duration" /api/v1/agreements
stop "$server"; server=""
