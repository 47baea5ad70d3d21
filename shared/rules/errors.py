"""Named errors of the rules engine; all are `ValueError`s (bad input, not bad state)."""


class RulesError(ValueError):
    """Base of every error the rules engine raises on purpose."""


class NoRuleSetError(RulesError):
    """rules.md §2: no rule set covers the date (before 2013-01-01)."""


class MissingRateError(RulesError):
    """rules.md §8.2: no hourly amount or tax rate is known for the date."""


class InvalidPersonalCode(RulesError):
    """rules.md §10: the text is not a Latvian personal code; the message names the problem."""


class PeriodError(RulesError):
    """rules.md §4.4: a period that cannot be granted."""


class FactError(RulesError):
    """A recorded fact cannot carry the decision (e.g. an assessment dated after it).

    `fact` names the input field, so a service can name it in its problem document.
    """

    def __init__(self, fact: str, message: str) -> None:
        super().__init__(f"{fact}: {message}")
        self.fact = fact
        self.message = message


class MissingFactError(FactError):
    """A fact the rule set needs to decide was not recorded (e.g. the LV-2021 assessment)."""
