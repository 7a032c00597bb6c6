// The one Lua script that applies a webhook request's alerts to incidents. Redis runs it
// atomically, so two replicas handed the same notification cannot both open an incident, and
// a request either lands whole or (Redis down) not at all. All decisions are made on local
// copies first and written at the end of each group, so nothing can fail between writes.
//
// Speed matters (Redis runs one script at a time, and Lua spends its time making strings and
// tables): arguments are flat ARGV (no cjson decoding), per-alert values live in parallel
// arrays, each group costs a handful of calls however many alerts it has (one HMGET, one
// HSET), and event JSON is concatenated from pieces Node pre-encoded.
//
// ARGV: prefix, now, ttlSeconds, streamMaxLen, groupCount, then per group
//   key, candidateId, source, group, playbook ('' = none), triggerIndex, triggerDescription,
//   repeatWindowMs (< 0: never a repeat), alertCount, titleJSON (the first alert's name; kept
//   JSON-encoded in the hash, so the script never decodes JSON),
//   correlation key ('' = none), correlation windowMs, correlation description JSON (or null),
//   settleMs (< 0: never ask for a re-diagnosis), senderJSON (correlation.ts, script-correlation.ts),
//   truncated (digits: alerts the sender left out of the request, Alertmanager's truncatedAlerts),
// then one argument per alert of that group, seven newline-separated fields (ioredis spends far
// more per argument than per byte, and JSON never contains a raw newline):
//   fingerprintJSON, 'f'|'r', startsMs, endsMs (0 = none), nameJSON, cardJSON,
//   storedAlertJSON (read.ts).
// The JSON-encoded fingerprint is used as is for hash fields (it is an opaque key). Event
// alerts are the card ({fingerprint, name, severity?, summary?}) completed with the state after
// the change (status, startsAt, endsAt? in ms); events.ts turns them into AlertSummary.
//
// Keys (all under the prefix p; built here, so standalone Redis only, not Cluster):
//   incident-key:<k>       → id of the latest incident of (source, playbook, group)
//   incident:<id>          hash: the incident
//   incident:<id>:alerts   hash fingerprint → "st|startsMs|endsMs|repeats|firstSeenMs|lastNotifiedMs|"
//                          followed by the latest stored alert JSON (read.ts)
//   incidents:open         zset id → openedAt
//   incident-events        stream outbox of the transitions (capped, MAXLEN ~)
//   correlation:<ck>, incident:<id>:groups, incident:<id>:names   see script-correlation.ts
//
// Rules per alert, against the incident it belongs to:
//   unknown fingerprint                         → added
//   firing, stored firing, later startsAt       → repeated (it restarted)
//   firing, stored firing, same startsAt        → repeated when the last notification is older
//                                                  than the window (win < 0: never), else duplicate
//   resolved, stored firing                     → alert-resolved (unless it ended before it started)
//   firing, stored resolved, started after end  → repeated (fired again)
//   anything else                               → duplicate or stale: no change
// A group without an open incident (new, or its incident resolved and a fresh alert fires) first
// looks for an open incident of its correlation key and joins it (`alert-added` with `joined`);
// only without one does it open a new incident. Resolution is decided after the whole request:
// every alert of the incident (all its groups) resolved → incident resolved, with its duration.
// A new firing alert name may ask for a re-diagnosis (script-names.ts): a `rediagnose` event.
import { CORRELATION_LUA } from './script-correlation.js';
import { NAMES_LUA } from './script-names.js';

// Truncated groups (issue 17): while the request says alerts were left out (truncated > 0), the
// listed alerts are not the whole group, so the incident stays open however many of them
// resolved. Each group's count is kept in the hash field `truncated:<group key>` (correlation
// joins several groups into one incident: one group's complete notification says nothing of
// another's left-out alerts); `truncated` is their sum. When every group's latest request left
// nothing out, the incident resolves like any other (or a person resolves it).
export const GROUP_ARGS = 16;

