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

-- Cells are read with one HMGET and written with one HSET per slice of fields (not one HGET and one HSET
-- per cell): a chunk touches about one cell per event, and each redis.call costs more than the cell's
-- arithmetic. Slices keep unpack() within Lua's stack.
local SLICE = 1000

local function readCells(key, fields)
  local out = {}
  for first = 1, #fields, SLICE do
    local raws = redis.call('HMGET', key, unpack(fields, first, math.min(first + SLICE - 1, #fields)))
    for j = 1, #raws do out[first + j - 1] = readCell(raws[j]) end
  end
  return out
end

local function writeCells(key, fields, values)
  for first = 1, #fields, SLICE do
    local args, n = {}, 0
    for k = first, math.min(first + SLICE - 1, #fields) do
      args[n + 1], args[n + 2] = fields[k], packCell(values[k])
      n = n + 2
    end
    redis.call('HSET', key, unpack(args))
  end
end

-- Curve cells by field name, so the transient loop finds the ones this batch changed. A batch's cells
-- are distinct (delta.ts sums them per slot).
local curve = {}
local fields, deltas = {}, {}
local cells, pos = ARGV[8], 1
while pos <= #cells do
  local slot, n, mean, m2, tail, fresh, decay
  slot, n, mean, m2, tail, fresh, decay, pos = struct.unpack('<ddddddd', cells, pos)
  fields[#fields + 1] = string.format('%d', slot)
  deltas[#deltas + 1] = { n, mean, m2, tail, fresh, decay }
end
if #fields > 0 then
  local stored = readCells(slotsKey, fields)
  for k = 1, #fields do
    mergeSlot(stored[k], deltas[k])
    curve[fields[k]] = stored[k]
  end
  writeCells(slotsKey, fields, stored)
end

-- Transient cells: their baselines first (the curve cells above, else one read for the rest).
local trans = {}
cells, pos = ARGV[9], 1
while pos <= #cells do
  local index, baseSlot, n, mean, m2, tail, fresh, decay
  index, baseSlot, n, mean, m2, tail, fresh, decay, pos = struct.unpack('<dddddddd', cells, pos)
  trans[#trans + 1] = { string.format('%d', index), string.format('%d', baseSlot), n, mean, m2, tail, fresh, decay }
end
if #trans > 0 then
  local missing, seen = {}, {}
  for _, t in ipairs(trans) do
    if curve[t[2]] == nil and not seen[t[2]] then
      seen[t[2]] = true
      missing[#missing + 1] = t[2]
    end
  end
  if #missing > 0 then
    local bases = readCells(slotsKey, missing)
    for k = 1, #missing do curve[missing[k]] = bases[k] end
  end
  -- Transient excess only against an observed baseline (delta.ts shiftCell). One index can come with
  -- several baselines (delta.ts keys transient cells by both): those merge into its cell in order.
  local tFields, tSeen, tMerges = {}, {}, {}
  for _, t in ipairs(trans) do
    local base = curve[t[2]]
    if base[1] > 0 then
      local b = base[2]
      if not tSeen[t[1]] then
        tSeen[t[1]] = true
        tFields[#tFields + 1] = t[1]
      end
      tMerges[#tMerges + 1] = { t[1], { t[3], t[4] - b, t[5], t[6] - b * (1 - t[8]), t[7] - b, t[8] } }
    end
  end
  if #tFields > 0 then
    local stored = readCells(transKey, tFields)
    local byField = {}
    for k = 1, #tFields do byField[tFields[k]] = stored[k] end
    for _, m in ipairs(tMerges) do mergeSlot(byField[m[1]], m[2]) end
    writeCells(transKey, tFields, stored)
  end
end

local newest = tonumber(ARGV[4])
local prev = tonumber(redis.call('HGET', statsKey, 'lastEventAt') or '0')
if newest > prev then redis.call('HSET', statsKey, 'lastEventAt', string.format('%.17g', newest)) end
return {1, ''}
