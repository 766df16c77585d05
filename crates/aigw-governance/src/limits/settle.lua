-- Ends a request: its open slot is freed and its token reservation corrected by the usage.
-- KEYS, 2 per scope: tokens hash, open-requests sorted set.
-- ARGV: request id, the second it was counted in, token delta (used - reserved).
local id, sec, delta = ARGV[1], ARGV[2], tonumber(ARGV[3])
for i = 1, #KEYS, 2 do
  if delta ~= 0 and redis.call('HEXISTS', KEYS[i], sec) == 1 then
    local v = redis.call('HINCRBY', KEYS[i], sec, delta)
    if v < 0 then redis.call('HSET', KEYS[i], sec, 0) end
  end
  redis.call('ZREM', KEYS[i + 1], id)
end
return 1
