"""Errors that leadflow reports to people: each names what is wrong and where."""


class LeadflowError(Exception):
    """Base for every error leadflow reports to a user instead of a traceback."""


class ConfigError(LeadflowError):
    """A setting or the configuration file is invalid."""


class NotFoundError(LeadflowError):
    """A lead, account or other record does not exist."""


class InvalidInputError(LeadflowError):
    """Input (a file, a row, a field, a parameter) is invalid; nothing was changed."""
