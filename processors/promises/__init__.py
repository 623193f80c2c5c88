"""Promises to pay: made by agents' actions, kept by the customer's payments, broken by the business date."""
