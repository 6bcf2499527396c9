/**
 * The fair scheduler's state lives in Redis and changes only inside these scripts, so every
 * transition (queue, dispatch, release, wake) is atomic across all API and worker processes.
 *
 * Keys, under the deployment's prefix P (`<queue prefix>:fair`):
 *   P:q:<webhook>   ZSET  tickets waiting, scored by due time (ms)       first attempts in emission order
 *   P:f:<webhook>   ZSET  tickets dispatched and not yet released         the webhook's in-flight slots
 *   P:w:<webhook>   HASH  a = account, s = sequence number when last served
 *   P:a:<account>   ZSET  the account's ready webhooks, by last served    (ready: a due ticket and a free slot)
 *   P:accounts      ZSET  accounts with a ready webhook, by last served
 *   P:served        HASH  account -> sequence number when last served
 *   P:timers        ZSET  webhooks with a free slot whose first ticket is not due yet, by its due time
 *   P:released      ZSET  "<webhook>|<member>" -> dispatch time, for finding dispatches that never became jobs
 *   P:holders       HASH  member -> "<job id>|<lock token>" for a ticket a running job took on as
 *                         it freed another's slot (a continuation: it never had a job of its own)
 *   P:seq           the dispatch counter
 * A webhook at its cap or with nothing waiting is in none of the rings: waiting costs nothing.
 *
 *   P:workers       ZSET  worker process -> when it was last heard from
 *   P:idle          HASH  worker process -> its free slots, as it last said
 *   P:lives         HASH  worker process -> "<BullMQ worker id>|<liveness TTL ms>" (the id prefixes its lock tokens)
 *   P:live:<worker> the worker's liveness key, set with a short TTL by its heartbeat
 *   P:reap-tick     Redis's time at the last tick that had workers to watch
 *
 * Every script takes the same first seven arguments: P, the BullMQ queue's key prefix (to read
 * the length of its wait list and whether a job exists), now (ms), the per-webhook cap, the most
 * jobs that may wait in BullMQ's wait list (`ahead`), and the calling worker's id and free slots
 * ('' for a process that runs no worker).
 */
