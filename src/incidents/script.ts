// The one Lua script that applies a webhook request's alerts to incidents. Redis runs it
// atomically, so two replicas handed the same notification cannot both open an incident, and
// a request either lands whole or (Redis down) not at all. All decisions are made on local
// copies first and written at the end of each group, so nothing can fail between writes.
//
// Speed matters (Redis runs one script at a time): arguments are flat ARGV (no cjson decoding),
// each group costs a handful of calls however many alerts it has (HMGET the states at once,
// HSET the changes at once), and event JSON is concatenated from pieces Node pre-encoded.
//
// ARGV: prefix, now, ttlSeconds, streamMaxLen, groupCount, then per group
//   key, candidateId, source, group, playbook ('' = none), triggerIndex, triggerDescription,
//   repeatWindowMs (< 0: never a repeat), alertCount, titleJSON (the first alert's name; kept
//   JSON-encoded in the hash, so the script never decodes JSON),
// then one argument per alert of that group, six newline-separated fields (ioredis spends far
// more per argument than per byte, and JSON never contains a raw newline):
//   fingerprintJSON, 'f'|'r', startsMs, endsMs (0 = none), cardJSON, storedAlertJSON (read.ts).
// The JSON-encoded fingerprint is used as is for hash fields (it is an opaque key). Event
// alerts are the card ({fingerprint, name, severity?, summary?}) completed with the state after
// the change (status, startsAt, endsAt? in ms); events.ts turns them into AlertSummary.
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
export const GROUP_ARGS = 10;

