-- Applies a batch of activations to one action's statistics, each activation at most once.
-- KEYS[1] stats hash, KEYS[2] curve hash, KEYS[3] transient hash, KEYS[4..] marker sets (one per time
-- bucket of event timestamps; an activation's bucket is fixed by its own timestamp, so a redelivered
-- copy meets its marker; each set expires TTL seconds after its bucket ends).
-- ARGV[1] marker TTL (s), ARGV[2] EWMA alpha, ARGV[3] newest event time (ms), ARGV[4] number of marker
-- sets, ARGV[5..] their expiry (epoch s), then one string with every activation as
-- "id,set,counters,latency,coldStart,op,field,aux;" (one argument instead of eight per activation:
-- encoding arguments is most of the client's cost). Fields, encoded from plan.ts:
--   id (no ',' or ';'), marker set index (1-based), counters (letters: a activations, c coldStarts,
--   r restores, e errors, l withLineage, n withoutLineage), latency ('' = none), coldStart ('' = none),
--   curve op ('' none, 's' curve slot, 'x' transient excess over curve slot), field, baseline slot.
-- The arithmetic repeats src/policy/stats.ts operation for operation; numbers are stored as %.17g,
-- which round-trips doubles exactly, so this script and the in-memory store agree bit for bit.
-- Returns {applied, duplicates, applied with lineage}.
local statsKey, slotsKey, transKey = KEYS[1], KEYS[2], KEYS[3]
local alpha = tonumber(ARGV[2])
local lastEventAt = tonumber(ARGV[3])
local nsets = tonumber(ARGV[4])

local function decode(raw, n)
  local out = {}
  if raw then
    for part in string.gmatch(raw, '%S+') do out[#out + 1] = tonumber(part) end
  end
  for i = #out + 1, n do out[i] = 0 end
  return out
end

local counters, moments, curve, trans = {}, {}, {}, {}

local function cell(cache, key, field, n)
  local c = cache[field]
  if c == nil then
    c = decode(redis.call('HGET', key, field), n)
    cache[field] = c
  end
  return c
end

local function welford(m, x)
  m[1] = m[1] + 1
  local delta = x - m[2]
  m[2] = m[2] + delta / m[1]
  m[3] = m[3] + delta * (x - m[2])
end

local function slotAdd(s, x)
  if s[1] == 0 then s[4] = x else s[4] = alpha * x + (1 - alpha) * s[4] end
  welford(s, x)
end

local COUNTER = { a = 'activations', c = 'coldStarts', r = 'restores', e = 'errors', l = 'withLineage', n = 'withoutLineage' }

local applied, duplicates, withLineage = 0, 0, 0
local PATTERN = '([^,;]*),([^,;]*),([^,;]*),([^,;]*),([^,;]*),([^,;]*),([^,;]*),([^,;]*);'
for id, set, flags, lat, cold, op, field, aux in string.gmatch(ARGV[5 + nsets], PATTERN) do
  if redis.call('SADD', KEYS[3 + tonumber(set)], id) == 1 then
    applied = applied + 1
    for letter in string.gmatch(flags, '%a') do
      local name = COUNTER[letter]
      counters[name] = (counters[name] or 0) + 1
      if letter == 'l' then withLineage = withLineage + 1 end
    end
    local latency = tonumber(lat)
    if latency then welford(cell(moments, statsKey, 'latency', 3), latency) end
    local coldMs = tonumber(cold)
    if coldMs then welford(cell(moments, statsKey, 'coldStart', 3), coldMs) end
    if op == 's' then
      slotAdd(cell(curve, slotsKey, field, 4), latency)
    elseif op == 'x' then
      local base = cell(curve, slotsKey, aux, 4)
      if base[1] > 0 then slotAdd(cell(trans, transKey, field, 4), latency - base[2]) end
    end
  else
    duplicates = duplicates + 1
  end
end
for k = 1, nsets do redis.call('EXPIREAT', KEYS[3 + k], ARGV[4 + k]) end

local function encode(c)
  local parts = {}
  for k = 1, #c do parts[k] = string.format('%.17g', c[k]) end
  return table.concat(parts, ' ')
end

local function writeBack(key, cache)
  local args, n = {}, 0
  for field, c in pairs(cache) do
    -- Cells that were only read (an unobserved baseline slot) stay absent.
    if c[1] > 0 then
      args[#args + 1] = field
      args[#args + 1] = encode(c)
      n = n + 1
      if n == 200 then
        redis.call('HSET', key, unpack(args))
        args, n = {}, 0
      end
    end
  end
  if n > 0 then redis.call('HSET', key, unpack(args)) end
end

if applied > 0 then
  for field, by in pairs(counters) do redis.call('HINCRBY', statsKey, field, by) end
  writeBack(statsKey, moments)
  writeBack(slotsKey, curve)
  writeBack(transKey, trans)
  local prev = tonumber(redis.call('HGET', statsKey, 'lastEventAt') or '0')
  if lastEventAt > prev then redis.call('HSET', statsKey, 'lastEventAt', string.format('%.17g', lastEventAt)) end
end
return {applied, duplicates, withLineage}
