-- Admits one request under every scope's limits, atomically, or names the limit it breaks.
-- KEYS, 4 per scope: requests hash, tokens hash (field = Unix second, value = amount),
--   open-requests sorted set (member = request id, score = lease end, Unix ms),
--   budget counter of the current period (pico-USD; a string).
-- ARGV: request id, token estimate, lease ms, cost estimate (pico-USD), then per scope:
--   rpm, tpm, max open, budget max (-1: none).
-- Time is the server's, so replicas with different clocks count the same window.
-- Answer: {1, second, requests, tokens, reset_requests_ms, reset_tokens_ms, budget_spent}
-- (first scope's counts after admission; budget_spent -1: no budget), or {0, scope index,
-- which (1 requests, 2 tokens, 3 open, 4 budget), retry_after_ms, requests, tokens,
-- reset_requests_ms, reset_tokens_ms, budget_spent}, or {2, scope index}: the budget
-- counter is not seeded for this period.
local t = redis.call('TIME')
local now = tonumber(t[1])
local now_ms = now * 1000 + math.floor(tonumber(t[2]) / 1000)
local from = now - 59
local id, estimate, lease, cost = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local n = #KEYS / 4

-- The window's total and its oldest second (nil: empty); stale seconds are removed. No
-- sorting on the admitting path: the buckets in order are read only for a refusal.
local function window(key)
  local all = redis.call('HGETALL', key)
  local total, oldest = 0, nil
  for i = 1, #all, 2 do
    local s = tonumber(all[i])
    if s < from then
      redis.call('HDEL', key, all[i])
    else
      total = total + tonumber(all[i + 1])
      if oldest == nil or s < oldest then oldest = s end
    end
  end
  return total, oldest
end

-- How long until the window's total falls below `limit` (a refusal's retry-after).
local function wait_ms(key, total, limit)
  local all = redis.call('HGETALL', key)
  local buckets = {}
  for i = 1, #all, 2 do
    buckets[#buckets + 1] = {tonumber(all[i]), tonumber(all[i + 1])}
  end
  table.sort(buckets, function(a, b) return a[1] < b[1] end)
  local left = total
  for _, b in ipairs(buckets) do
    left = left - b[2]
    if left < limit then return (b[1] + 60) * 1000 - now_ms end
  end
  return 60000
end

-- When the window's oldest second leaves it (empty: `empty`).
local function reset_ms(oldest, empty)
  if oldest == nil then return empty end
  return (oldest + 60) * 1000 - now_ms
end

local counts = {}
for i = 0, n - 1 do
  local rk, tk, ck, bk = KEYS[i * 4 + 1], KEYS[i * 4 + 2], KEYS[i * 4 + 3], KEYS[i * 4 + 4]
  local base = 5 + i * 4
  local rpm, tpm, open, bmax = tonumber(ARGV[base]), tonumber(ARGV[base + 1]), tonumber(ARGV[base + 2]), tonumber(ARGV[base + 3])
  local spent = -1
  if bmax >= 0 then
    local v = redis.call('GET', bk)
    if not v then return {2, i} end
    spent = tonumber(v)
  end
  local reqs, ro = window(rk)
  local toks, to = window(tk)
  redis.call('ZREMRANGEBYSCORE', ck, '-inf', now_ms)
  local active = redis.call('ZCARD', ck)
  local which, wait = 0, 0
  if bmax >= 0 and spent >= bmax then
    which, wait = 4, 0
  elseif rpm >= 0 and reqs >= rpm then
    which, wait = 1, wait_ms(rk, reqs, rpm)
  elseif tpm >= 0 and toks >= tpm then
    which, wait = 2, wait_ms(tk, toks, tpm)
  elseif open >= 0 and active >= open then
    which, wait = 3, 1000
  end
  if which > 0 then
    return {0, i, which, wait, reqs, toks, reset_ms(ro, 0), reset_ms(to, 0), spent}
  end
  counts[i + 1] = {reqs, toks, ro, to, spent}
end

for i = 0, n - 1 do
  local rk, tk, ck, bk = KEYS[i * 4 + 1], KEYS[i * 4 + 2], KEYS[i * 4 + 3], KEYS[i * 4 + 4]
  redis.call('HINCRBY', rk, now, 1)
  redis.call('HINCRBY', tk, now, estimate)
  redis.call('PEXPIRE', rk, 61000)
  redis.call('PEXPIRE', tk, 61000)
  redis.call('ZADD', ck, now_ms + lease, id)
  redis.call('PEXPIRE', ck, lease + 1000)
  if tonumber(ARGV[5 + i * 4 + 3]) >= 0 then
    counts[i + 1][5] = redis.call('INCRBY', bk, cost)
  end
end
local c = counts[1]
local rr, rt = reset_ms(c[3], 60000), reset_ms(c[4], 60000)
return {1, now, c[1] + 1, c[2] + estimate, rr, rt, c[5]}
