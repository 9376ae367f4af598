// Lua scripts of RedisSessionStore. Every key of one script shares the user's hash tag, so each
// runs atomically on one node, Redis Cluster included. Index members are "<handle>:<idHash>".
// ARGV[1] is always the key base "<prefix>{<tag>}:"; sessions are base.."s:"..idHash and
// forward pointers base.."p:"..idHash (RedisKeys, src/core/redis-keys.ts, is the layout).

const SPLIT = `local function idhash(member) return string.match(member, ':(.+)$') end`;

/** KEYS: session, index. ARGV: base, json, ttlMs, member, score, maxSessions, indexTtlMs. */
export const CREATE = `${SPLIT}
local base = ARGV[1]
for _, m in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
  if redis.call('EXISTS', base .. 's:' .. idhash(m)) == 0 then redis.call('ZREM', KEYS[2], m) end
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[5], ARGV[4])
local evicted = {}
local max = tonumber(ARGV[6])
while redis.call('ZCARD', KEYS[2]) > max do
  local oldest = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  redis.call('ZREM', KEYS[2], oldest)
  local key = base .. 's:' .. idhash(oldest)
  local value = redis.call('GET', key)
  redis.call('DEL', key)
  if value then table.insert(evicted, value) end
end
if redis.call('PTTL', KEYS[2]) < tonumber(ARGV[7]) then redis.call('PEXPIRE', KEYS[2], ARGV[7]) end
return evicted`;

/**
 * KEYS: session, pointer. ARGV: base, idHash. Returns {json, idHash, graceUntil} or nil; a
 * pointer's value is "<successor idHash>|<grace end, ms>".
 */
export const GET = `
local value = redis.call('GET', KEYS[1])
if value then return {value, ARGV[2], ''} end
local pointer = redis.call('GET', KEYS[2])
if not pointer then return false end
local grace = string.match(pointer, '|(%d+)$')
local target = string.match(pointer, '^([^|]+)')
local hops = 0
while target and hops < 3 do
  value = redis.call('GET', ARGV[1] .. 's:' .. target)
  if value then return {value, target, grace} end
  pointer = redis.call('GET', ARGV[1] .. 'p:' .. target)
  target = pointer and string.match(pointer, '^([^|]+)')
  hops = hops + 1
end
return false`;

/**
 * KEYS: session. ARGV: the user cache's key prefix in this slot. The session and, in the same
 * round trip, the user's cached snapshot at ARGV[1]..userId (same hash slot):
 * {json, userJson or ''}, or nil.
 */
export const GET_WITH_USER = `
local value = redis.call('GET', KEYS[1])
if not value then return false end
local ok, record = pcall(cjson.decode, value)
if not ok or type(record.userId) ~= 'string' then return {value, ''} end
local user = redis.call('GET', ARGV[1] .. record.userId)
return {value, user or ''}`;

/**
 * KEYS: old session, new session, old pointer, index, old spent marker.
 * ARGV: json, ttlMs, graceMs, oldMember, newMember, score, pointer value, spent marker ('' none).
 */
export const ROTATE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[2])
if tonumber(ARGV[3]) > 0 then redis.call('SET', KEYS[3], ARGV[7], 'PX', ARGV[3]) end
redis.call('ZADD', KEYS[4], ARGV[6], ARGV[5])
redis.call('ZREM', KEYS[4], ARGV[4])
if redis.call('PTTL', KEYS[4]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[4], ARGV[2]) end
if ARGV[8] ~= '' then redis.call('SET', KEYS[5], ARGV[8], 'PX', ARGV[2]) end
return 1`;

/** KEYS: session, index. ARGV: member. */
export const DESTROY = `
local n = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return n`;

/** KEYS: index. ARGV: base. Returns {json, idHash, json, idHash, ...}, oldest first. */
export const LIST = `${SPLIT}
local out = {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local id = idhash(m)
  local value = redis.call('GET', ARGV[1] .. 's:' .. id)
  if value then
    table.insert(out, value)
    table.insert(out, id)
  else
    redis.call('ZREM', KEYS[1], m)
  end
end
return out`;

/** KEYS: index. ARGV: base, handle. Returns the deleted session's JSON or nil. */
export const REVOKE_HANDLE = `${SPLIT}
local prefix = ARGV[2] .. ':'
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if string.sub(m, 1, #prefix) == prefix then
    local key = ARGV[1] .. 's:' .. idhash(m)
    local value = redis.call('GET', key)
    redis.call('DEL', key)
    redis.call('ZREM', KEYS[1], m)
    return value
  end
end
return false`;

/**
 * KEYS: index. ARGV: base, handle, the user's cached snapshot key ('' to skip it). Returns
 * {json, idHash} of the live session (and, when asked, the cached user or an empty string, as
 * GET_WITH_USER), or nil.
 */
export const FIND_HANDLE = `${SPLIT}
local prefix = ARGV[2] .. ':'
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if string.sub(m, 1, #prefix) == prefix then
    local id = idhash(m)
    local value = redis.call('GET', ARGV[1] .. 's:' .. id)
    if value then
      if ARGV[3] == '' then return {value, id} end
      local user = redis.call('GET', ARGV[3])
      return {value, id, user or ''}
    end
    redis.call('ZREM', KEYS[1], m)
    return false
  end
end
return false`;

/** KEYS: index. ARGV: base, exceptHandle ('' for none). Returns the deleted sessions' JSON. */
export const REVOKE_ALL = `${SPLIT}
local keep = ARGV[2] .. ':'
local out = {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if ARGV[2] == '' or string.sub(m, 1, #keep) ~= keep then
    local key = ARGV[1] .. 's:' .. idhash(m)
    local value = redis.call('GET', key)
    redis.call('DEL', key)
    redis.call('ZREM', KEYS[1], m)
    if value then table.insert(out, value) end
  end
end
return out`;
