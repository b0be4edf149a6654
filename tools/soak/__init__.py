"""``make soak``: the four services in production mode under a mixed load, hurt at random.

All four services run as in production (gunicorn web and worker each, ``ENV=production``)
on a fresh PostgreSQL database per service and a fresh RabbitMQ vhost of this machine,
sending SMS to the fake gateway of ``tests/support/gateway.py``. Consultants book (direct,
hold then book, a race for a slot's last places), cancel and reschedule with an
Idempotency-Key, retrying on no answer or a 503 as the console does; follow-up enquiries
and schedule's extra sessions keep the other services busy. Meanwhile faults of every kind
(:mod:`.faults`) strike one after another. Every request, answer and fault goes into a JSONL
history (:mod:`.history`); the checker (:mod:`.checker`) reads it with the databases and
prints one ``soak:`` line. Modules: :mod:`.clinic` (processes), :mod:`.load`,
:mod:`.faults`, :mod:`.history`, :mod:`.checker`; ``python -m tools.soak`` runs it.
"""
