-- Applies one batch's summed-up activations (src/store/delta.ts) to one action's statistics, and moves
-- the watermark of the stream they came from (src/store/watermark.ts) in the same atomic step.
-- KEYS[1] stats hash, KEYS[2] curve hash, KEYS[3] transient hash, KEYS[4] watermark hash (stream -> wm).
-- ARGV[1] stream ('' = none: no watermark), ARGV[2] the watermark the caller screened the batch with
-- ('' = none stored), ARGV[3] the new watermark, ARGV[4] newest event time (ms), ARGV[5] counter
-- increments "activations coldStarts restores errors withLineage withoutLineage", ARGV[6] latency
-- "n mean m2", ARGV[7] cold start "n mean m2", ARGV[8] curve cells, 7 little-endian doubles each
-- (slot n mean m2 tail fresh decay), ARGV[9] transient cells, 8 doubles each (index baselineSlot n mean
-- m2 tail fresh decay: raw latencies; their excess over the baseline slot's mean is taken here, after
-- the curve cells are in).
-- Curve and transient cells are stored as 4 little-endian doubles (count mean m2 ewma): packing them
-- costs a fraction of parsing and printing text, and a batch touches many cells. Cells in text
-- ("count mean m2 ewma", written by earlier versions) are still read; a packed cell starts with a zero
-- byte (the low mantissa byte of an integer count), a text cell with a digit.
-- The arithmetic repeats delta.ts (mergeMoments, mergeSlot, shiftCell) operation for operation; the stats
-- hash's numbers are stored as %.17g and cells as doubles, both of which round-trip exactly, so this
-- script and the in-memory store agree bit for bit.
-- Returns {1, ''} when applied, or {0, stored watermark} when the stored watermark is not the one the
-- caller screened with (another consumer moved it): nothing is written and the caller screens again.
local statsKey, slotsKey, transKey, marksKey = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local stream = ARGV[1]

if stream ~= '' then
  local stored = redis.call('HGET', marksKey, stream) or ''
  if stored ~= ARGV[2] then return {0, stored} end
  redis.call('HSET', marksKey, stream, ARGV[3])
end

local function numbers(s)
  local out = {}
  for part in string.gmatch(s, '%S+') do out[#out + 1] = tonumber(part) end
  return out
end

local function decode(raw, n)
  local out = raw and numbers(raw) or {}
  for i = #out + 1, n do out[i] = 0 end
  return out
end

local function encode(c)
  local parts = {}
  for k = 1, #c do parts[k] = string.format('%.17g', c[k]) end
  return table.concat(parts, ' ')
end

-- m = {count, mean, m2}; Chan et al.'s merge of a batch's n, mean, m2.
local function mergeMoments(m, n, mean, m2)
  if n == 0 then return end
  if m[1] == 0 then
    m[1], m[2], m[3] = n, mean, m2
    return
  end
  local count = m[1] + n
  local delta = mean - m[2]
  m[2] = m[2] + delta * n / count
  m[3] = m[3] + m2 + delta * delta * m[1] * n / count
  m[1] = count
end

-- s = {count, mean, m2, ewma}; c = {n, mean, m2, tail, fresh, decay}.
local function mergeSlot(s, c)
  if c[1] == 0 then return end
  if s[1] == 0 then s[4] = c[5] else s[4] = c[6] * s[4] + c[4] end
  mergeMoments(s, c[1], c[2], c[3])
end

local COUNTERS = { 'activations', 'coldStarts', 'restores', 'errors', 'withLineage', 'withoutLineage' }
for k, by in ipairs(numbers(ARGV[5])) do
  if by > 0 then redis.call('HINCRBY', statsKey, COUNTERS[k], by) end
end

for k, field in ipairs({ 'latency', 'coldStart' }) do
  local d = numbers(ARGV[5 + k])
  if d[1] > 0 then
    local m = decode(redis.call('HGET', statsKey, field), 3)
    mergeMoments(m, d[1], d[2], d[3])
    redis.call('HSET', statsKey, field, encode(m))
  end
end

local function readCell(raw)
  if not raw then return { 0, 0, 0, 0 } end
  if #raw == 32 and string.byte(raw, 1) == 0 then
    local count, mean, m2, ewma = struct.unpack('<dddd', raw)
    return { count, mean, m2, ewma }
  end
  return decode(raw, 4)
end

local function packCell(s)
  return struct.pack('<dddd', s[1], s[2], s[3], s[4])
end

-- Curve cells by field name, so the transient loop finds the ones this batch changed.
local curve = {}
local cells, pos = ARGV[8], 1
while pos <= #cells do
  local slot, n, mean, m2, tail, fresh, decay
  slot, n, mean, m2, tail, fresh, decay, pos = struct.unpack('<ddddddd', cells, pos)
  local field = string.format('%d', slot)
  local s = readCell(redis.call('HGET', slotsKey, field))
  mergeSlot(s, { n, mean, m2, tail, fresh, decay })
  curve[field] = s
  redis.call('HSET', slotsKey, field, packCell(s))
end

cells, pos = ARGV[9], 1
while pos <= #cells do
  local index, baseSlot, n, mean, m2, tail, fresh, decay
  index, baseSlot, n, mean, m2, tail, fresh, decay, pos = struct.unpack('<dddddddd', cells, pos)
  local baseField = string.format('%d', baseSlot)
  local base = curve[baseField]
  if base == nil then
    base = readCell(redis.call('HGET', slotsKey, baseField))
    curve[baseField] = base
  end
  -- Transient excess only against an observed baseline (delta.ts shiftCell).
  if base[1] > 0 then
    local b = base[2]
    local field = string.format('%d', index)
    local t = readCell(redis.call('HGET', transKey, field))
    mergeSlot(t, { n, mean - b, m2, tail - b * (1 - decay), fresh - b, decay })
    redis.call('HSET', transKey, field, packCell(t))
  end
end

local newest = tonumber(ARGV[4])
local prev = tonumber(redis.call('HGET', statsKey, 'lastEventAt') or '0')
if newest > prev then redis.call('HSET', statsKey, 'lastEventAt', string.format('%.17g', newest)) end
return {1, ''}