const PRELUDE = `
local P, B = ARGV[1], ARGV[2]
local now, cap, ahead = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local rc = redis.call
local ACCOUNTS, SERVED, TIMERS, RELEASED, SEQ, HOLDERS = P .. ':accounts', P .. ':served', P .. ':timers', P .. ':released', P .. ':seq', P .. ':holders'
local WORKERS, IDLE = P .. ':workers', P .. ':idle'

-- A worker process says, with every call it makes, how many of its slots are free.
if ARGV[6] ~= '' then
  rc('HSET', IDLE, ARGV[6], ARGV[7])
  rc('ZADD', WORKERS, now, ARGV[6])
end

-- Free worker slots, over the workers heard from in the last 15 s.
local function idleSlots()
  local fresh = rc('ZRANGEBYSCORE', WORKERS, now - 15000, '+inf')
  local total = 0
  if #fresh > 0 then
    for _, v in ipairs(rc('HMGET', IDLE, unpack(fresh))) do total = total + (tonumber(v) or 0) end
  end
  return total
end
local function waiting(wh) return P .. ':q:' .. wh end
local function flying(wh) return P .. ':f:' .. wh end
local function hook(wh) return P .. ':w:' .. wh end
local function ring(acc) return P .. ':a:' .. acc end

-- Puts a webhook where its state says: in its account's ring (ready), in the timers (its
-- first ticket is not due yet), or nowhere (nothing waiting, or every slot taken).
local function place(wh)
  local acc = rc('HGET', hook(wh), 'a')
  if not acc then return end
  local first = rc('ZRANGE', waiting(wh), 0, 0, 'WITHSCORES')
  local busy = rc('ZCARD', flying(wh))
  local ready, sleeping = false, false
  if first[1] and busy < cap then
    if tonumber(first[2]) <= now then ready = true else sleeping = true end
  end
  if sleeping then rc('ZADD', TIMERS, first[2], wh) else rc('ZREM', TIMERS, wh) end
  if ready then
    if not rc('ZSCORE', ring(acc), wh) then
      rc('ZADD', ring(acc), rc('HGET', hook(wh), 's') or 0, wh)
      if not rc('ZSCORE', ACCOUNTS, acc) then rc('ZADD', ACCOUNTS, rc('HGET', SERVED, acc) or 0, acc) end
    end
  elseif rc('ZREM', ring(acc), wh) == 1 and rc('EXISTS', ring(acc)) == 0 then
    rc('ZREM', ACCOUNTS, acc)
  end
  -- Nothing waiting and nothing in flight: forget it until its next ticket.
  if not first[1] and busy == 0 then rc('DEL', hook(wh)) end
end

-- Queues a ticket unless the same attempt already waits, is in flight or has a job.
local function queue(m, wh, acc, due)
  if rc('ZSCORE', waiting(wh), m) or rc('ZSCORE', flying(wh), m) or rc('EXISTS', B .. ':' .. m) == 1 then return 0 end
  rc('HSET', hook(wh), 'a', acc)
  rc('ZADD', waiting(wh), due, m)
  return 1
end

local function takeSlot(wh, m)
  rc('ZADD', flying(wh), now, m)
  rc('ZADD', RELEASED, now, wh .. '|' .. m)
end

local function freeSlot(wh, m)
  rc('ZREM', RELEASED, wh .. '|' .. m)
  rc('HDEL', HOLDERS, m)
  return rc('ZREM', flying(wh), m)
end

-- The next ticket in fair order, its slot taken: the least recently served account, its least
-- recently served ready webhook, that webhook's earliest due ticket; both go to the back of
-- their line. Nothing (nil) when no webhook is ready.
local function pick()
  for _ = 1, 64 do
    local acc = rc('ZRANGE', ACCOUNTS, 0, 0)[1]
    if not acc then return nil end
    local wh = rc('ZRANGE', ring(acc), 0, 0)[1]
    if not wh then
      rc('ZREM', ACCOUNTS, acc)
    else
      local first = rc('ZRANGE', waiting(wh), 0, 0, 'WITHSCORES')
      if first[1] and tonumber(first[2]) <= now and rc('ZCARD', flying(wh)) < cap then
        rc('ZREM', waiting(wh), first[1])
        takeSlot(wh, first[1])
        local s = rc('INCR', SEQ)
        rc('HSET', hook(wh), 's', s)
        rc('HSET', SERVED, acc, s)
        rc('ZADD', ring(acc), s, wh)
        rc('ZADD', ACCOUNTS, s, acc)
        place(wh)
        return first[1], wh, acc
      end
      -- Not dispatchable after all (a state that place() puts right, or a webhook whose
      -- record is gone): out of the ring first, so it can never block its account.
      rc('ZREM', ring(acc), wh)
      if rc('EXISTS', ring(acc)) == 0 then rc('ZREM', ACCOUNTS, acc) end
      place(wh)
    end
  end
  return nil
end

-- Hands out due tickets, in fair order, as jobs for the workers' free slots (at most 'ahead'
-- waiting at once). A worker whose every slot is busy takes its next tickets as continuations
-- (RELEASE), so a ticket waits here, in fair order, rather than in a queue behind others.
local function dispatch(out)
  local budget = math.min(ahead, idleSlots()) - rc('LLEN', B .. ':wait')
  while budget > 0 do
    local m, wh, acc = pick()
    if not m then return end
    out[#out + 1] = m
    out[#out + 1] = wh
    out[#out + 1] = acc
    budget = budget - 1
  end
end

-- Whether the job run named by a holder ("<job id>|<lock token>") still holds its job's lock:
-- not once the job stalled and went to another worker, or was removed from the queue.
local function holds(holder)
  local bar = string.find(holder, '|', 1, true)
  if not bar then return false end
  return rc('GET', B .. ':' .. string.sub(holder, 1, bar - 1) .. ':lock') == string.sub(holder, bar + 1)
end

local function nextTimer()
  local t = rc('ZRANGE', TIMERS, 0, 0, 'WITHSCORES')[2]
  return t and tonumber(t) or -1
end

-- Tickets as groups of four arguments from position i: member, webhook, account, due.
local function queueAll(i, n, touched)
  local added = 0
  for k = 0, n - 1 do
    local j = i + 4 * k
    local wh = ARGV[j + 1]
    added = added + queue(ARGV[j], wh, ARGV[j + 2], tonumber(ARGV[j + 3]))
    touched[wh] = true
  end
  return added
end
`;

/**
 * ARGV[8] = n, then n tickets. Answers [added, next timer, 0, then member, webhook, account of
 * each dispatched] (the 0: no continuations, see RELEASE).
 */
export const ENQUEUE = `${PRELUDE}
local touched = {}
local added = queueAll(9, tonumber(ARGV[8]), touched)
for wh in pairs(touched) do place(wh) end
local out = { added, 0, 0 }
dispatch(out)
out[2] = nextTimer()
return out`;

