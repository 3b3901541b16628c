-- Concurrency (leases): the twin of dev.sluice.spi.ConcurrencyAlgorithm, in microseconds.
-- Parameters: limit (1..10,000), lease TTL µs (>= 1).
--
-- State: two keys, each lease an individual member with its own deadline.
--   key             sorted set: member = lease id (the decimal string as sent), score = deadline µs
--   key .. ':slots' hash: lease id -> slots (>= 1)
-- A lease counts while now < deadline (a lease is gone exactly at its deadline). Ids are compared
-- and stored as strings only: 63-bit ids do not fit a Lua number.
--
-- The second key is not in KEYS: main.lua passes one KEYS entry per request, and this file derives
-- `key .. ':slots'` from it. That works on a standalone server, and on Redis Cluster only because
-- the key carries a hash tag {..}: the suffix leaves the tag, hence the hash slot, unchanged (a
-- key without a tag would hash elsewhere and Cluster would refuse the script with CROSSSLOT).
--
-- load reads the live leases only (ZRANGEBYSCORE (now..+inf, their slots by HMGET): O(live); the
-- shape is checked on what is read, plus ZCARD <= limit and HLEN = ZCARD (expired members are
-- not validated: they no longer count, and the next write removes them). step works on that table
-- and returns the one change an operation makes; save sweeps the expired members (ZRANGEBYSCORE
-- / ZREMRANGEBYSCORE ..now, HDEL of their slots), applies the change (ZADD+HSET, or ZREM+HDEL) and
-- sets both keys' TTL to the latest deadline. A key holds at most `limit` members: every write
-- leaves live leases only, whose slots (each >= 1) sum to at most the limit.
--
-- A hash without its sorted set (the set was evicted, or expired first) is a leftover: the key
-- reads as fresh and the next write deletes it. A sorted set without its hash is E_STATE (until
-- its TTL passes), as is a foreign value at either key.
--
-- As in Java: leases taken under another definition of the name (a higher limit) count against
-- this one's (load accepts up to 10,000, Concurrency.MAX_LIMIT); a deadline more than two TTLs
-- ahead of now (a step back of the clock longer than the TTL) comes back to now + ttl, and that is
-- written whatever the operation (st.clamp: the ids, st.cdl: the deadline).
do
  local CHUNK = 1000 -- arguments per command when a list is long (Lua's unpack is limited)

  local function valid_id(s)
    return type(s) == 'string' and string.match(s, '^[1-9]%d*$') ~= nil
      and (#s < 19 or (#s == 19 and s <= '9223372036854775807'))
  end

  local function hdel_all(key, ids)
    for c = 1, #ids, CHUNK do
      redis.call('HDEL', key, unpack(ids, c, math.min(c + CHUNK - 1, #ids)))
    end
  end

  -- The time at which enough leases have expired, earliest first, for `cost` more slots.
  local function retry_at(st, cost, limit)
    local ls = {}
    for k, id in ipairs(st.ids) do ls[k] = {st.dl[id], st.sl[id]} end
    table.sort(ls, function(a, b) return a[1] < b[1] end)
    local left = st.held
    for _, l in ipairs(ls) do
      left = left - l[2]
      if left <= limit - cost then return l[1] end
    end
    error('SLUICE concurrency: denied, yet the leases fit')
  end

  local NONE = {ids = {}, dl = {}, sl = {}, held = 0, last = 0}

  ALG[5] = {
    -- Leases are taken with HOLD, never ACQUIRE (ConcurrencyAlgorithm.supports).
    ops = {[PEEK] = true, [HOLD] = true, [RENEW] = true, [RELEASE] = true, [RESET] = true},

    params = function(argv, i, n)
      if n ~= 2 then return nil, 'concurrency takes 2 parameters' end
      local limit, ttl = nat(argv[i]), nat(argv[i + 1])
      if limit == nil or limit < 1 or limit > 10000 or ttl == nil or ttl < 1 then
        return nil, fmt('concurrency parameters %s %s', tostring(argv[i]), tostring(argv[i + 1]))
      end
      return {limit = limit, ttl = ttl}
    end,

    -- {ids = live ids, dl = id -> deadline, sl = id -> slots, held = slots, last = latest
    -- deadline (or now)}, or nil for a fresh key.
    load = function(key, P, now)
      local skey = key .. ':slots'
      local zt = redis.call('TYPE', key)['ok']
      local ht = redis.call('TYPE', skey)['ok']
      if ht ~= 'none' and ht ~= 'hash' then return nil, E_STATE end
      if zt == 'none' then return nil end
      if zt ~= 'zset' or ht ~= 'hash' then return nil, E_STATE end
      local n = redis.call('ZCARD', key)
      if n > 10000 or redis.call('HLEN', skey) ~= n then return nil, E_STATE end
      local m = redis.call('ZRANGEBYSCORE', key, '(' .. num(now), '+inf', 'WITHSCORES')
      local ids, dl, sl, held, last = {}, {}, {}, 0, now
      for k = 1, #m, 2 do
        local id, d = m[k], nat(m[k + 1])
        if d == nil or not valid_id(id) then return nil, E_STATE end
        ids[#ids + 1] = id
        dl[id] = d
        if d > last then last = d end
      end
      for c = 1, #ids, CHUNK do
        local e = math.min(c + CHUNK - 1, #ids)
        local v = redis.call('HMGET', skey, unpack(ids, c, e))
        for k = c, e do
          local s = v[k - c + 1]
          s = s and nat(s)
          if s == nil or s == false or s < 1 or s > 10000 then return nil, E_STATE end
          sl[ids[k]] = s
          held = held + s
        end
      end
      if held > 10000 then return nil, E_STATE end
      return {ids = ids, dl = dl, sl = sl, held = held, last = last}
    end,

    -- The state returned for a write is the change: {put = id, dl, sl} (a new lease or a renewed
    -- deadline) or {del = id}, with last = the latest live deadline after it and fresh = whether
    -- the sorted set did not exist; nil deletes both keys.
    step = function(st, now, cost, op, arg, P)
      local limit, ttl = P.limit, P.ttl
      if op == RESET then return nil, st ~= nil, ALLOWED, 0, limit, 0, 0 end
      local s = st or NONE
      -- deadlines more than two TTLs ahead come back to now + ttl (a long step back)
      local clamp, cdl = nil, sadd(now, ttl)
      local far = sadd(cdl, ttl)
      for _, id in ipairs(s.ids) do
        if s.dl[id] > far then
          clamp = clamp or {}
          clamp[#clamp + 1] = id
        end
      end
      if clamp then
        local dl, l = {}, now
        for _, id in ipairs(s.ids) do
          dl[id] = s.dl[id]
          if dl[id] > far then dl[id] = cdl end
          if dl[id] > l then l = dl[id] end
        end
        s = {ids = s.ids, dl = dl, sl = s.sl, held = s.held, last = l}
      end
      local held, last = s.held, s.last
      if last < now then last = now end
      local reset = last - now
      local function remaining(x) if x >= limit then return 0 end return limit - x end
      -- an unchanged answer still writes the clamped deadlines
      local function same()
        if clamp then return {clamp = clamp, cdl = cdl, last = last}, true end
        return st, false
      end
      local function decide()
        if cost > limit then return COST_EXCEEDS_LIMIT, held, remaining(held), NEVER, reset end
        if held <= limit - cost then
          local after, r = held + cost, reset
          if cost > 0 and ttl > r then r = ttl end
          return ALLOWED, after, limit - after, 0, r
        end
        return LIMITED, held, remaining(held), retry_at(s, cost, limit) - now, reset
      end

      if op == PEEK then
        local x, ch = same()
        return x, ch, decide()
      end

      local d0 = s.dl[arg]
      if op == HOLD then
        if d0 ~= nil then return st, false, E_HELD, 0, 0, 0, 0 end
        local reason, used, rem, retry, r = decide()
        if reason ~= ALLOWED then
          local x, ch = same()
          return x, ch, reason, used, rem, retry, r
        end
        local d = sadd(now, ttl)
        if d > last then last = d end
        return {put = arg, dl = d, sl = cost, last = last, fresh = st == nil, clamp = clamp, cdl = cdl}, true,
          ALLOWED, held + cost, limit - held - cost, 0, last - now
      elseif op == RENEW then
        if d0 == nil then
          local x, ch = same()
          return x, ch, NOT_HELD, held, remaining(held), 0, reset
        end
        local d = sadd(now, ttl)
        if d0 > d then d = d0 end -- never earlier (the clock may have gone back)
        if d > last then last = d end
        return {put = arg, dl = d, sl = s.sl[arg], last = last, clamp = clamp, cdl = cdl}, true,
          ALLOWED, held, remaining(held), 0, last - now
      end
      -- RELEASE: idempotent, a lease already gone (or never held) is a no-op
      if d0 == nil then
        local x, ch = same()
        return x, ch, ALLOWED, held, remaining(held), 0, reset
      end
      local after = held - s.sl[arg]
      if #s.ids == 1 then return nil, true, ALLOWED, after, remaining(after), 0, 0 end
      last = now
      for _, id in ipairs(s.ids) do
        if id ~= arg and s.dl[id] > last then last = s.dl[id] end
      end
      return {del = arg, last = last, clamp = clamp, cdl = cdl}, true, ALLOWED, after, remaining(after), 0, last - now
    end,

    save = function(key, st, now, P)
      local skey = key .. ':slots'
      if st == nil then
        redis.call('DEL', key, skey)
        return
      end
      if st.fresh then
        redis.call('DEL', skey) -- a leftover hash (see the header)
      else
        -- the sweep, before the change: a HOLD may reuse the id of an expired lease
        local gone = redis.call('ZRANGEBYSCORE', key, '-inf', num(now))
        if #gone > 0 then
          hdel_all(skey, gone)
          redis.call('ZREMRANGEBYSCORE', key, '-inf', num(now))
        end
      end
      if st.clamp then
        for _, id in ipairs(st.clamp) do redis.call('ZADD', key, num(st.cdl), id) end
      end
      if st.del then
        redis.call('ZREM', key, st.del)
        redis.call('HDEL', skey, st.del)
      elseif st.put then
        redis.call('ZADD', key, num(st.dl), st.put)
        redis.call('HSET', skey, st.put, num(st.sl))
      end
      local ttl = ttl_ms(st.last - now)
      redis.call('PEXPIRE', key, ttl)
      redis.call('PEXPIRE', skey, ttl)
    end,
  }
end
