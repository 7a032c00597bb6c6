// Lua functions the incident scripts share: correlation of alert groups (see correlation.ts),
// the record of why each sender group belongs to an incident, and closing an incident. They are
// pasted into the scripts (script.ts, lifecycle-script.ts) so each transition stays one script
// call. Keys, under the prefix p:
//   correlation:<ck>        → "<id> <deadlineMs>": the open incident that groups with correlation
//                             key ck join until the deadline (the script's clock, not Redis's, so
//                             a test clock works); renewed whenever that incident takes a new
//                             alert; the key's own expiry only collects it
//   incident:<id>:groups    hash incident-key → JSON {reason: "opened"|"joined", at, key, sender}
//   incident:<id>:names     hash alert name (JSON) → "<firing count>|<covered>" (script-names.ts)
export const CORRELATION_LUA = `
-- The incident id a correlation key holds, and until when.
local function correlation_holder(key)
  local v = redis.call('GET', key)
  if not v then return nil, 0 end
  local id, deadline = string.match(v, '^(%S+) (%d+)$')
  return id, tonumber(deadline)
end

-- The open incident that a group with correlation key ck joins at time now, unless it is \`except\`.
local function correlated_incident(p, ck, except, now)
  if ck == '' then return nil end
  local cid, deadline = correlation_holder(p .. 'correlation:' .. ck)
  if not cid or cid == except or now > deadline then return nil end
  if redis.call('HGET', p .. 'incident:' .. cid, 'status') ~= 'open' then return nil end
  return cid
end

-- An incident that opened with key ck holds it for windowMs; a new alert renews the hold,
-- unless the key has since passed to another incident (the window ran out in between).
local function hold_correlation(p, ck, id, windowMs, opened, now)
  if ck == '' or windowMs <= 0 then return end
  local key = p .. 'correlation:' .. ck
  if opened or correlation_holder(key) == id then
    redis.call('SET', key, id .. ' ' .. string.format('%.0f', now + windowMs), 'PX', windowMs)
  end
end

-- Why a sender group belongs to the incident. sender: pre-encoded JSON {source, group, externalURL?}.
local function record_group(ik, k, reason, nows, keyJSON, sender)
  redis.call('HSET', ik .. ':groups', k, '{"reason":"' .. reason .. '","at":' .. nows .. ',"key":' .. keyJSON
    .. ',"sender":' .. sender .. '}')
end

-- A resolved incident leaves the open set, stops taking groups, and expires with everything that
-- points at it (the key map of every group that joined it, not only the last one's; mapkey, when
-- given, is one that may predate the groups record).
local function close_incident(p, id, ttl, mapkey)
  local ik = p .. 'incident:' .. id
  redis.call('ZREM', p .. 'incidents:open', id)
  local ck = redis.call('HGET', ik, 'correlation')
  if ck and ck ~= '' and correlation_holder(p .. 'correlation:' .. ck) == id then
    redis.call('DEL', p .. 'correlation:' .. ck)
  end
  for _, k in ipairs(redis.call('HKEYS', ik .. ':groups')) do
    local mk = p .. 'incident-key:' .. k
    if redis.call('GET', mk) == id then redis.call('EXPIRE', mk, ttl) end
  end
  if mapkey then redis.call('EXPIRE', mapkey, ttl) end
  for _, key in ipairs({ ik, ik .. ':alerts', ik .. ':groups', ik .. ':names', ik .. ':silences' }) do
    redis.call('EXPIRE', key, ttl)
  end
end
`;
