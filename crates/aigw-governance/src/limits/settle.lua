-- Ends a request: its open slot is freed, its token reservation corrected by the usage and
-- its budget reservation by the exact cost.
-- KEYS, 3 per scope: tokens hash, open-requests sorted set, budget counter (or a key that is
-- never set, for a scope without a budget).
-- ARGV: request id, the second it was counted in, token delta (used - reserved), cost delta.
local id, sec, delta, cost = ARGV[1], ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
for i = 1, #KEYS, 3 do
  if delta ~= 0 and redis.call('HEXISTS', KEYS[i], sec) == 1 then
    local v = redis.call('HINCRBY', KEYS[i], sec, delta)
    if v < 0 then redis.call('HSET', KEYS[i], sec, 0) end
  end
  redis.call('ZREM', KEYS[i + 1], id)
  if cost ~= 0 and redis.call('EXISTS', KEYS[i + 2]) == 1 then
    local v = redis.call('INCRBY', KEYS[i + 2], cost)
    if v < 0 then redis.call('SET', KEYS[i + 2], 0, 'KEEPTTL') end
  end
end
return 1
