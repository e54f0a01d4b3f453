// The Lua scripts of RedisLocker: each runs atomically in Redis (KEYS[1] is the lock key).

// Lock values are `<ticket>:<random>`. Tickets come from one INCR counter, so every claim on every
// instance is ordered: a request only ever asks an *older* holder to let go (newest wins), and a holder
// that got the lock while someone newer waits is asked at once, as with MemoryLocker.
export const ACQUIRE = `
local value = ARGV[1]
if value == '' then value = string.format('%d', redis.call('INCR', KEYS[2])) .. ':' .. ARGV[3] end
if redis.call('SET', KEYS[1], value, 'NX', 'PX', ARGV[2]) then return {value, 1} end
return {value, 0, redis.call('GET', KEYS[1])}
`;

export const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0
`;

// Publishes a flush request only while the lock is held, in one step: no holder means nothing to wait for.
export const FLUSH = `
if redis.call('EXISTS', KEYS[1]) == 1 then redis.call('PUBLISH', ARGV[1], ARGV[2]) return 1 end
return 0
`;

export const EXISTS = `return redis.call('EXISTS', KEYS[1])`;

export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[1])
  return 1
end
return 0
`;
