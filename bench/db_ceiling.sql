-- pgbench: the writes of one booking, without the service: take a place in a slot if it
-- has one, add a patient, the appointment and its event in the outbox, in one transaction.
-- The database's own ceiling for what booking does per request (make bench compares).
-- The code is unique by construction (random codes collided within a 10 s run, and
-- pgbench cannot retry); the unique index is still checked on every insert.
\set sid random(1, 1600)
\set phone random(13000000000, 13999999999)
BEGIN;
UPDATE bench_slots SET booked = booked + 1, updated_at = now()
 WHERE id = :sid AND booked + held < capacity;
INSERT INTO bench_patients (name, phone, sms_consent, created_at)
 VALUES ('压测', :phone, true, now());
INSERT INTO bench_appointments (code, slot_id, patient_id, status, queue_number, created_at)
 VALUES (lpad(to_hex(currval('bench_patients_id_seq')), 8, '0'), :sid,
         currval('bench_patients_id_seq'), 'booked', 1, now());
INSERT INTO bench_outbox (event_type, body, created_at)
 VALUES ('booking.appointment.booked', repeat('x', 1500), now());
END;
