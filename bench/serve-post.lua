-- wrk script of bench/serve.sh: POSTs one JSON body (the file named by $BENCH_BODY) to the URL given
-- on wrk's command line, and at the end prints one machine-readable line for the script:
--   result requests=N seconds=S rps=R p50_us=A p90_us=B p99_us=C max_us=D non2xx=E socket_errors=F
-- wrk counts answers with a status of 400 or more in summary.errors.status; no response() callback
-- here, as one would make wrk parse every answer's body and slow the client down.
--
--   BENCH_BODY=one.json wrk -t1 -c16 -d15s --latency -s bench/serve-post.lua \
--     http://127.0.0.1:8501/v1/models/penguins:predict

local path = os.getenv("BENCH_BODY")
if path == nil or path == "" then
  error("set BENCH_BODY to the file holding the request body")
end
local f = assert(io.open(path, "rb"))
local body = f:read("*a")
f:close()

wrk.method = "POST"
wrk.body = body
wrk.headers["Content-Type"] = "application/json"

function done(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "result requests=%d seconds=%.3f rps=%.1f p50_us=%d p90_us=%d p99_us=%d max_us=%d non2xx=%d socket_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    e.status, e.connect + e.read + e.write + e.timeout))
end
