-- wrk script for Latch's DPoP-bound `GET /api/me` (scripts/bench-peers): every request
-- carries the bound token and a proof of its own, as a browser's would. The server refuses a
-- reused `jti`, so the proofs are signed ahead (dpop.mjs) and each wrk thread reads its own
-- file, LATCH_PROOFS.<thread>, one line per request: no proof is sent twice.
--
--   LATCH_PROOFS=<prefix> LATCH_TOKEN_FILE=<file> wrk -s bound.lua …

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

local proofs, headers
ran_out = 0 -- global: done() reads it through thread:get

function init(args)
  -- Read line by line during the run: the files are too large to hold in every thread.
  proofs = assert(io.open(os.getenv("LATCH_PROOFS") .. "." .. id, "r"))
  local token_file = assert(io.open(os.getenv("LATCH_TOKEN_FILE"), "r"))
  headers = { Authorization = "DPoP " .. token_file:read("*l") }
  token_file:close()
end

function request()
  local proof = proofs:read("*l")
  if proof then
    headers["DPoP"] = proof
  else
    -- Out of proofs: sent without one, so the server answers 401 and wrk counts it as a
    -- non-2xx response (the table's errors), rather than a replay passing unnoticed.
    headers["DPoP"] = nil
    ran_out = ran_out + 1
  end
  return wrk.format("GET", "/api/me", headers)
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(threads) do
    total = total + (thread:get("ran_out") or 0)
  end
  if total > 0 then
    io.write(string.format("Proofs ran out: %d requests\n", total))
  end
end
