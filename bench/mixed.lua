-- A mixed load for wrk: 50 connections acting as maple.bam, each request drawn by weight
-- from home, transaction history, a statement's CSV download, filing a declaration and
-- a payment (docs/operations.md, "Throughput", the mixed scenario).
--
--   wrk -t2 -c50 -d30s -s bench/mixed.lua http://127.0.0.1:8100 -- <sessionid> <csrftoken> \
--       <bn15> <statement period end>
--
-- The POSTs carry the session's CSRF token (cookie and form field) and a fresh
-- idempotency key each; a successful POST answers 302. At the end the script prints the
-- count, the percentiles and the errors (status: answers that were not 2xx or 3xx).

local session, csrf, bn15, period
local weights = {
  {"home", 30}, {"history", 30}, {"statement_csv", 15}, {"declaration", 10}, {"payment", 15},
}
local total_weight = 0
for _, w in ipairs(weights) do total_weight = total_weight + w[2] end

local function pick()
  local r = math.random(total_weight)
  for _, w in ipairs(weights) do
    if r <= w[2] then return w[1] end
    r = r - w[2]
  end
end

local function form(fields)
  local parts = {}
  for k, v in pairs(fields) do parts[#parts + 1] = k .. "=" .. v end
  return table.concat(parts, "&")
end

function init(args)
  session, csrf, bn15, period = args[1], args[2], args[3], args[4]
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

function request()
  local kind = pick()
  local headers = {
    ["Cookie"] = "sessionid=" .. session .. "; csrftoken=" .. csrf .. "; django_language=fr",
  }
  if kind == "home" then
    return wrk.format("GET", "/fr/", headers)
  elseif kind == "history" then
    return wrk.format("GET", "/fr/program-accounts/" .. bn15 .. "/transactions/", headers)
  elseif kind == "statement_csv" then
    return wrk.format("GET", "/fr/program-accounts/" .. bn15 .. "/statements/" .. period .. ".csv", headers)
  end
  headers["Content-Type"] = "application/x-www-form-urlencoded"
  headers["Referer"] = "http://127.0.0.1/"
  local key = string.format("%08x%08x%08x", math.random(0, 0x7fffffff), math.random(0, 0x7fffffff), math.random(0, 0x7fffffff))
  if kind == "payment" then
    local body = form({csrfmiddlewaretoken = csrf, amount = "1.00", method = "wire", idempotency_key = key})
    return wrk.format("POST", "/fr/program-accounts/" .. bn15 .. "/pay/", headers, body)
  end
  local body = form({
    csrfmiddlewaretoken = csrf, release_date = os.date("%Y-%m-%d"), port_of_entry = "0497",
    vendor = "Bench" .. key, ["lines-TOTAL_FORMS"] = "1", ["lines-INITIAL_FORMS"] = "0",
    ["lines-MIN_NUM_FORMS"] = "1", ["lines-MAX_NUM_FORMS"] = "200",
    ["lines-0-hs_code"] = "8471300000", ["lines-0-description"] = "Laptops",
    ["lines-0-quantity"] = "1", ["lines-0-value_for_duty"] = "100.00",
    ["lines-0-duty_rate"] = "6.5", ["lines-0-gst_rate"] = "5",
  })
  return wrk.format("POST", "/fr/program-accounts/" .. bn15 .. "/declarations/new/", headers, body)
end

function done(summary, latency, requests)
  io.write(string.format("REQUESTS %d in %.1f s: %.0f req/s\n", summary.requests,
    summary.duration / 1e6, summary.requests / (summary.duration / 1e6)))
  for _, p in ipairs({50, 90, 95, 99}) do
    io.write(string.format("p%d %.0f ms\n", p, latency:percentile(p) / 1000))
  end
  local e = summary.errors
  io.write(string.format("errors: connect %d read %d write %d status %d timeout %d\n",
    e.connect, e.read, e.write, e.status, e.timeout))
end
