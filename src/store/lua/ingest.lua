-- Applies a batch of activation plans to one action's statistics, each activation at most once.
-- KEYS[1] stats hash, KEYS[2] curve hash, KEYS[3] transient hash, KEYS[3+i] marker of activation i.
-- ARGV[1] marker TTL (s), ARGV[2] EWMA alpha, ARGV[3] newest event time (ms), then per activation:
-- the number of operations, then 4 values per operation: code, field, value, aux.
--   c = counter +1 (stats), m = Welford (stats), s = curve slot, x = transient excess over curve slot aux.
-- The arithmetic repeats src/store/moments.ts operation for operation; numbers are stored as %.17g,
-- which round-trips doubles exactly, so this script and the in-memory store agree bit for bit.
-- Returns {applied, duplicates, applied with lineage}.
local statsKey, slotsKey, transKey = KEYS[1], KEYS[2], KEYS[3]
local ttl = ARGV[1]
local alpha = tonumber(ARGV[2])
local lastEventAt = tonumber(ARGV[3])

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

local applied, duplicates, withLineage = 0, 0, 0
local i = 4
for e = 4, #KEYS do
  local nops = tonumber(ARGV[i])
  i = i + 1
  if redis.call('SET', KEYS[e], '1', 'NX', 'EX', ttl) then
    applied = applied + 1
    for _ = 1, nops do
      local code, field, value, aux = ARGV[i], ARGV[i + 1], tonumber(ARGV[i + 2]), ARGV[i + 3]
      if code == 'c' then
        counters[field] = (counters[field] or 0) + 1
        if field == 'withLineage' then withLineage = withLineage + 1 end
      elseif code == 'm' then
        welford(cell(moments, statsKey, field, 3), value)
      elseif code == 's' then
        slotAdd(cell(curve, slotsKey, field, 4), value)
      elseif code == 'x' then
        local base = cell(curve, slotsKey, aux, 4)
        if base[1] > 0 then slotAdd(cell(trans, transKey, field, 4), value - base[2]) end
      end
      i = i + 4
    end
  else
    duplicates = duplicates + 1
    i = i + 4 * nops
  end
end

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
