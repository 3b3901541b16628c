-- Sluice: the constants every script starts with. The files are concatenated into one chunk
-- (dev.sluice.redis.Scripts):
--   batch (main.lua): constants.lua, prelude.lua, windows.lua if a fixed window or budget is
--     in it, token_bucket_core.lua if a token bucket is, the algorithm files, main.lua;
--   one request of a token bucket: constants.lua, token_bucket_core.lua, the bucket's parameters
--     as constants, token_bucket_one.lua (one script per bucket);
--   a batch of token bucket requests without groups: constants.lua, token_bucket_core.lua,
--     token_bucket_many.lua;
--   one request of another algorithm: the same as a batch of it, with main_one.lua.
-- Every file's top level runs on every call (Redis does not keep a script's locals between
-- calls), so what a script defines costs on every decision: keep the single-request ones lean.
--
-- Numbers: Lua 5.1 numbers are doubles, exact for integers up to 2^53. Every quantity is an
-- integer below 2^53: times are microseconds since the epoch (~1.8e15 today), and sums and
-- products saturate at MAXN (the Java algorithms saturate at 2^63 - 1; a saturated value reads
-- as a debt never repaid, on both sides). Numbers are written with string.format('%d'),
-- never tostring (which keeps only 14 digits).
--
-- Codes shared with Java (dev.sluice.redis.Protocol):
--   operations: Operation.ordinal(); reasons: Decision.Reason.ordinal();
--   errors (negative reasons): -1 stored value is not a valid state for the policy,
--   -2 calendar periods given do not cover the time, -3 HOLD of an id already held, -4 the
--   script could not apply the request (a parameter or argument it refuses, or an error raised
--   while applying it; the request changed nothing, and the others in the call were decided).

local MAXN = 9007199254740991 -- 2^53 - 1
local NEVER = -1

local ACQUIRE, PEEK, RESERVE, RECORD, REFUND, RESET, HOLD, RENEW, RELEASE, SETTLE =
  0, 1, 2, 3, 4, 5, 6, 7, 8, 9
local ALLOWED, LIMITED, COST_EXCEEDS_LIMIT, STORE_FULL, NOT_HELD = 0, 1, 2, 3, 4
local E_STATE, E_CALENDAR, E_HELD, E_REQUEST = -1, -2, -3, -4

-- What a TTL adds to the time until a state is idle (decides like a fresh key), in ms:
-- * on the server's clock (TIME), the clock that expires the key: 10 ms, for the rounding to
--   whole ms and the time a script runs between reading TIME and Redis taking the time it adds
--   the TTL to;
-- * on the caller's clock, which is not the clock that expires the key: one second, for latency
--   and drift between the two.
-- The entry points set ttl_slack before their first write.
local SERVER_SLACK_MS, CALLER_SLACK_MS = 10, 1000
local ttl_slack = CALLER_SLACK_MS

local fmod = math.fmod
local floor = math.floor
local fmt = string.format
