-- RedisLimiter's one script: admit a request into a location's sliding window, or say how long
-- until the window has room. Atomic, and timed by Redis's own clock.
-- KEYS: window (sorted set of member -> integer microseconds), pause flag, daily counter,
--       workers (sorted set of process -> last call).
-- ARGV: member, max, period, lease, daily (0: none), server_used, server_used_at, carry, process.
-- Keeps one extra period of history so a server figure seen up to a period ago can be compared
-- with what this window held then. Exclusive score bounds are written x + 1 (integer scores).
-- Returns {1 admitted | 0 wait | -1 daily spent, wait, now, entries in the window, workers}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local max, period, lease = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZADD', KEYS[4], now, ARGV[9])
redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now - lease)
redis.call('PEXPIRE', KEYS[4], math.ceil(lease / 1000))
local workers = redis.call('ZCARD', KEYS[4])
local paused = redis.call('PTTL', KEYS[2])
if paused > 0 then return {0, paused * 1000, now, -1, workers} end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - 2 * period)
redis.call('PEXPIRE', KEYS[1], math.ceil((lease + 2 * period) / 1000))
local function hold(n, score, tag)
  for i = 1, n do redis.call('ZADD', KEYS[1], score, ARGV[1] .. tag .. i) end
end
local used, used_at = tonumber(ARGV[6]), tonumber(ARGV[7])
if used > 0 and used_at > now - period then
  local ours = redis.call('ZCOUNT', KEYS[1], used_at - period + 1, '+inf')
  hold(math.min(used - ours, max), used_at, ':foreign:')
end
hold(tonumber(ARGV[8]), now, ':carried:')
local n = redis.call('ZCOUNT', KEYS[1], now - period + 1, '+inf')
if n >= max then
  local oldest = redis.call('ZRANGEBYSCORE', KEYS[1], now - period + 1, '+inf',
                            'WITHSCORES', 'LIMIT', 0, 1)
  return {0, math.min(tonumber(oldest[2]), now) + period - now, now, n, workers}
end
local daily = tonumber(ARGV[5])
if daily > 0 then
  local spent = redis.call('INCR', KEYS[3])
  if spent == 1 then redis.call('PEXPIRE', KEYS[3], 86400000) end
  if spent > daily then
    redis.call('DECR', KEYS[3])
    return {-1, redis.call('PTTL', KEYS[3]) * 1000, now, n, workers}
  end
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
return {1, 0, now, n + 1, workers}
