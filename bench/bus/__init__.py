"""The bus scenarios: raw aiokafka produce→consume (the baseline), the spine (outbox → relay →
Kafka → inbox consumer → DB commit) with a choice of handlers, and the spine one stage at a time.

    payloads.py   the events sent, and the bus's constants (partitions, batch sizes)
    handlers.py   what the consumer's handler does per event, and how to count its effects
    rig.py        one service's worth of bus on a fresh database and fresh topics
    raw.py        scenario: raw aiokafka
    spine.py      scenario: relay and consumer together
    split.py      scenario: relay alone, consumer alone, consumer without a handler
    report.py     the printed table
"""
