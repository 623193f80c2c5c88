"""The parts of ``crm demo`` (`crm.commands.demo` runs them in order): the web app's build, the demo logins,
the supervised child processes (processors and API), readiness checks, and the business-date clock.

The simulated bank and agents live in `crm.simulator`, beside the load the benchmarks use.
"""
