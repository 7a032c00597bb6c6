// Every proposal state change is one of these Lua scripts, so two replicas (or two clicks) can
// never both win a transition. Keys: KEYS[1] the proposal hash, KEYS[2] its approvals hash
// (user → epoch ms), KEYS[3] the set of approved-but-not-started proposal IDs.
import { luaScript } from '../audit/lua.js';

/**
 * Create (pending, or blocked by a guardrail) unless the same remediation — or a revert of the
 * same fix — is already open for the incident, or the incident has resolved (checked here, in
 * the same script, so a proposal can never slip in after the resolution). The open-key lives as
 * long as the approval window, well inside the proposal's retention, so its ID resolves. The
 * incident's index of proposals lets its resolution retire them (and lists them for the timeline).
 * KEYS: open-key, proposal, incident hash (src/incidents), the incident's proposal index.
 * ARGV: id, ttlOpenMs, retentionMs, then field/value pairs.
 * Returns {1, id} when created, {0, existingId} when one is open, {-1, ''} when the incident resolved.
 */
export const CREATE = luaScript(`
if redis.call('HGET', KEYS[3], 'status') == 'resolved' then return {-1, ''} end
local existing = redis.call('GET', KEYS[1])
if existing then return {0, existing} end
redis.call('HSET', KEYS[2], unpack(ARGV, 4))
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('SADD', KEYS[4], ARGV[1])
redis.call('PEXPIRE', KEYS[4], ARGV[3])
return {1, ARGV[1]}
`);

/** Frees an open-key still held by a given (blocked) proposal. KEYS: open-key. ARGV: id. */
export const RELEASE_OPEN = luaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
`);

/**
 * pending → retired (its incident resolved). KEYS: the proposal hash. ARGV: reason, nowIso.
 * Returns 1 if this call retired it, 0 if it was not pending (decided, expired, blocked, retired before).
 */
export const RETIRE = luaScript(`
if redis.call('HGET', KEYS[1], 'status') ~= 'pending' then return 0 end
redis.call('HSET', KEYS[1], 'status', 'retired', 'retiredReason', ARGV[1], 'updatedAt', ARGV[2])
return 1
`);

/**
 * The decision. ARGV: userId, 'approve'|'deny', nowMs, eligible ('1'/'0'), nowIso, id,
 * incident key prefix (the incident hash is <prefix><incidentId>).
 * Returns {outcome, status, approvals, transitionedToExpired, retiredNow}.
 * Order of refusals: unknown → retired (or its incident resolved: retired now) → blocked by a
 * guardrail → already decided → expired → (deny: approver or requester) → nobody may approve →
 * self-approval → not an approver → duplicate.
 */
export const DECIDE = luaScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then return {'refused:not-found', '', 0, 0, 0} end
local p = redis.call('HMGET', KEYS[1], 'status', 'expiresAtMs', 'requester', 'required', 'allowSelf', 'hasApprovers', 'incident')
local status, expiresAt, requester, required = p[1], tonumber(p[2]), p[3], tonumber(p[4])
local user, decision, now, eligible = ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4] == '1'
local count = redis.call('HLEN', KEYS[2])
if status == 'retired' then return {'refused:incident-resolved', status, count, 0, 0} end
-- A click that arrives after the incident resolved, before the retirer got to this proposal.
if status == 'pending' and p[7] and redis.call('HGET', ARGV[7] .. p[7], 'status') == 'resolved' then
  redis.call('HSET', KEYS[1], 'status', 'retired', 'retiredReason', 'incident resolved', 'updatedAt', ARGV[5])
  return {'refused:incident-resolved', 'retired', count, 0, 1}
end
if status == 'blocked' then return {'refused:blocked', status, count, 0, 0} end
if status ~= 'pending' then return {'refused:already-decided', status, count, 0} end
if now > expiresAt then
  redis.call('HSET', KEYS[1], 'status', 'expired', 'updatedAt', ARGV[5])
  return {'refused:expired', 'expired', count, 1}
end
if decision == 'deny' then
  if not eligible and user ~= requester then return {'refused:not-approver', status, count, 0} end
  redis.call('HSET', KEYS[1], 'status', 'denied', 'decidedBy', user, 'decidedAt', ARGV[5], 'updatedAt', ARGV[5])
  return {'denied', 'denied', count, 0}
end
if p[6] ~= '1' then return {'refused:no-approvers', status, count, 0} end
if user == requester and p[5] ~= '1' then return {'refused:self-approval', status, count, 0} end
if not eligible then return {'refused:not-approver', status, count, 0} end
if redis.call('HSETNX', KEYS[2], user, ARGV[3]) == 0 then return {'refused:duplicate', status, count, 0} end
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then redis.call('PEXPIRE', KEYS[2], ttl) end
count = count + 1
if count >= required then
  redis.call('HSET', KEYS[1], 'status', 'approved', 'decidedBy', user, 'decidedAt', ARGV[5], 'updatedAt', ARGV[5])
  redis.call('SADD', KEYS[3], ARGV[6])
  return {'approved', 'approved', count, 0}
end
redis.call('HSET', KEYS[1], 'updatedAt', ARGV[5])
return {'recorded', status, count, 0}
`);

/**
 * A job starts: only an approved proposal, or one whose earlier attempt was interrupted
 * (running), may run. ARGV: nowIso, id. Returns {'ok'|'refused'|'missing', previousStatus, attempts}.
 */
export const START = luaScript(`
local s = redis.call('HGET', KEYS[1], 'status')
if not s then return {'missing', '', 0} end
if s ~= 'approved' and s ~= 'running' then return {'refused', s, 0} end
redis.call('HSET', KEYS[1], 'status', 'running', 'updatedAt', ARGV[1])
redis.call('SREM', KEYS[3], ARGV[2])
local n = redis.call('HINCRBY', KEYS[1], 'attempts', 1)
return {'ok', s, n}
`);

/** running → succeeded|failed|dry-run. ARGV: status, nowIso, field/value pairs. Returns 1 if applied. */
export const FINISH = luaScript(`
if redis.call('HGET', KEYS[1], 'status') ~= 'running' then return 0 end
redis.call('HSET', KEYS[1], 'status', ARGV[1], 'updatedAt', ARGV[2], unpack(ARGV, 3))
return 1
`);

/** pending → expired once due. ARGV: nowMs, nowIso. Returns 1 if it expired now. */
export const EXPIRE = luaScript(`
local p = redis.call('HMGET', KEYS[1], 'status', 'expiresAtMs')
if p[1] ~= 'pending' or tonumber(ARGV[1]) <= tonumber(p[2]) then return 0 end
redis.call('HSET', KEYS[1], 'status', 'expired', 'updatedAt', ARGV[2])
return 1
`);