/**
 * ARGV[8] = n, then n triples (member, webhook, holder) whose slots are freed; then k, then k
 * tickets (the attempts that follow, queued in the same step). A freed slot with a holder
 * ("<job id>|<lock token>", its job still running) asks to go on with the next ticket in fair
 * order itself, without a job of its own: granted only while BullMQ's wait list is empty, so
 * that a continuation never overtakes a job already waiting for a worker, and only to a run
 * that still holds its job's lock. Answers [added, next
 * timer, c, then c × (position among the n, member, webhook, account), then dispatched as ENQUEUE].
 */
export const RELEASE = `${PRELUDE}
local touched = {}
local wanting = {}
local n = tonumber(ARGV[8])
for k = 0, n - 1 do
  local wh = ARGV[10 + 3 * k]
  freeSlot(wh, ARGV[9 + 3 * k])
  touched[wh] = true
  -- A run that lost its lock goes on with nothing: its job is another worker's now, or gone.
  if ARGV[11 + 3 * k] ~= '' and holds(ARGV[11 + 3 * k]) then wanting[#wanting + 1] = { k + 1, ARGV[11 + 3 * k] } end
end
local at = 9 + 3 * n
local added = queueAll(at + 1, tonumber(ARGV[at]), touched)
for wh in pairs(touched) do place(wh) end
local out = { added, 0, 0 }
if #wanting > 0 and rc('LLEN', B .. ':wait') == 0 then
  for _, w in ipairs(wanting) do
    local m, wh, acc = pick()
    if not m then break end
    rc('HSET', HOLDERS, m, w[2])
    out[#out + 1] = w[1]
    out[#out + 1] = m
    out[#out + 1] = wh
    out[#out + 1] = acc
    out[3] = out[3] + 1
  end
end
dispatch(out)
out[2] = nextTimer()
return out`;

/**
 * Takes back what dead workers held, wakes up to ARGV[8] webhooks whose first ticket has come
 * due, then dispatches. Answers [[1 if the epoch key exists else 0, how many jobs and tickets
 * were taken back], next timer, …dispatched as in ENQUEUE]: the epoch is how a worker notices
 * that Redis lost everything (see recovery.ts).
 *
 * A worker whose liveness key expired (its heartbeat stopped: killed, or cut off from Redis for
 * longer than the TTL) is dead. Its running jobs' locks go and the jobs are marked stalled, with
 * BullMQ's once-per-interval guard cleared, so the next stall check of any worker hands them to
 * another worker at once, where the attempt finds its slot still held (REACQUIRE); the tickets
 * its jobs had taken on as continuations are freed and queued again at the front. Without this,
 * both waited for the lock to expire, and continuations for reconcile's grace too. A live
 * worker refreshes its key every third of the TTL however long its attempts take, so its slots
 * are never taken. Workers that never had a liveness key (none is written outside worker
 * processes) are never reaped.
 */
