"""Domain errors: an event that is well-formed but impossible for the entity it refers to."""


class DomainError(ValueError):
    """Base of the domain's errors; processors dead-letter the event that raised it, with this message."""


class CurrencyMismatch(DomainError):
    """A payment in another currency than its loan's."""


class WrongAccount(DomainError):
    """An event applied to a loan it does not name."""
