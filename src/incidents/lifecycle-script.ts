// Transitions people make on an incident (lifecycle.ts), each one Lua script like the alert
// intake: the state change and its event on the outbox land together or not at all, and a second
// click (or replica) finds the change made and reports it instead of making it again.
// KEYS[1]: the incident hash. ARGV[1] prefix, ARGV[2] incident id, ARGV[3] user, ARGV[4] now (ms),
// ARGV[5] stream MAXLEN, then per script below.
import { luaScript } from '../audit/lua.js';
import { CORRELATION_LUA } from './script-correlation.js';

// The event's common part (events.ts base), from the incident hash; alerts: none changed.
const HEAD_LUA = `
local function publish(p, id, h, kind, extra, nows, maxlen)
  local pb, src, grp, title = h.playbook or '', h.source or '', h.group or '', h.title or '""'
  local json = '{"incidentId":"' .. id .. '","playbookId":' .. ((pb ~= '') and cjson.encode(pb) or 'null')
    .. ',"source":"' .. src .. '","group":' .. cjson.encode(grp) .. ',"title":' .. title
    .. ',"at":' .. nows .. ',"type":"' .. kind .. '","alerts":[]' .. extra .. '}'
  local sid = redis.call('XADD', p .. 'incident-events', 'MAXLEN', '~', maxlen, '*', 'type', kind, 'incident', id, 'event', json)
  return sid, json
end
local function read(ik, ...)
  local names = { ... }
  local v = redis.call('HMGET', ik, unpack(names))
  local h = {}
  for i, n in ipairs(names) do h[n] = v[i] or nil end
  return h
end
`;

/**
 * Acknowledge: the user owns the incident. Returns {'acknowledged', previousOwner, streamId, json},
 * {'already', owner}, {'resolved', ''} or {'not-found'}.
 */
export const ACKNOWLEDGE = luaScript(`${HEAD_LUA}
local p, id, user, nows, maxlen = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local h = read(KEYS[1], 'status', 'ackBy', 'playbook', 'source', 'group', 'title')
if not h.status then return { 'not-found' } end
if h.status ~= 'open' then return { 'resolved', '' } end
if h.ackBy == user then return { 'already', user } end
redis.call('HSET', KEYS[1], 'ackBy', user, 'ackAt', nows, 'updatedAt', nows)
local sid, json = publish(p, id, h, 'acknowledged', ',"by":' .. cjson.encode(user) .. ',"previous":'
  .. (h.ackBy and cjson.encode(h.ackBy) or 'null'), nows, maxlen)
return { 'acknowledged', h.ackBy or '', sid, json }
`);

/**
 * Resolve by hand (sources that never send a resolution). ARGV[6]: retention in seconds.
 * Returns {'resolved', '', streamId, json}, {'already', resolvedBy} or {'not-found'}.
 */
export const RESOLVE = luaScript(`${HEAD_LUA}${CORRELATION_LUA}
local p, id, user, nows, maxlen, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], tonumber(ARGV[6])
local now = tonumber(nows)
local h = read(KEYS[1], 'status', 'resolvedBy', 'startedAt', 'playbook', 'source', 'group', 'title')
if not h.status then return { 'not-found' } end
if h.status ~= 'open' then return { 'already', h.resolvedBy or '' } end
local started = tonumber(h.startedAt or nows)
local duration = string.format('%.0f', math.max(0, now - started))
redis.call('HSET', KEYS[1], 'status', 'resolved', 'resolvedAt', nows, 'durationMs', duration,
  'resolvedBy', user, 'updatedAt', nows)
close_incident(p, id, ttl, nil)
local sid, json = publish(p, id, h, 'resolved', ',"startedAt":' .. string.format('%.0f', started)
  .. ',"resolvedAt":' .. nows .. ',"durationMs":' .. duration .. ',"resolvedBy":' .. cjson.encode(user), nows, maxlen)
return { 'resolved', '', sid, json }
`);

/**
 * A diagnosis ran (automatic or asked for): alert names firing now are covered by it, and the
 * settle time restarts (script-names.ts). Returns 1, or 0 when the incident is not open.
 */
export const MARK_DIAGNOSED = luaScript(`
local nows = ARGV[4]
if redis.call('HGET', KEYS[1], 'status') ~= 'open' then return 0 end
redis.call('HSET', KEYS[1], 'diagnosedAt', nows)
local nk = KEYS[1] .. ':names'
local flat = redis.call('HGETALL', nk)
local out = {}
for j = 1, #flat, 2 do
  local c = string.match(flat[j + 1], '^(%-?%d+)|')
  out[#out + 1] = flat[j]
  out[#out + 1] = c .. '|' .. ((tonumber(c) > 0) and '1' or '0')
end
if #out > 0 then redis.call('HSET', nk, unpack(out)) end
return 1
`);