export const TICK = `${PRELUDE}
local LIVES = P .. ':lives'
local function reap()
  local lives = rc('HGETALL', LIVES)
  if #lives == 0 then return 0 end
  -- A pause of Redis itself (stopped and restarted, hung) stops every heartbeat and every tick
  -- alike, and its clock expires the liveness keys of workers that are fine meanwhile. So on
  -- Redis's own clock (ARGV's is the caller's, and a tick queued before the pause carries a stale
  -- one): after a gap in the ticks, each worker's key is set again for one TTL of its own, to beat
  -- again before it can be reaped. A dead one goes a TTL later.
  local t = rc('TIME')
  local rnow = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local last = tonumber(rc('GET', P .. ':reap-tick') or '0')
  rc('SET', P .. ':reap-tick', rnow)
  local gap = last > 0 and rnow - last > 2000
  local dead = {}
  for i = 1, #lives, 2 do
    -- <BullMQ worker id>|<liveness TTL ms>, as the heartbeat writes it (a bare id: no TTL known).
    local v = lives[i + 1]
    local bar = string.find(v, '|', 1, true)
    local id, ttl = v, 0
    if bar then id, ttl = string.sub(v, 1, bar - 1), tonumber(string.sub(v, bar + 1)) or 0 end
    local key = P .. ':live:' .. lives[i]
    if rc('EXISTS', key) == 0 then
      if not gap then dead[#dead + 1] = { lives[i], id .. ':' }
      elseif ttl > 0 then rc('SET', key, '1', 'PX', ttl) end
    end
  end
  if #dead == 0 then return 0 end
  local taken = 0
  for _, id in ipairs(rc('LRANGE', B .. ':active', 0, -1)) do
    local lockKey = B .. ':' .. id .. ':lock'
    local lock = rc('GET', lockKey)
    if lock then
      for _, d in ipairs(dead) do
        if string.sub(lock, 1, #d[2]) == d[2] then
          rc('DEL', lockKey)
          rc('SADD', B .. ':stalled', id)
          taken = taken + 1
          break
        end
      end
    end
  end
  if taken > 0 then rc('DEL', B .. ':stalled-check') end
  for _, d in ipairs(dead) do
    rc('HDEL', LIVES, d[1])
    rc('ZREM', WORKERS, d[1])
    rc('HDEL', IDLE, d[1])
  end
  -- Continuations whose run no longer holds its job's lock (one of those just dropped, or one
  -- that expired): in flight at most, so this walk is over the slots taken, not the lines.
  local slots = rc('ZRANGE', RELEASED, 0, -1, 'WITHSCORES')
  for i = 1, #slots, 2 do
    local e = slots[i]
    local bar = string.find(e, '|', 1, true)
    local wh, m = string.sub(e, 1, bar - 1), string.sub(e, bar + 1)
    local holder = rc('HGET', HOLDERS, m)
    if holder and not holds(holder) then
      freeSlot(wh, m)
      if rc('HGET', hook(wh), 'a') then
        rc('ZADD', waiting(wh), slots[i + 1], m)
        taken = taken + 1
      end
      place(wh)
    end
  end
  return taken
end
local reaped = reap()
for _, wh in ipairs(rc('ZRANGEBYSCORE', TIMERS, '-inf', now, 'LIMIT', 0, tonumber(ARGV[8]))) do place(wh) end
-- Workers not heard from for a minute are gone (their free slots stopped counting at 15 s).
local gone = rc('ZRANGEBYSCORE', WORKERS, '-inf', now - 60000)
if #gone > 0 then
  rc('ZREM', WORKERS, unpack(gone))
  rc('HDEL', IDLE, unpack(gone))
end
local out = { { rc('EXISTS', P .. ':epoch'), reaped }, 0, 0 }
dispatch(out)
out[2] = nextTimer()
return out`;

/**
 * A job that runs again (its worker died, or it threw) asks for its slot back, ARGV[8..11] =
 * member, webhook, account, due: 1 if it holds one (still, or again), 0 if the webhook is full
 * and the ticket went back in line at its old place.
 */
export const REACQUIRE = `${PRELUDE}
local m, wh, acc = ARGV[8], ARGV[9], ARGV[10]
if rc('ZSCORE', flying(wh), m) then return 1 end
rc('HSET', hook(wh), 'a', acc)
if rc('ZCARD', flying(wh)) < cap then
  takeSlot(wh, m)
  place(wh)
  return 1
end
rc('ZADD', waiting(wh), tonumber(ARGV[11]), m)
place(wh)
return 0`;

/**
 * Dispatches older than ARGV[8] ms that nothing runs: no BullMQ job of that name (the process
 * that dispatched it died before adding the job, or the queue lost it), or, for a
 * continuation, its holder's run no longer holds its job's lock (the worker died). Their slots
 * are freed and the tickets queued again at the front (whether the delivery still needs them is
 * Postgres's to say when they run). Up to ARGV[9] at a time; live ones are looked at again
 * later. Answers how many were queued again.
 */
export const RECONCILE = `${PRELUDE}
local function running(m)
  local holder = rc('HGET', HOLDERS, m)
  if not holder then return rc('EXISTS', B .. ':' .. m) == 1 end
  return holds(holder)
end
local requeued = 0
local old = rc('ZRANGEBYSCORE', RELEASED, '-inf', now - tonumber(ARGV[8]), 'LIMIT', 0, tonumber(ARGV[9]))
for _, e in ipairs(old) do
  local bar = string.find(e, '|', 1, true)
  local wh, m = string.sub(e, 1, bar - 1), string.sub(e, bar + 1)
  if running(m) then
    rc('ZADD', RELEASED, now, e)
  else
    freeSlot(wh, m)
    if rc('HGET', hook(wh), 'a') then
      rc('ZADD', waiting(wh), now - tonumber(ARGV[8]), m)
      requeued = requeued + 1
    end
    place(wh)
  end
end
return requeued`;
