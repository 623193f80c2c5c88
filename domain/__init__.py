"""The collections domain as plain Python: no Kafka, database or web imports, so it is tested in isolation.

Processors, sinks and the API all call these rules; see docs/domain-rules.md for worked examples.
"""
