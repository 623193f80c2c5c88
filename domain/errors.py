"""Domain errors: an event that is well-formed but impossible for the entity it refers to."""


class DomainError(ValueError):
    """Base of the domain's errors; processors dead-letter the event that raised it, with this message."""


class CurrencyMismatch(DomainError):
    """A payment in another currency than its loan's."""


class WrongAccount(DomainError):
    """An event applied to a loan it does not name."""


class ConflictingPayment(DomainError):
    """One reference arriving with a different amount, currency or time: it must always name one payment."""


class InvalidPayment(DomainError):
    """A payment the rules cannot apply, such as a reversal that names no payment."""


class InvalidConfig(DomainError):
    """Bucket or promise settings that break the rules' assumptions."""


class UnknownBucket(DomainError):
    """A bucket label that the configuration does not define."""


class BusinessDateJump(DomainError):
    """A business date too far after the latest one: it would age every open loan at once, for good."""
