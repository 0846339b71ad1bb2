-- Inserts or updates a worker record and derives statistics from it, once per worker:
-- its first record, if restored, adds its start time to `restore` and sets the snapshot's restoreMs;
-- its first record with endedAt adds the requests it served to `lifetime`.
-- KEYS[1] workers hash, KEYS[2] stats hash, KEYS[3] pool hash, KEYS[4] pool restore-time hash.
-- ARGV: workerId, record JSON, ended (0/1), requestsServed, restored (0/1), startMs, snapshotId.
local old = redis.call('HGET', KEYS[1], ARGV[1])
local oldEnded = false
if old then
  local rec = cjson.decode(old)
  oldEnded = rec.endedAt ~= nil and rec.endedAt ~= cjson.null
end

local function welford(field, x)
  local m = {}
  local raw = redis.call('HGET', KEYS[2], field)
  if raw then for part in string.gmatch(raw, '%S+') do m[#m + 1] = tonumber(part) end end
  for k = #m + 1, 3 do m[k] = 0 end
  m[1] = m[1] + 1
  local delta = x - m[2]
  m[2] = m[2] + delta / m[1]
  m[3] = m[3] + delta * (x - m[2])
  redis.call('HSET', KEYS[2], field,
    string.format('%.17g', m[1]) .. ' ' .. string.format('%.17g', m[2]) .. ' ' .. string.format('%.17g', m[3]))
end

local startMs = tonumber(ARGV[6])
if not old and ARGV[5] == '1' and startMs > 0 then
  welford('restore', startMs)
  if redis.call('HEXISTS', KEYS[3], ARGV[7]) == 1 then
    redis.call('HSET', KEYS[4], ARGV[7], string.format('%.17g', startMs))
  end
end
if ARGV[3] == '1' and not oldEnded then welford('lifetime', tonumber(ARGV[4])) end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return 1
