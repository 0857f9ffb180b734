-- wrk script for bench/load.sh: POST a 1024-byte chat request.
-- nginx ignores the body and the key; Sluice routes on "model" and checks the key.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("WRK_KEY") or "sk-bench")
wrk.body = [[{"model":"bench","messages":[{"role":"system","content":"You are a concise assistant for an infrastructure team. Answer in plain English, at most three sentences."},{"role":"user","content":"Summarise the following operations note for the on-call rotation, keeping every number and name. Summarise the following operations note for the on-call rotation, keeping every number and name. Summarise the following operations note for the on-call rotation, keeping every number and name. Summarise the following operations note for the on-call rotation, keeping every number and name. Summarise the following operations note for the on-call rotation, keeping every number and name. Summarise the following operations note for the on-call rotation, keeping every number and name. Summarise the following operations note for the on-call rotation, keeping every number and name. Summarise the following operations note for the on-call rotation, keeping every number and name. Summarise the follo"}],"max_tokens":64,"temperature":0.2}]]

-- Every answer is checked against the end of a complete answer (bench/wrk/answer-check.lua).
expected_ending = '"finish_reason":"stop"'
dofile("bench/wrk/answer-check.lua")
