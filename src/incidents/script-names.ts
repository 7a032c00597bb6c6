// The firing alert names of an incident, and when a change of them asks for a re-diagnosis.
// Hash <incident>:names: alert name (JSON-encoded) → "<firing count>|<covered>", where covered is
// 1 when the name was already firing at the incident's last diagnosis, or started firing within
// `settle` of it (a diagnosis run seconds ago has seen the same systems). A name that starts
// firing, is not covered, and comes `settle` or more after the last diagnosis returns the
// gained names and the whole firing set: the caller emits a `rediagnose` event and moves
// diagnosedAt. Only incidents with a playbook track names (nothing diagnoses the others).
export const NAMES_LUA = `
local function track_names(nk, deltas, opened, settle, now, diagnosedAt)
  local names = {}
  if not opened then
    local flat = redis.call('HGETALL', nk)
    for j = 1, #flat, 2 do
      local c, b = string.match(flat[j + 1], '^(%-?%d+)|(%d)$')
      names[flat[j]] = { tonumber(c), b }
    end
  end
  local gained = {}
  for nm, d in pairs(deltas) do
    local e = names[nm] or { 0, '0' }
    if e[1] <= 0 and e[1] + d > 0 and e[2] == '0' then gained[#gained + 1] = nm end
    e[1] = e[1] + d
    names[nm] = e
  end
  local rediagnose = false
  if opened then
    -- The first diagnosis covers what the incident opened with.
    for _, e in pairs(names) do if e[1] > 0 then e[2] = '1' end end
  elseif #gained > 0 then
    if now - diagnosedAt >= settle then
      rediagnose = true
      for _, e in pairs(names) do e[2] = (e[1] > 0) and '1' or '0' end
    else
      for _, nm in ipairs(gained) do names[nm][2] = '1' end
    end
  end
  local flat, firing = {}, {}
  for nm, e in pairs(names) do
    flat[#flat + 1] = nm
    flat[#flat + 1] = string.format('%d', e[1]) .. '|' .. e[2]
    if e[1] > 0 then firing[#firing + 1] = nm end
  end
  if #flat > 0 then redis.call('HSET', nk, unpack(flat)) end
  if not rediagnose then return nil end
  table.sort(gained)
  table.sort(firing)
  return gained, firing
end
`;
