#!/usr/bin/env bash
# bench-http.sh measures watch287g's HTTP server with the whole shared corpus
# imported: requests/s and latency percentiles of /api/v1/changes?limit=50
# and of the overview page, measured with Debian's wrk, and the server's peak
# resident memory (VmHWM).
#
# Targets (issue 6): each URL >= 3,000 req/s with p99 <= 25 ms on a 2-core
# machine; the serving process under 100 MB RSS.
#
# Usage: scripts/bench-http.sh   (from anywhere; env: CORPUS, DURATION,
# CONNECTIONS, THREADS, PORT)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
corpus=${CORPUS:-$root/../shared/corpus}
duration=${DURATION:-15s}
connections=${CONNECTIONS:-32}
threads=${THREADS:-2}
port=${PORT:-18287}

command -v wrk >/dev/null || { echo "bench-http: wrk is not installed (apt-get install wrk)" >&2; exit 1; }
[ -d "$corpus" ] || { echo "bench-http: corpus not found at $corpus (set CORPUS)" >&2; exit 1; }

tmp=$(mktemp -d)
pid=""
cleanup() {
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
		kill "$pid"
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

echo "building watch287g" >&2
(cd "$root" && go build -o "$tmp/watch287g" ./cmd/watch287g)

echo "importing $corpus" >&2
status=0
"$tmp/watch287g" --db "$tmp/w.db" import "$corpus" >"$tmp/import.log" 2>&1 || status=$?
# 3 means a snapshot was quarantined: the corpus has broken files on purpose.
if [ "$status" -ne 0 ] && [ "$status" -ne 3 ]; then
	cat "$tmp/import.log" >&2
	echo "bench-http: import failed with status $status" >&2
	exit 1
fi

"$tmp/watch287g" --db "$tmp/w.db" serve --listen "127.0.0.1:$port" --no-fetch >"$tmp/serve.log" 2>&1 &
pid=$!

# Wait for the server to answer (any status), for at most 30 seconds.
base="http://127.0.0.1:$port"
for _ in $(seq 1 300); do
	code=$(curl -s -o /dev/null -w '%{http_code}' "$base/healthz" || true)
	[ "$code" != "000" ] && break
	kill -0 "$pid" 2>/dev/null || { cat "$tmp/serve.log" >&2; echo "bench-http: serve exited" >&2; exit 1; }
	sleep 0.1
done
[ "$code" != "000" ] || { cat "$tmp/serve.log" >&2; echo "bench-http: serve did not answer" >&2; exit 1; }

cat >"$tmp/report.lua" <<'LUA'
done = function(summary, latency, requests)
	local secs = summary.duration / 1e6
	local errs = summary.errors.connect + summary.errors.read + summary.errors.write
		+ summary.errors.status + summary.errors.timeout
	io.write(string.format("  requests/s %.0f\n", summary.requests / secs))
	io.write(string.format("  latency p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms\n",
		latency:percentile(50) / 1000, latency:percentile(90) / 1000,
		latency:percentile(99) / 1000, latency.max / 1000))
	io.write(string.format("  requests %d  errors %d (non-2xx/3xx %d)\n", summary.requests, errs, summary.errors.status))
end
LUA

for path in "/api/v1/changes?limit=50" "/"; do
	# One request first, so the rendered answer is cached like in steady use.
	curl -s -o /dev/null -w "GET $path: %{http_code}, %{size_download} bytes\n" "$base$path"
	echo "wrk -t$threads -c$connections -d$duration $base$path"
	wrk -t"$threads" -c"$connections" -d"$duration" -s "$tmp/report.lua" "$base$path" | sed -n '/requests\/s/,$p'
done

echo "server RSS: $(grep -E 'VmHWM|VmRSS' /proc/$pid/status | tr -s ' \t' ' ' | paste -sd ';' -)"
