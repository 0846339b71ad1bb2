-- Reads what an ingest needs to know about one action before it plans a batch: when the action last had
-- lineage, its streams' watermarks, and the lineage record of each of the batch's activations.
-- One call per action instead of an MGET of thousands of full key names: the client sends the ids
-- alone, once, and gets the records back as one string. On a 2-core machine the sidecar's socket
-- writes of the key names and the parsing of one reply per key cost it more CPU than Redis spends
-- building the keys here.
-- KEYS[1] stats hash, KEYS[2] watermark hash (stream -> wm). Every lineage key is ARGV[1] .. id and
-- carries the same hash tag as KEYS[1] (src/store/keys.ts), so all of them live in KEYS[1]'s slot.
-- ARGV[1] the action's lineage key prefix, ARGV[2] the activation ids separated by '\n' (none empty).
-- Returns {lastLineageAt or '', {stream, watermark, ...}, records}: records holds one line per id, in
-- order, '' where there is none. A stored value that contains '\n' (not a lineage record) becomes '!',
-- which the client counts as unreadable instead of losing its place in the lines.
local prefix = ARGV[1]
local names, count = {}, 0
for id in string.gmatch(ARGV[2], '[^\n]+') do
  count = count + 1
  names[count] = prefix .. id
end

-- MGET in slices: unpack() of many thousands of arguments would overflow Lua's stack.
local SLICE = 1000
local lines = {}
for first = 1, count, SLICE do
  local values = redis.call('MGET', unpack(names, first, math.min(first + SLICE - 1, count)))
  for j = 1, #values do
    local value = values[j]
    if not value then
      value = ''
    elseif string.find(value, '\n', 1, true) then
      value = '!'
    end
    lines[first + j - 1] = value
  end
end

return {redis.call('HGET', KEYS[1], 'lastLineageAt') or '', redis.call('HGETALL', KEYS[2]), table.concat(lines, '\n')}
