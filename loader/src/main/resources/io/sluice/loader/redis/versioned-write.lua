-- Writes one change to Redis only if it is newer than what the key's version key holds: a redelivered or late older
-- change never overwrites a newer one, and a delete leaves its version behind as a tombstone that expires.
-- KEYS[1] the row's key; KEYS[2] its version key (same hash slot)
-- ARGV[1] 'u' upsert or 'd' delete; ARGV[2..4] the version: LSN high 32 bits, LSN low 32 bits, position (decimal)
-- ARGV[5] the row's TTL in ms (0: none); ARGV[6] the live version's TTL in ms (0: none); ARGV[7] the tombstone's TTL
-- ARGV[8] 'h' hash or 'j' JSON; ARGV[9] '1' replaces the whole value, '0' keeps fields not sent (unchanged TOAST)
-- ARGV[10] JSON: the object; hash: how many NULL fields follow, then their names, then field/value pairs
-- Returns 1 if written, 0 if the stored version is the same or newer.
local stored = redis.call('GET', KEYS[2])
local hi, lo, seq = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
if stored then
  local shi, slo, sseq = string.match(stored, '^(%d+):(%d+):(%d+)$')
  if shi then
    shi, slo, sseq = tonumber(shi), tonumber(slo), tonumber(sseq)
    if shi > hi or (shi == hi and (slo > lo or (slo == lo and sseq >= seq))) then
      return 0
    end
  end
end
local version = ARGV[2] .. ':' .. ARGV[3] .. ':' .. ARGV[4]
if ARGV[1] == 'd' then
  redis.call('DEL', KEYS[1])
  redis.call('SET', KEYS[2], version, 'PX', ARGV[7])
  return 1
end
if ARGV[8] == 'j' then
  local value = ARGV[10]
  if ARGV[9] == '0' then
    local old = redis.call('GET', KEYS[1])
    if old then
      local merged = cjson.decode(old)
      for field, v in pairs(cjson.decode(value)) do
        merged[field] = v
      end
      value = cjson.encode(merged)
    end
  end
  redis.call('SET', KEYS[1], value)
else
  local nulls = tonumber(ARGV[10])
  if ARGV[9] == '1' then
    redis.call('DEL', KEYS[1])
  elseif nulls > 0 then
    redis.call('HDEL', KEYS[1], unpack(ARGV, 11, 10 + nulls))
  end
  if #ARGV > 10 + nulls then
    redis.call('HSET', KEYS[1], unpack(ARGV, 11 + nulls))
  end
end
local ttl = tonumber(ARGV[5])
if ttl > 0 then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
if tonumber(ARGV[6]) > 0 then
  redis.call('SET', KEYS[2], version, 'PX', ARGV[6])
else
  redis.call('SET', KEYS[2], version)
end
return 1
