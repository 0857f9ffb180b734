-- wrk script for bench/load.sh: POST a 1024-byte chat request with "stream":true.
-- nginx ignores the body and the key; Sluice routes on "model" and checks the key.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("WRK_KEY") or "sk-bench")
wrk.body = [[{"model":"bench-sse","messages":[{"role":"system","content":"You are a concise assistant for an infrastructure team. Answer in plain English, at most three sentences."},{"role":"user","content":"Summarise the following operations note for the on-call rotation, keeping every number and name. Summarise the following operations note for the on-call rotation, keeping every number and name. Summarise the following operations note for the on-call rotation, keeping every number and name. Summarise the following operations note for the on-call rotation, keeping every number and name. Summarise the following operations note for the on-call rotation, keeping every number and name. Summarise the following operations note for the on-call rotation, keeping every number and name. Summarise the following operations note for the on-call rotation, keeping every number and name. Summarise the following operations note for the on-call rotation, keeping every number and name. S"}],"max_tokens":64,"temperature":0.2,"stream":true}]]

-- Every answer is checked: status 200 and a body that ends the answer (data: [DONE]). The
-- report counts the wrong ones; a run with any is not a valid measurement.
local expected = 'data: [DONE]'
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    checked, wrong = 0, 0
end

function response(status, headers, body)
    checked = checked + 1
    if status ~= 200 or not string.find(body, expected, 1, true) then
        wrong = wrong + 1
        -- The first few wrong answers are printed, to tell what went wrong.
        if wrong <= 3 then io.write(string.format("wrong answer: HTTP %d %s\n", status, string.sub(body, 1, 300))) end
    end
end

function done(summary, latency, requests)
    local total_checked, total_wrong = 0, 0
    for _, thread in ipairs(threads) do
        total_checked = total_checked + thread:get("checked")
        total_wrong = total_wrong + thread:get("wrong")
    end
    io.write(string.format("answers checked: %d, wrong: %d\n", total_checked, total_wrong))
end
