"""Delinquency: every loan's DPD, bucket, overdue amount and transitions, as of the business date."""
