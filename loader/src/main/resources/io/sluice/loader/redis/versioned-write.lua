-- Writes one change to Redis only if it is newer than what the key's version key holds: a redelivered or late older
-- change never overwrites a newer one, and a delete leaves its version behind as a tombstone that expires.
-- Unsent (unchanged TOAST) columns of a change written over a value that lacks them open a gap, as the PostgreSQL
-- sink's sluice.toast_gaps do: a later-arriving older change that carries the column, newer than the value the gap
-- is known from, fills it; an even older redelivery does not.
-- KEYS[1] the row's key; KEYS[2] its version key; KEYS[3] its gaps hash (field: column, value: filled version or '')
-- ARGV[1] 'u' upsert or 'd' delete; ARGV[2..4] the version: LSN high 32 bits, LSN low 32 bits, position (decimal)
-- ARGV[5] the row's TTL in ms (0: none); ARGV[6] the live version's TTL in ms (0: none); ARGV[7] the tombstone's TTL
-- ARGV[8] 'h' hash or 'j' JSON; ARGV[9] how many unsent columns follow (U), then their names
-- ARGV[10+U] JSON: the object of the sent columns; hash: how many NULL columns follow, their names, field/value pairs
-- Returns 1 if written, 2 if it filled a gap, 0 if the stored version is the same or newer.
local function parse(version)
  local hi, lo, seq = string.match(version or '', '^(%d+):(%d+):(%d+)$')
  if not hi then
    return nil
  end
  return { tonumber(hi), tonumber(lo), tonumber(seq) }
end
local function newer(a, b) -- whether version a is newer than b (nil: no version)
  if not b then
    return true
  end
  if a[1] ~= b[1] then
    return a[1] > b[1]
  end
  if a[2] ~= b[2] then
    return a[2] > b[2]
  end
  return a[3] > b[3]
end

local version = ARGV[2] .. ':' .. ARGV[3] .. ':' .. ARGV[4]
local this = parse(version)
local stored = redis.call('GET', KEYS[2])
local unsent = tonumber(ARGV[9])
local data = 10 + unsent
local json = ARGV[8] == 'j'

-- The sent columns: name -> value (false for NULL).
local sent = {}
if ARGV[1] ~= 'd' then
  if json then
    for field, v in pairs(cjson.decode(ARGV[data])) do
      sent[field] = v
    end
  else
    local nulls = tonumber(ARGV[data])
    for i = data + 1, data + nulls do
      sent[ARGV[i]] = false
    end
    for i = data + 1 + nulls, #ARGV, 2 do
      sent[ARGV[i]] = ARGV[i + 1]
    end
  end
end

local function apply(fields) -- sets the given columns into the stored value, keeping the others
  if json then
    local old = redis.call('GET', KEYS[1])
    local merged = old and cjson.decode(old) or {}
    for field, v in pairs(fields) do
      merged[field] = v
    end
    redis.call('SET', KEYS[1], cjson.encode(merged), 'KEEPTTL')
  else
    for field, v in pairs(fields) do
      if v then
        redis.call('HSET', KEYS[1], field, v)
      else
        redis.call('HDEL', KEYS[1], field)
      end
    end
  end
end

if not newer(this, parse(stored)) then
  -- Older: only a gap of a live row may take a value from it.
  if ARGV[1] == 'd' or redis.call('EXISTS', KEYS[3]) == 0 or redis.call('EXISTS', KEYS[1]) == 0 then
    return 0
  end
  local fills = {}
  local any = false
  local gaps = redis.call('HGETALL', KEYS[3])
  for i = 1, #gaps, 2 do
    local field, filled = gaps[i], gaps[i + 1]
    if sent[field] ~= nil and newer(this, parse(filled)) then
      fills[field] = sent[field]
      redis.call('HSET', KEYS[3], field, version)
      any = true
    end
  end
  if any then
    apply(fills)
    return 2
  end
  return 0
end

if ARGV[1] == 'd' then
  redis.call('DEL', KEYS[1], KEYS[3])
  redis.call('SET', KEYS[2], version, 'PX', ARGV[7])
  return 1
end

local exists = redis.call('EXISTS', KEYS[1]) == 1
if unsent == 0 or not exists then
  redis.call('DEL', KEYS[1])
end
if unsent == 0 then
  redis.call('DEL', KEYS[3])
else
  -- Each unsent column keeps its gap, or opens one known from the stored value's version (none for a new row).
  for i = 10, 9 + unsent do
    if redis.call('HEXISTS', KEYS[3], ARGV[i]) == 0 then
      redis.call('HSET', KEYS[3], ARGV[i], exists and stored or '')
    end
  end
  for field, _ in pairs(sent) do
    redis.call('HDEL', KEYS[3], field)
  end
end
if json then
  if unsent == 0 or not exists then
    redis.call('SET', KEYS[1], ARGV[data]) -- as sent, in the columns' order
  else
    apply(sent)
  end
else
  local pairs_ = {}
  for field, v in pairs(sent) do
    if v then
      pairs_[#pairs_ + 1] = field
      pairs_[#pairs_ + 1] = v
    elseif exists and unsent > 0 then
      redis.call('HDEL', KEYS[1], field)
    end
  end
  if #pairs_ > 0 then
    redis.call('HSET', KEYS[1], unpack(pairs_))
  end
end
local ttl = tonumber(ARGV[5])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
local live = tonumber(ARGV[6])
if live > 0 then
  redis.call('SET', KEYS[2], version, 'PX', live)
  if unsent > 0 then
    redis.call('PEXPIRE', KEYS[3], live)
  end
else
  redis.call('SET', KEYS[2], version)
  redis.call('PERSIST', KEYS[3])
end
return 1
