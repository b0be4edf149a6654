-- wrk: the same kind of POST as a booking, to the minimal Flask endpoint.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"slot_id": 1, "channel": "chat", "patient": {"name": "压测", "phone": "13900000000"}}'