export const APPLY_ALERTS_LUA = `
local p, now, ttl, maxlen = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4]
local ngroups = tonumber(ARGV[5])
local pos = 6
local ids, seen_ids, events = {}, {}, {}
local find, sub, match, concat = string.find, string.sub, string.match, table.concat

local function fmt(n) return string.format('%.0f', n) end
-- Times also travel as the digit strings they arrived in: formatting numbers back into
-- strings was a good part of this script's cost.
local nows = ARGV[2]
${CORRELATION_LUA}
${NAMES_LUA}
for gi = 1, ngroups do
  local k, cand, src, grp, pb, ti, td = ARGV[pos], ARGV[pos + 1], ARGV[pos + 2], ARGV[pos + 3], ARGV[pos + 4], ARGV[pos + 5], ARGV[pos + 6]
  local win, n, gtitle = tonumber(ARGV[pos + 7]), tonumber(ARGV[pos + 8]), ARGV[pos + 9]
  local ck, cwin, cdesc = ARGV[pos + 10], tonumber(ARGV[pos + 11]), ARGV[pos + 12]
  local settle, sender = tonumber(ARGV[pos + 13]), ARGV[pos + 14]
  -- issue 17: alerts of the group the sender left out; '0' when the request lists them all
  local trunc, ktrunc = ARGV[pos + 15], '0'
  local first = pos + ${GROUP_ARGS}
  pos = first + n

  -- Per alert i: its argument, state fields, and the slot u of its fingerprint (the same
  -- fingerprint twice in one request shares a slot, so the second sees the first's change).
  local xs, sts, ss, es, sss, ess, nms, rests, slot = {}, {}, {}, {}, {}, {}, {}, {}, {}
  local uniq, where = {}, {}
  for i = 1, n do
    local x = ARGV[first + i - 1]
    local fp, st, s, e, nm, rest = match(x, '^(.-)\\n(%a)\\n(%d+)\\n(%d+)\\n(.-)\\n()')
    xs[i], sts[i], ss[i], es[i], sss[i], ess[i], nms[i], rests[i] = x, st, tonumber(s), tonumber(e), s, e, nm, rest
    local u = where[fp]
    if not u then u = #uniq + 1; uniq[u] = fp; where[fp] = u end
    slot[i] = u
  end

  local mapkey = p .. 'incident-key:' .. k
  local id, ik, ak, title = nil, nil, nil, gtitle
  local function use(x) id = x; ik = p .. 'incident:' .. x; ak = ik .. ':alerts' end
  -- Known state per slot: status, start, end, repeats, first seen, last notified (numbers),
  -- and the start, end, first-seen and last-notified digit strings for writing them back.
  local kst, ks, ke, krep, klast, dirty = {}, {}, {}, {}, {}, {}
  local kss, kes, kseens, klasts = {}, {}, {}, {}
  local status, nalerts, firing, repeats, started, lastEnd, diagnosedAt = nil, 0, 0, 0, 0, 0, 0
  local function reset()
    kst, ks, ke, krep, klast, dirty = {}, {}, {}, {}, {}, {}
    kss, kes, kseens, klasts = {}, {}, {}, {}
  end
  -- Reads incident x and what it knows of this request's fingerprints; false if it expired.
  local function load(x)
    local h = redis.call('HMGET', p .. 'incident:' .. x, 'status', 'alerts', 'firing', 'repeats', 'startedAt',
      'lastEnd', 'title', 'diagnosedAt', 'truncated')
    if not h[1] then return false end
    use(x)
    reset()
    status, nalerts, firing, repeats = h[1], tonumber(h[2]), tonumber(h[3]), tonumber(h[4])
    started, lastEnd, title, diagnosedAt = tonumber(h[5]), tonumber(h[6]), h[7], tonumber(h[8] or '0')
    ktrunc = h[9] or '0'
    for c = 1, #uniq, 500 do
      local part = redis.call('HMGET', ak, unpack(uniq, c, math.min(c + 499, #uniq)))
      for j = 1, #part do
        local raw = part[j]
        if raw then
          local u = c + j - 1
          local st, s, e, rep, seen, last = match(raw, '^(%a)|(%d+)|(%d+)|(%d+)|(%d+)|(%d+)|')
          kst[u], ks[u], ke[u], krep[u], klast[u] = st, tonumber(s), tonumber(e), tonumber(rep), tonumber(last)
          kss[u], kes[u], kseens[u], klasts[u] = s, e, seen, last
        end
      end
    end
    return true
  end
  local current = redis.call('GET', mapkey)
  -- An expired incident leaves a stale key map: the group starts afresh.
  if current and not load(current) then current = nil end

  local opened, joined = false, false
  local added, repeated, resolved, deltas = {}, {}, {}, {}
  local function open(s)
    use(cand)
    reset()
    status, nalerts, firing, repeats, started, lastEnd, diagnosedAt = 'open', 0, 0, 0, s, 0, now
    ktrunc = '0'
    title = gtitle
    opened = true
  end
  -- The group has no open incident: join the open incident of its correlation key, or open one.
  local function start(s)
    local cid = correlated_incident(p, ck, id, now)
    if cid and load(cid) then joined = true else open(s) end
  end

  for i = 1, n do
    local u, st, s, e = slot[i], sts[i], ss[i], es[i]
    local known = kst[u]
    local skip = false
    if not id then
      start(s); known = kst[u]
    elseif status == 'resolved' then
      if known and not (st == 'f' and s > ks[u] and s >= ke[u]) then skip = true else start(s); known = kst[u] end
    end
    if not skip then
      local kind, delta = nil, 0
      if not known then
        kind = 'added'
        kst[u], ks[u], ke[u], krep[u], klast[u] = st, s, e, 0, now
        kss[u], kes[u], kseens[u], klasts[u] = sss[i], ess[i], nows, nows
        nalerts = nalerts + 1
        if st == 'f' then firing = firing + 1; delta = 1 end
        if s < started then started = s end
      elseif known == 'f' and st == 'f' then
        if s > ks[u] or (s == ks[u] and win >= 0 and now - klast[u] >= win) then
          kind = 'repeated'
          krep[u], klast[u], klasts[u] = krep[u] + 1, now, nows
          if s > ks[u] then ks[u], kss[u] = s, sss[i] end
          repeats = repeats + 1
        end
      elseif known == 'f' then
        if e >= ks[u] then
          kind = 'resolved'
          kst[u], ke[u], klast[u], kes[u], klasts[u] = 'r', e, now, ess[i], nows
          firing = firing - 1
          delta = -1
        end
      elseif st == 'f' and s > ks[u] and s >= ke[u] then
        kind = 'repeated'
        kst[u], ks[u], ke[u], klast[u], krep[u] = 'f', s, 0, now, krep[u] + 1
        kss[u], kes[u], klasts[u] = sss[i], '0', nows
        firing, repeats = firing + 1, repeats + 1
        delta = 1
      end
      if delta ~= 0 then deltas[nms[i]] = (deltas[nms[i]] or 0) + delta end
      if kind then
        dirty[u] = i
        -- the card without its closing brace, completed with the state after the change
        local x, rest = xs[i], rests[i]
        local sm = sub(x, rest, find(x, '\\n', rest, true) - 2) .. ',"startsAt":' .. kss[u]
          .. ((kst[u] == 'r') and (',"status":"resolved","endsAt":' .. kes[u] .. '}') or ',"status":"firing"}')
        if kind == 'added' then added[#added + 1] = sm elseif kind == 'repeated' then repeated[#repeated + 1] = sm end
        if kst[u] == 'r' then
          resolved[#resolved + 1] = sm
          if ke[u] > lastEnd then lastEnd = ke[u] end
        end
      end
    end
  end

  if id then
    if not seen_ids[id] then seen_ids[id] = true; ids[#ids + 1] = id end
    -- issue 17: the incident's left-out alerts, over all its groups (read only when any are)
    local total = trunc
    if ktrunc ~= '0' then
      local sum = tonumber(trunc)
      for _, g in ipairs(redis.call('HKEYS', ik .. ':groups')) do
        if g ~= k then sum = sum + tonumber(redis.call('HGET', ik, 'truncated:' .. g) or '0') end
      end
      total = fmt(sum)
    end
    -- a changed count of left-out alerts is worth writing on its own
    local retrunc = status == 'open' and total ~= ktrunc
    if opened or joined or #added > 0 or #repeated > 0 or #resolved > 0 or retrunc then
      local flat = {}
      for u, i in pairs(dirty) do
        local x = xs[i]
        flat[#flat + 1] = uniq[u]
        flat[#flat + 1] = kst[u] .. '|' .. kss[u] .. '|' .. kes[u] .. '|' .. krep[u] .. '|'
          .. kseens[u] .. '|' .. klasts[u] .. '|' .. sub(x, find(x, '\\n', rests[i], true) + 1)
      end
      for c = 1, #flat, 1000 do redis.call('HSET', ak, unpack(flat, c, math.min(c + 999, #flat))) end
      local fields = { 'alerts', nalerts, 'firing', firing, 'repeats', repeats,
        'startedAt', fmt(started), 'lastEnd', fmt(lastEnd), 'updatedAt', nows, 'truncated', total }
      if trunc ~= '0' then
        fields[#fields + 1] = 'truncated:' .. k; fields[#fields + 1] = trunc
      elseif ktrunc ~= '0' then
        redis.call('HDEL', ik, 'truncated:' .. k)
      end
      if opened then
        local more = { 'id', id, 'key', k, 'source', src, 'group', grp, 'playbook', pb, 'trigger', ti,
          'triggerDescription', td, 'title', title, 'status', 'open', 'openedAt', nows,
          'correlation', ck, 'diagnosedAt', nows }
        for _, v in ipairs(more) do fields[#fields + 1] = v end
        redis.call('ZADD', p .. 'incidents:open', now, id)
      end
      if opened or joined then
        redis.call('SET', mapkey, id)
        record_group(ik, k, opened and 'opened' or 'joined', nows, cdesc, sender)
      end
      if opened or #added > 0 then hold_correlation(p, ck, id, cwin, opened, now) end
      local gained, names = nil, nil
      if settle >= 0 and (opened or next(deltas) ~= nil) then
        gained, names = track_names(ik .. ':names', deltas, opened, settle, now, diagnosedAt)
        if gained then fields[#fields + 1] = 'diagnosedAt'; fields[#fields + 1] = nows end
      end
      -- issue 17: never while alerts were left out; also when the last left-out ones are gone
      local resolve = status == 'open' and firing <= 0 and total == '0' and (#resolved > 0 or ktrunc ~= '0')
      local ended = math.max(lastEnd, started)
      if resolve then
        for _, v in ipairs({ 'status', 'resolved', 'resolvedAt', fmt(ended), 'durationMs', fmt(ended - started) }) do
          fields[#fields + 1] = v
        end
      end
      redis.call('HSET', ik, unpack(fields))
      if resolve then close_incident(p, id, ttl, mapkey) end

      local head = '{"incidentId":"' .. id .. '","playbookId":' .. ((pb ~= '') and ('"' .. pb .. '"') or 'null')
        .. ',"source":"' .. src .. '","group":' .. cjson.encode(grp) .. ',"title":' .. title
        .. ',"at":' .. nows .. ',"type":"'
      local function emit(kind, list, extra)
        events[#events + 1] = { kind, id .. ' ' .. gi, head .. kind .. '","alerts":[' .. concat(list, ',') .. ']' .. extra .. '}' }
      end
      if opened then
        emit('opened', added, ',"trigger":' .. ((td ~= '') and cjson.encode(td) or 'null'))
      elseif joined then
        emit('alert-added', added, ',"joined":{"key":' .. cdesc .. '}')
      elseif #added > 0 then
        emit('alert-added', added, '')
      end
      if #repeated > 0 then emit('repeated', repeated, ',"repeats":' .. fmt(repeats)) end
      if resolve then
        emit('resolved', resolved, ',"startedAt":' .. fmt(started) .. ',"resolvedAt":' .. fmt(ended)
          .. ',"durationMs":' .. fmt(ended - started))
      elseif #resolved > 0 and status == 'open' then
        -- issue 17: say how many alerts the request left out, so "0 firing" is not read as done
        emit('alert-resolved', resolved, ',"firing":' .. fmt(firing)
          .. ((total ~= '0') and (',"truncatedAlerts":' .. total) or ''))
      end
      if gained and not resolve then
        emit('rediagnose', {}, ',"newNames":[' .. concat(gained, ',') .. '],"firingNames":[' .. concat(names, ',') .. ']')
      end
    end
  end
end

-- Reply: the incident ids, then per event its stream id, "type incidentId groupIndex" (so
-- Node need not parse the JSON on the hot path) and the event JSON.
local reply = { concat(ids, ' ') }
for _, ev in ipairs(events) do
  local kind, where = ev[1], ev[2]
  reply[#reply + 1] = redis.call('XADD', p .. 'incident-events', 'MAXLEN', '~', maxlen, '*',
    'type', kind, 'incident', match(where, '^%S+'), 'event', ev[3])
  reply[#reply + 1] = kind .. ' ' .. where
  reply[#reply + 1] = ev[3]
end
return reply
`;
