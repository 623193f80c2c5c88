"""Entities: the bank's customers, loans with installments, collateral and payments into PostgreSQL."""
