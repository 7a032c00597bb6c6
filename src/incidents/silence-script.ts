// Silence records of an incident, each change one Lua script with its event on the incident
// outbox (events.ts `silenced`, `silence-ended`). Keys under the prefix p:
//   incident:<id>:silences   hash "<alertmanagerUrl> <silenceId>" → JSON {url, id, by, endsAt, state}
//   silences:active          zset "<incidentId> <alertmanagerUrl> <silenceId>" → endsAt (ms):
//                            what the watcher (silence-watch.ts) asks Alertmanager about
// KEYS[1]: the incident hash. ARGV[1] prefix, ARGV[2] incident id, ARGV[3] user, ARGV[4] now (ms),
// ARGV[5] stream MAXLEN, then per script.
import { luaScript } from '../audit/lua.js';

const PUBLISH_LUA = `
local function publish(p, id, kind, extra, nows, maxlen)
  local h = redis.call('HMGET', KEYS[1], 'playbook', 'source', 'group', 'title')
  local pb = h[1] or ''
  local json = '{"incidentId":"' .. id .. '","playbookId":' .. ((pb ~= '') and cjson.encode(pb) or 'null')
    .. ',"source":"' .. (h[2] or 'alertmanager') .. '","group":' .. cjson.encode(h[3] or '') .. ',"title":' .. (h[4] or '""')
    .. ',"at":' .. nows .. ',"type":"' .. kind .. '","alerts":[]' .. extra .. '}'
  local sid = redis.call('XADD', p .. 'incident-events', 'MAXLEN', '~', maxlen, '*', 'type', kind, 'incident', id, 'event', json)
  return sid, json
end
`;

/**
 * Records silences just created in Alertmanager. ARGV[6] endsAt (ms), ARGV[7] matchers JSON,
 * ARGV[8] comment JSON, then url, silenceId pairs. Returns {streamId, json}, or {} when the
 * incident is gone.
 */
export const RECORD_SILENCES = luaScript(`${PUBLISH_LUA}
local p, id, user, nows, maxlen, ends = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6]
if redis.call('EXISTS', KEYS[1]) == 0 then return {} end
local refs = {}
for i = 9, #ARGV, 2 do
  local url, sid = ARGV[i], ARGV[i + 1]
  redis.call('HSET', KEYS[1] .. ':silences', url .. ' ' .. sid, cjson.encode({ url = url, id = sid, by = user,
    endsAt = tonumber(ends), state = 'active' }))
  redis.call('ZADD', p .. 'silences:active', ends, id .. ' ' .. url .. ' ' .. sid)
  refs[#refs + 1] = '{"url":' .. cjson.encode(url) .. ',"id":' .. cjson.encode(sid) .. '}'
end
local sid, json = publish(p, id, 'silenced', ',"by":' .. cjson.encode(user) .. ',"silences":[' .. table.concat(refs, ',')
  .. '],"endsAt":' .. ends .. ',"matchers":' .. ARGV[7] .. ',"comment":' .. ARGV[8], nows, maxlen)
return { sid, json }
`);

/**
 * A silence ended. ARGV[6] url, ARGV[7] silence id, ARGV[8] reason (expired | deleted |
 * expired-by; ARGV[3] is who, '' for the watcher). Returns {streamId, json} when this call
 * recorded the end, {} when it was recorded before (another replica, a second click).
 */
export const END_SILENCE = luaScript(`${PUBLISH_LUA}
local p, id, user, nows, maxlen, url, sil, reason = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]
local field = url .. ' ' .. sil
redis.call('ZREM', p .. 'silences:active', id .. ' ' .. field)
local raw = redis.call('HGET', KEYS[1] .. ':silences', field)
if not raw then return {} end
local rec = cjson.decode(raw)
if rec.state ~= 'active' then return {} end
rec.state = 'ended'
rec.endedAt = tonumber(nows)
rec.reason = reason
redis.call('HSET', KEYS[1] .. ':silences', field, cjson.encode(rec))
local sid, json = publish(p, id, 'silence-ended', ',"silence":{"url":' .. cjson.encode(url) .. ',"id":' .. cjson.encode(sil)
  .. '},"reason":"' .. reason .. '","by":' .. ((user ~= '') and cjson.encode(user) or 'null'), nows, maxlen)
return { sid, json }
`);
