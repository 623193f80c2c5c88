"""Stateful stream processors, one package each: ``logic.py`` pure, ``app.py`` the Quix Streams wiring."""
