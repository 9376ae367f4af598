// Lua scripts of RedisSessionStore. KEYS[1] is always the user's sessions hash
// "<prefix>{<tag>}:u"; every other key a script touches shares its "{<tag>}", so each script runs
// atomically on one node, Redis Cluster included. Fields of the hash:
//   "u"           the user id (once per user)
//   "<idHash>"    a session: its binary record (redis-session.record.ts)
//   ">" <idHash>  a forward pointer left by a rotation: "<successor idHash>|<grace end, ms>"
// ('>' is not a base64url character, so a pointer never collides with a session.)
// Scripts that purge take the service's clock and default idle timeout in ARGV (never Redis
// TIME: the service's clock decides expiry).

/**
 * Helpers: `clocks(record, defaultIdleMs)` gives a record's createdAt and the time it dies
 * (idle or absolute, whichever comes first), or nil for bytes that are no session record;
 * `purge(now, idle)` deletes dead sessions and pointers past their grace and returns the live
 * sessions as a list of {field, record, createdAt}, in hash order.
 */
const LIB = `
local function varint(s, pos)
  local n, scale = 0, 1
  while true do
    local b = string.byte(s, pos)
    if not b then return nil end
    pos = pos + 1
    n = n + (b % 128) * scale
    if b < 128 then return n, pos end
    scale = scale * 128
    if scale > 562949953421312 then return nil end
  end
end
local function zigzag(n) if n % 2 == 0 then return n / 2 end return -(n + 1) / 2 end
local function clocks(s, defaultIdle)
  if #s < 37 or string.byte(s, 1) ~= 1 then return nil end
  local flags = string.byte(s, 2)
  local created = 0
  for i = 3, 8 do created = created * 256 + string.byte(s, i) end
  local pos, n = 33
  local d = {}
  for i = 1, 5 do
    n, pos = varint(s, pos)
    if not n then return nil end
    d[i] = n
  end
  local lifetime = zigzag(d[5])
  local idle = defaultIdle
  if math.floor(flags / 2) % 2 == 1 then
    n = varint(s, pos)
    if not n then return nil end
    if n == 0 then idle = lifetime else idle = (n - 1) * 1000 end
  end
  return created, math.min(created + lifetime, created + zigzag(d[2]) + idle)
end
local function purge(now, idle)
  local live = {}
  local flat = redis.call('HGETALL', KEYS[1])
  for i = 1, #flat, 2 do
    local field, value = flat[i], flat[i + 1]
    if string.sub(field, 1, 1) == '>' then
      local grace = tonumber(string.match(value, '|(%d+)$'))
      if not grace or now > grace then redis.call('HDEL', KEYS[1], field) end
    elseif field ~= 'u' then
      local created, dies = clocks(value, idle)
      if not created or now >= dies then
        redis.call('HDEL', KEYS[1], field)
      else
        table.insert(live, {field, value, created})
      end
    end
  end
  return live
end
`;

/**
 * `extend(ttl)`: the hash lives at least ttl ms more; `purgePointers(now)`: deletes forward
 * pointers past their grace; `dropIfEmpty()`: no session, no hash.
 */
const KEEP = `
local function extend(ttl)
  if redis.call('PTTL', KEYS[1]) < tonumber(ttl) then redis.call('PEXPIRE', KEYS[1], ttl) end
end
local function purgePointers(now)
  local flat = redis.call('HGETALL', KEYS[1])
  for i = 1, #flat, 2 do
    if string.sub(flat[i], 1, 1) == '>' then
      local grace = tonumber(string.match(flat[i + 1], '|(%d+)$'))
      if not grace or now > grace then redis.call('HDEL', KEYS[1], flat[i]) end
    end
  end
end
local function dropIfEmpty()
  if redis.call('HLEN', KEYS[1]) <= 1 then redis.call('DEL', KEYS[1]) end
end
`;

/**
 * ARGV: idHash, record, ttlMs, maxSessions, now, defaultIdleMs, userId. Adds the session. When
 * the hash is full (maxSessions sessions and pointers besides `u`), first purges dead sessions
 * and pointers, then evicts the oldest live sessions (by createdAt, never the new one) past
 * maxSessions; below that nothing needs to go and the records are not read. Returns the evicted
 * records.
 */
export const CREATE = `${LIB}${KEEP}
local max = tonumber(ARGV[4])
local evicted = {}
if redis.call('HLEN', KEYS[1]) > max then
  local live = purge(tonumber(ARGV[5]), tonumber(ARGV[6]))
  local count = #live + 1
  while count > max do
    local oldest
    for i, s in ipairs(live) do
      if s[1] ~= ARGV[1] and (not oldest or s[3] < live[oldest][3]) then oldest = i end
    end
    if not oldest then break end
    redis.call('HDEL', KEYS[1], live[oldest][1])
    table.insert(evicted, live[oldest][2])
    table.remove(live, oldest)
    count = count - 1
  end
end
redis.call('HSET', KEYS[1], 'u', ARGV[7], ARGV[1], ARGV[2])
extend(ARGV[3])
return evicted`;

