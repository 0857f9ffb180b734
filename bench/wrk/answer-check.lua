-- Checks every answer of a wrk run: status 200 and a body holding `expected_ending` (set by
-- the script that loads this one), the end of a complete answer. Prints how many were checked
-- and wrong, and the first few wrong ones; bench/wrk-report.py counts them, and a run with any
-- wrong answer is not a measurement.
local threads = {}

function setup(thread)
    table.insert(threads, thread)
end

function init(args)
    checked, wrong = 0, 0
end

function response(status, headers, body)
    checked = checked + 1
    if status ~= 200 or not string.find(body, expected_ending, 1, true) then
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
