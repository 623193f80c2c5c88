"""Allocation: every customer who needs an agent gets a fitting one, within capacity, kept while it fits."""