/**
 * Validation. ARGV: idHash, the user cache's key prefix in this slot ('' to skip it). Returns
 * {record, idHash, graceUntil or '', userId, cached user or ''} or nil; an id rotated away is
 * followed through its forward pointers (then idHash is the successor's).
 */
export const GET = `
local found = redis.call('HMGET', KEYS[1], ARGV[1], 'u')
local record, user = found[1], found[2]
if not user then return false end
local id, grace = ARGV[1], ''
if not record then
  local pointer = redis.call('HGET', KEYS[1], '>' .. id)
  local hops = 0
  while pointer and hops < 3 do
    local target, until_ = string.match(pointer, '^(.-)|(%d+)$')
    if not target then return false end
    if grace == '' then grace = until_ end
    record = redis.call('HGET', KEYS[1], target)
    if record then
      id = target
      break
    end
    pointer = redis.call('HGET', KEYS[1], '>' .. target)
    hops = hops + 1
  end
  if not record then return false end
end
local cached = ''
if ARGV[2] ~= '' then cached = redis.call('GET', ARGV[2] .. user) or '' end
return {record, id, grace, user, cached}`;

/** ARGV: idHash, record, ttlMs. Rewrites a live session only. Returns 1, or 0 if it is gone. */
export const TOUCH = `${KEEP}
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
extend(ARGV[3])
return 1`;

/**
 * KEYS: sessions, old id's spent marker. ARGV: fromIdHash, toIdHash, record, ttlMs, graceMs,
 * pointer value, spent marker ('' none), now ('' unknown). Also drops pointers past their grace
 * (a session renewed every 15 minutes would otherwise pile them up until the next login).
 */
export const ROTATE = `${KEEP}
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
if ARGV[8] ~= '' then purgePointers(tonumber(ARGV[8])) end
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[2], ARGV[3])
if tonumber(ARGV[5]) > 0 then redis.call('HSET', KEYS[1], '>' .. ARGV[1], ARGV[6]) end
extend(ARGV[4])
if ARGV[7] ~= '' then redis.call('SET', KEYS[2], ARGV[7], 'PX', ARGV[4]) end
return 1`;

/** ARGV: idHash. Returns 1 if the session existed. */
export const DESTROY = `${KEEP}
local n = redis.call('HDEL', KEYS[1], ARGV[1])
dropIfEmpty()
return n`;

/** ARGV: now, defaultIdleMs. Returns {idHash, record, idHash, record, ...} of live sessions. */
export const LIST = `${LIB}${KEEP}
local out = {}
for _, s in ipairs(purge(tonumber(ARGV[1]), tonumber(ARGV[2]))) do
  table.insert(out, s[1])
  table.insert(out, s[2])
end
dropIfEmpty()
return out`;

/** ARGV: handle (8 bytes), now, defaultIdleMs. Returns the deleted session's record or nil. */
export const REVOKE_HANDLE = `${LIB}${KEEP}
local found = false
for _, s in ipairs(purge(tonumber(ARGV[2]), tonumber(ARGV[3]))) do
  if string.sub(s[2], 9, 16) == ARGV[1] then
    redis.call('HDEL', KEYS[1], s[1])
    found = s[2]
    break
  end
end
dropIfEmpty()
return found`;

/**
 * ARGV: handle to keep (8 bytes, '' for none), now, defaultIdleMs. Returns the deleted live
 * sessions' records.
 */
export const REVOKE_ALL = `${LIB}${KEEP}
local out = {}
for _, s in ipairs(purge(tonumber(ARGV[2]), tonumber(ARGV[3]))) do
  if ARGV[1] == '' or string.sub(s[2], 9, 16) ~= ARGV[1] then
    redis.call('HDEL', KEYS[1], s[1])
    table.insert(out, s[2])
  end
end
dropIfEmpty()
return out`;

/**
 * ARGV: handle (8 bytes), the user's cached snapshot key ('' to skip it). Returns {record,
 * idHash, userId} of the session with that handle (and, when asked, the cached user or '', as
 * GET), or nil. No purge: it is a per-request read (bearer tokens); the service checks expiry.
 */
export const FIND_HANDLE = `
local flat = redis.call('HGETALL', KEYS[1])
local user, record, id
for i = 1, #flat, 2 do
  local field = flat[i]
  if field == 'u' then
    user = flat[i + 1]
  elseif string.sub(field, 1, 1) ~= '>' and string.sub(flat[i + 1], 9, 16) == ARGV[1] then
    id, record = field, flat[i + 1]
  end
end
if not record or not user then return false end
if ARGV[2] == '' then return {record, id, user} end
return {record, id, user, redis.call('GET', ARGV[2]) or ''}`;

/**
 * KEYS: a user agent's shared text. ARGV: text, ttlMs. Writes it unless present and makes it
 * live at least ttlMs (PTTL compare, not PEXPIRE GT: Redis 6.2 has no GT).
 */
export const USER_AGENT = `
redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2])
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[2]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 1`;