export const APPLY_ALERTS_LUA = `
local p, now, ttl, maxlen = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local ngroups = tonumber(ARGV[5])
local pos = 6
local ids, seen_ids, events = {}, {}, {}

local function fmt(n) return string.format('%.0f', n) end
local function parse_state(raw)
  local st, s, e, rep, seen, last = string.match(raw, '^(%a)|(%d+)|(%d+)|(%d+)|(%d+)|(%d+)$')
  return { st = st, s = tonumber(s), e = tonumber(e), rep = tonumber(rep), seen = tonumber(seen), last = tonumber(last) }
end
local function state_string(x)
  return x.st .. '|' .. fmt(x.s) .. '|' .. fmt(x.e) .. '|' .. fmt(x.rep) .. '|' .. fmt(x.seen) .. '|' .. fmt(x.last)
end
local function fresh_after(st, s, stored) return st == 'f' and s > stored.s and s >= stored.e end
-- HSET/HMGET with many fields, in chunks that stay below Lua's unpack limit.
local function hset_map(key, map)
  local flat = {}
  for f, v in pairs(map) do flat[#flat + 1] = f; flat[#flat + 1] = v end
  for i = 1, #flat, 1000 do redis.call('HSET', key, unpack(flat, i, math.min(i + 999, #flat))) end
end
local function hmget(key, fields)
  local out = {}
  for i = 1, #fields, 500 do
    local part = redis.call('HMGET', key, unpack(fields, i, math.min(i + 499, #fields)))
    for j = 1, #part do out[i + j - 1] = part[j] end
  end
  return out
end

for gi = 1, ngroups do
  local k, cand, src, grp, pb, ti, td = ARGV[pos], ARGV[pos + 1], ARGV[pos + 2], ARGV[pos + 3], ARGV[pos + 4], ARGV[pos + 5], ARGV[pos + 6]
  local win, n, title = tonumber(ARGV[pos + 7]), tonumber(ARGV[pos + 8]), ARGV[pos + 9]
  local first = pos + ${GROUP_ARGS}
  pos = first + n
  -- Only what every alert needs is cut out here; the card and the alert JSON are cut out for
  -- the alerts that change (strings are what Lua spends its time on).
  local list = {}
  for i = 1, n do
    local x = ARGV[first + i - 1]
    local fp, st, s, e, rest = string.match(x, '^(.-)\\n(%a)\\n(%d+)\\n(%d+)\\n()')
    list[i] = { x = x, fp = fp, st = st, s = tonumber(s), e = tonumber(e), rest = rest }
  end
  local mapkey = p .. 'incident-key:' .. k
  local id, ik, sk, ak, inc = redis.call('GET', mapkey), nil, nil, nil, nil
  local function use(x) id = x; ik = p .. 'incident:' .. x; sk = ik .. ':state'; ak = ik .. ':alerts' end
  local states = {}
  if id then
    use(id)
    local h = redis.call('HMGET', ik, 'status', 'alerts', 'firing', 'repeats', 'startedAt', 'lastEnd', 'title')
    if h[1] then
      inc = { status = h[1], alerts = tonumber(h[2]), firing = tonumber(h[3]), repeats = tonumber(h[4]),
        startedAt = tonumber(h[5]), lastEnd = tonumber(h[6]), title = h[7] }
      local fps = {}
      for i = 1, n do fps[i] = list[i].fp end
      local raw = hmget(sk, fps)
      for i = 1, n do if raw[i] then states[fps[i]] = parse_state(raw[i]) end end
    else
      id = false -- the incident expired; its key map is stale
    end
  end

  local opened = false
  local added, repeated, resolved, state_writes, alert_writes = {}, {}, {}, {}, {}
  local function open(s)
    use(cand)
    inc = { status = 'open', alerts = 0, firing = 0, repeats = 0, startedAt = s, lastEnd = 0, title = title }
    states = {}
    opened = true
  end

  for i = 1, n do
    local x = list[i]
    local fp, st, s, e = x.fp, x.st, x.s, x.e
    local stored = states[fp]
    local skip = false
    if not inc then
      open(s)
    elseif inc.status == 'resolved' then
      if stored and not fresh_after(st, s, stored) then skip = true else open(s); stored = nil end
    end
    if not skip then
      local change, kind = nil, nil
      if not stored then
        change, kind = { st = st, s = s, e = e, rep = 0, seen = now, last = now }, 'added'
        inc.alerts = inc.alerts + 1
        if st == 'f' then inc.firing = inc.firing + 1 end
        if s < inc.startedAt then inc.startedAt = s end
      elseif stored.st == 'f' and st == 'f' then
        if s > stored.s or (s == stored.s and win >= 0 and now - stored.last >= win) then
          stored.rep, stored.last = stored.rep + 1, now
          if s > stored.s then stored.s = s end
          inc.repeats = inc.repeats + 1
          change, kind = stored, 'repeated'
        end
      elseif stored.st == 'f' then
        if e >= stored.s then
          stored.st, stored.e, stored.last = 'r', e, now
          inc.firing = inc.firing - 1
          change, kind = stored, 'resolved'
        end
      elseif fresh_after(st, s, stored) then
        stored.st, stored.s, stored.e, stored.last, stored.rep = 'f', s, 0, now, stored.rep + 1
        inc.firing, inc.repeats = inc.firing + 1, inc.repeats + 1
        change, kind = stored, 'repeated'
      end
      if change then
        states[fp] = change
        state_writes[fp] = state_string(change)
        local cut = string.find(x.x, '\\n', x.rest, true)
        alert_writes[fp] = string.sub(x.x, cut + 1)
        -- the card without its closing brace, completed with the state after the change
        local sm = string.sub(x.x, x.rest, cut - 2) .. ',"startsAt":' .. fmt(change.s)
          .. ((change.st == 'r') and (',"status":"resolved","endsAt":' .. fmt(change.e) .. '}') or ',"status":"firing"}')
        if kind == 'added' then added[#added + 1] = sm elseif kind == 'repeated' then repeated[#repeated + 1] = sm end
        if change.st == 'r' then
          resolved[#resolved + 1] = sm
          if change.e > inc.lastEnd then inc.lastEnd = change.e end
        end
      end
    end
  end

  if id then
    if not seen_ids[id] then seen_ids[id] = true; ids[#ids + 1] = id end
    if opened or #added > 0 or #repeated > 0 or #resolved > 0 then
      hset_map(sk, state_writes)
      hset_map(ak, alert_writes)
      local fields = { 'alerts', inc.alerts, 'firing', inc.firing, 'repeats', inc.repeats,
        'startedAt', fmt(inc.startedAt), 'lastEnd', fmt(inc.lastEnd), 'updatedAt', fmt(now) }
      if opened then
        local more = { 'id', id, 'key', k, 'source', src, 'group', grp, 'playbook', pb, 'trigger', ti,
          'triggerDescription', td, 'title', inc.title, 'status', 'open', 'openedAt', fmt(now) }
        for _, v in ipairs(more) do fields[#fields + 1] = v end
        redis.call('SET', mapkey, id)
        redis.call('ZADD', p .. 'incidents:open', now, id)
      end
      local resolve = inc.status == 'open' and #resolved > 0 and inc.firing <= 0
      local ended = math.max(inc.lastEnd, inc.startedAt)
      if resolve then
        for _, v in ipairs({ 'status', 'resolved', 'resolvedAt', fmt(ended), 'durationMs', fmt(ended - inc.startedAt) }) do
          fields[#fields + 1] = v
        end
      end
      redis.call('HSET', ik, unpack(fields))
      if resolve then
        redis.call('ZREM', p .. 'incidents:open', id)
        for _, key in ipairs({ ik, sk, ak, mapkey }) do redis.call('EXPIRE', key, ttl) end
      end

      local head = '{"incidentId":"' .. id .. '","playbookId":' .. ((pb ~= '') and ('"' .. pb .. '"') or 'null')
        .. ',"source":"' .. src .. '","group":' .. cjson.encode(grp) .. ',"title":' .. inc.title
        .. ',"at":' .. fmt(now) .. ',"type":"'
      local function emit(kind, list, extra)
        events[#events + 1] = { kind .. ' ' .. id .. ' ' .. gi, head .. kind .. '","alerts":[' .. table.concat(list, ',') .. ']' .. extra .. '}' }
      end
      if opened then
        emit('opened', added, ',"trigger":' .. ((td ~= '') and cjson.encode(td) or 'null'))
      elseif #added > 0 then
        emit('alert-added', added, '')
      end
      if #repeated > 0 then emit('repeated', repeated, ',"repeats":' .. fmt(inc.repeats)) end
      if #resolved > 0 and inc.status == 'open' then
        if resolve then
          emit('resolved', resolved, ',"startedAt":' .. fmt(inc.startedAt) .. ',"resolvedAt":' .. fmt(ended)
            .. ',"durationMs":' .. fmt(ended - inc.startedAt))
        else
          emit('alert-resolved', resolved, ',"firing":' .. fmt(inc.firing))
        end
      end
    end
  end
end

-- Reply: the incident ids, then per event its stream id, "type incidentId groupIndex" (so
-- Node need not parse the JSON on the hot path) and the event JSON.
local reply = { table.concat(ids, ' ') }
for _, ev in ipairs(events) do
  local kind, id = string.match(ev[1], '^(%S+) (%S+)')
  reply[#reply + 1] = redis.call('XADD', p .. 'incident-events', 'MAXLEN', '~', maxlen, '*',
    'type', kind, 'incident', id, 'event', ev[2])
  reply[#reply + 1] = ev[1]
  reply[#reply + 1] = ev[2]
end
return reply
`;
