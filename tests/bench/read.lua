-- wrk script for tests/bench/run: POSTs one GraphQL query per request with one string variable,
-- drawn at random from a file of values (claim slugs, DOIs, list cursors), so that each request reads
-- a different part of the graph. Every read shape uses it, on claimgraph and on PostGraphile; the
-- claim page on claimgraph keeps claim_page.lua, as in the earlier records.
-- Arguments (after `--`): a file holding the query as a JSON string, the operation's name, the
-- variable's name, and the file of values, one per line (used as they are: no quoting needed).
-- `done` prints one RESULT line that the run script parses, as claim_page.lua does.

local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("thread_number", counter)
  table.insert(threads, thread)
end

local prefix
local values = {}
local headers = {
  ["Content-Type"] = "application/json",
  ["Accept"] = "application/graphql-response+json, application/json",
}

function init(args)
  local file = assert(io.open(args[1], "r"))
  local query = file:read("*a"):gsub("%s+$", "")
  file:close()
  prefix = '{"operationName":"' .. args[2] .. '","query":' .. query .. ',"variables":{"' .. args[3] .. '":"'
  for line in io.lines(args[4]) do
    if line ~= "" then
      table.insert(values, line)
    end
  end
  assert(#values > 0, "no values in " .. args[4])
  -- A different, fixed sequence per thread: runs are comparable, threads do not repeat each other.
  math.randomseed(1000 + thread_number)
end

function request()
  return wrk.format("POST", "/graphql", headers, prefix .. values[math.random(1, #values)] .. '"}}')
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
