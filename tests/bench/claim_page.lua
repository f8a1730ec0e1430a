-- wrk script for tests/bench/run: POSTs the ClaimPage query for a random generated claim per request.
-- Arguments (after `--`): the claim count N and a file holding the query as a JSON string.
-- Slugs are gen-000001 .. gen-N, as `claimgraph generate` writes them. `done` prints one RESULT line
-- that the run script parses: requests, duration, rate, latency percentiles (microseconds), errors.

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_number", counter)
  table.insert(threads, thread)
end

local claims
local prefix
local headers = {
  ["Content-Type"] = "application/json",
  ["Accept"] = "application/graphql-response+json, application/json",
}

function init(args)
  claims = tonumber(args[1])
  local file = assert(io.open(args[2], "r"))
  local query = file:read("*a"):gsub("%s+$", "")
  file:close()
  prefix = '{"operationName":"ClaimPage","query":' .. query .. ',"variables":{"slug":"'
  -- A different, fixed sequence per thread: runs are comparable, threads do not repeat each other.
  math.randomseed(1000 + thread_number)
end

function request()
  local slug = string.format("gen-%06d", math.random(1, claims))
  return wrk.format("POST", "/graphql", headers, prefix .. slug .. '"}}')
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format(
    "RESULT requests=%d duration_s=%.3f rps=%.1f p50_us=%d p99_us=%d mean_us=%.0f max_us=%d "
      .. "errors_status=%d errors_connect=%d errors_read=%d errors_write=%d errors_timeout=%d bytes=%d\n",
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(99), latency.mean, latency.max,
    e.status, e.connect, e.read, e.write, e.timeout, summary.bytes))
end
