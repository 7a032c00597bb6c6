// The one Lua script that applies a webhook request's alerts to incidents. Redis runs it
// atomically, so two replicas handed the same notification cannot both open an incident, and
// a request either lands whole or (Redis down) not at all. Validation and decoding happen
// before the first write; nothing after it can fail on input.
//
// Keys (all under the prefix p; built here, so standalone Redis only, not Cluster):
//   incident-key:<k>       → id of the latest incident of (source, group, playbook)
//   incident:<id>          hash: the incident
//   incident:<id>:state    hash fingerprint → "st|startsMs|endsMs|repeats|firstSeenMs|lastNotifiedMs"
//   incident:<id>:alerts   hash fingerprint → latest normalized alert (JSON, as sent by Node)
//   incidents:open         zset id → openedAt
//   incident-events        stream outbox of the transitions (capped, MAXLEN ~)
//
// Rules per alert, against the incident it belongs to:
//   unknown fingerprint                         → added
//   firing, stored firing, later startsAt       → repeated (it restarted)
//   firing, stored firing, same startsAt        → repeated when the last notification is older
//                                                  than the window (win < 0: never), else duplicate
//   resolved, stored firing                     → alert-resolved (unless it ended before it started)
//   firing, stored resolved, started after end  → repeated (fired again)
//   anything else                               → duplicate or stale: no change
// A firing alert that is fresh against a resolved incident opens a new incident. Resolution is
// decided after the whole request: every alert resolved → incident resolved, with its duration.
export const APPLY_ALERTS_LUA = `
local req = cjson.decode(ARGV[1])
local p, now = req.p, req.now
local out = {}
local touched = {}

local function fmt(n) return string.format('%.0f', n) end
local function parse_state(raw)
  local st, s, e, rep, seen, last = string.match(raw, '^(%a)|(%d+)|(%d+)|(%d+)|(%d+)|(%d+)$')
  return { st = st, s = tonumber(s), e = tonumber(e), rep = tonumber(rep), seen = tonumber(seen), last = tonumber(last) }
end
local function state_string(x)
  return x.st .. '|' .. fmt(x.s) .. '|' .. fmt(x.e) .. '|' .. fmt(x.rep) .. '|' .. fmt(x.seen) .. '|' .. fmt(x.last)
end
local function fresh_after(a, stored)
  return a.st == 'firing' and a.s > stored.s and a.s >= stored.e
end

local events = {}
local function emit(ev) events[#events + 1] = ev end

for _, g in ipairs(req.groups) do
  local mapkey = p .. 'incident-key:' .. g.k
  local id = redis.call('GET', mapkey)
  local status = false
  if id then status = redis.call('HGET', p .. 'incident:' .. id, 'status') end
  if not status then id = false end
  local ik, sk, ak
  local function use(new_id)
    id = new_id
    ik, sk, ak = p .. 'incident:' .. id, p .. 'incident:' .. id .. ':state', p .. 'incident:' .. id .. ':alerts'
  end
  if id then use(id) end
  local opened = false
  local added, repeated, resolved = {}, {}, {}
  local repeats_before = 0

  local function open(a)
    use(g.id)
    status = 'open'
    opened = true
    redis.call('HSET', ik, 'id', id, 'key', g.k, 'source', g.src, 'group', g.grp, 'playbook', g.pb,
      'trigger', g.ti, 'triggerDescription', g.td, 'title', a.nm, 'status', 'open',
      'openedAt', fmt(now), 'startedAt', fmt(a.s), 'updatedAt', fmt(now),
      'alerts', 0, 'firing', 0, 'repeats', 0, 'lastEnd', 0)
    redis.call('SET', mapkey, id)
    redis.call('ZADD', p .. 'incidents:open', now, id)
  end

  for _, a in ipairs(g.alerts) do
    local stored = false
    if id then
      local raw = redis.call('HGET', sk, a.fp)
      if raw then stored = parse_state(raw) end
    end
    local skip = false
    if not id then
      open(a)
    elseif status == 'resolved' then
      if stored and not fresh_after(a, stored) then skip = true else open(a); stored = false end
    end
    if not skip then
      local change = false
      if not stored then
        local x = { st = (a.st == 'firing') and 'f' or 'r', s = a.s, e = a.e, rep = 0, seen = now, last = now }
        redis.call('HSET', sk, a.fp, state_string(x))
        redis.call('HINCRBY', ik, 'alerts', 1)
        if x.st == 'f' then redis.call('HINCRBY', ik, 'firing', 1) end
        if a.s < tonumber(redis.call('HGET', ik, 'startedAt')) then redis.call('HSET', ik, 'startedAt', fmt(a.s)) end
        if x.st == 'r' then resolved[#resolved + 1] = a.sm end
        added[#added + 1] = a.sm
        change = x
      elseif stored.st == 'f' and a.st == 'firing' then
        if a.s > stored.s or (a.s == stored.s and g.win >= 0 and now - stored.last >= g.win) then
          stored.rep = stored.rep + 1
          stored.last = now
          if a.s > stored.s then stored.s = a.s end
          redis.call('HINCRBY', ik, 'repeats', 1)
          repeated[#repeated + 1] = a.sm
          change = stored
        end
      elseif stored.st == 'f' then
        if a.e >= stored.s then
          stored.st, stored.e, stored.last = 'r', a.e, now
          redis.call('HINCRBY', ik, 'firing', -1)
          resolved[#resolved + 1] = a.sm
          change = stored
        end
      elseif fresh_after(a, stored) then
        stored.st, stored.s, stored.e, stored.last = 'f', a.s, 0, now
        stored.rep = stored.rep + 1
        redis.call('HINCRBY', ik, 'firing', 1)
        redis.call('HINCRBY', ik, 'repeats', 1)
        repeated[#repeated + 1] = a.sm
        change = stored
      end
      if change then
        redis.call('HSET', sk, a.fp, state_string(change))
        redis.call('HSET', ak, a.fp, a.a)
        if change.st == 'r' and change.e > tonumber(redis.call('HGET', ik, 'lastEnd')) then
          redis.call('HSET', ik, 'lastEnd', fmt(change.e))
        end
      end
    end
  end

  if id then
    if not touched[id] then touched[id] = true; out[#out + 1] = id end
    local base = function(kind)
      return { type = kind, incidentId = id, playbookId = (g.pb ~= '') and g.pb or cjson.null,
        source = g.src, group = g.grp, title = redis.call('HGET', ik, 'title'), at = now }
    end
    local changed = opened or #added > 0 or #repeated > 0 or #resolved > 0
    if changed then redis.call('HSET', ik, 'updatedAt', fmt(now)) end
    if opened then
      local ev = base('opened'); ev.alerts = added
      ev.trigger = (g.td ~= '') and g.td or cjson.null
      emit(ev)
    elseif #added > 0 then
      local ev = base('alert-added'); ev.alerts = added; emit(ev)
    end
    if #repeated > 0 then
      local ev = base('repeated'); ev.alerts = repeated
      ev.repeats = tonumber(redis.call('HGET', ik, 'repeats')); emit(ev)
    end
    if #resolved > 0 and status == 'open' then
      local firing = tonumber(redis.call('HGET', ik, 'firing'))
      if firing > 0 then
        local ev = base('alert-resolved'); ev.alerts = resolved; ev.firing = firing; emit(ev)
      else
        local started = tonumber(redis.call('HGET', ik, 'startedAt'))
        local ended = tonumber(redis.call('HGET', ik, 'lastEnd'))
        if ended < started then ended = started end
        redis.call('HSET', ik, 'status', 'resolved', 'resolvedAt', fmt(ended), 'durationMs', fmt(ended - started))
        redis.call('ZREM', p .. 'incidents:open', id)
        for _, key in ipairs({ ik, sk, ak, mapkey }) do redis.call('EXPIRE', key, req.ttl) end
        local done = base('resolved'); done.alerts = resolved
        done.startedAt = started; done.resolvedAt = ended; done.durationMs = ended - started
        emit(done)
      end
    end
  end
end

local reply = { cjson.encode(out) }
for _, ev in ipairs(events) do
  local json = cjson.encode(ev)
  local sid = redis.call('XADD', p .. 'incident-events', 'MAXLEN', '~', req.max, '*',
    'type', ev.type, 'incident', ev.incidentId, 'event', json)
  reply[#reply + 1] = sid
  reply[#reply + 1] = json
end
return reply
`;
