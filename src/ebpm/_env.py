"""Typed reads of ``EBPM_*`` environment variables: the one place that parses them.

A variable that is unset or blank gives the default; a value that is not a number, is out of
range or is not one of the choices raises :class:`ebpm.errors.SettingError` naming the variable,
the value and the fix, never a bare ``ValueError`` from ``float()``.
"""

from __future__ import annotations

import os
from pathlib import Path

from ebpm.errors import EbpmError, RemoteError, SettingError

__all__ = ["CACHE_DIR_ENV", "cache_dir", "env_flag", "env_number"]

CACHE_DIR_ENV = "EBPM_CACHE_DIR"

_TRUE = ("1", "true", "yes", "on")  # what turns a flag on, in the order messages list them
_FALSE = ("0", "false", "no", "off")  # what turns it off (as does leaving it unset or blank)


def env_number(
    name: str,
    default: float,
    *,
    integer: bool = False,
    positive: bool = False,
    error: type[EbpmError] = SettingError,
) -> float:
    """The number in ``$name``, or ``default`` when it is unset or blank.

    Parameters
    ----------
    name : str
        The variable, e.g. ``"EBPM_RETRY_BACKOFF"``.
    default : float
        The value when the variable is unset or blank; the message suggests it.
    integer : bool
        Whether the value must be a whole number (a count of retries); it is returned as ``int``.
    positive : bool
        Whether 0 is refused too (a timeout); a negative value always is.
    error : type
        The error to raise (a module with its own error family passes it).

    Raises
    ------
    SettingError
        The value is not a (whole) number, is not finite, or is negative (or 0 when
        ``positive``).
    """
    raw = os.environ.get(name, "").strip()
    if not raw:
        return int(default) if integer else float(default)
    what = "a whole number" if integer else "a number"
    fix = f"set it to {what} such as {default:g}, or unset it"
    try:
        value: float = int(raw) if integer else float(raw)
    except ValueError:
        raise error(f"{name}={raw!r} is not {what}; {fix}") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise error(f"{name}={raw!r} is not a finite number; {fix}")
    if value < 0 or (positive and value == 0):
        raise error(f"{name}={raw!r} is {'negative' if value < 0 else 'zero'}; {fix}")
    return value


def env_flag(name: str, *, error: type[EbpmError] = SettingError) -> bool:
    """Whether the flag ``$name`` is on (``1``, ``true``, ``yes``, ``on``; any case).

    Unset, blank, ``0``, ``false``, ``no`` and ``off`` mean off; anything else raises ``error``
    naming the value and the choices, as a typo (``EBPM_OFFLINE=ture``) must not mean off.
    """
    raw = os.environ.get(name, "").strip()
    if raw.lower() in _TRUE:
        return True
    if not raw or raw.lower() in _FALSE:
        return False
    raise error(
        f"{name}={raw!r} is neither on nor off; set it to one of "
        + ", ".join(_TRUE)
        + " to turn it on, or to "
        + ", ".join(_FALSE)
        + " (or unset it) to turn it off"
    )


# --- the download settings every part of ebpm reads ---------------------------------------------
#: Cache-only reads (``1``, ``true``, ``yes``, ``on``).
OFFLINE_ENV = "EBPM_OFFLINE"
#: Seconds an HTTP request may take, how often a failed one is retried, and the first backoff.
TIMEOUT_ENV = "EBPM_HTTP_TIMEOUT"
RETRIES_ENV = "EBPM_HTTP_RETRIES"
BACKOFF_ENV = "EBPM_HTTP_BACKOFF"


def offline() -> bool:
    """Whether ``EBPM_OFFLINE`` asks for cache-only reads."""
    return env_flag(OFFLINE_ENV)


def http_timeout() -> float:
    return env_number(TIMEOUT_ENV, 30.0, positive=True, error=RemoteError)


def http_retries() -> int:
    return int(env_number(RETRIES_ENV, 3, integer=True, error=RemoteError))


def http_backoff() -> float:
    return env_number(BACKOFF_ENV, 0.5, error=RemoteError)


def check_settings() -> None:
    """Raise on a bad ``EBPM_OFFLINE``, ``EBPM_HTTP_TIMEOUT``, ``_RETRIES`` or ``_BACKOFF``.

    ``ebpm run`` calls it before any kernel starts, so a typo fails the run once, not each task;
    it lives here, not with the catalog, so that check costs no import of the catalog.
    """
    offline()
    http_timeout(), http_retries(), http_backoff()


def cache_dir() -> Path:
    """The cache folder: ``$EBPM_CACHE_DIR`` or the platform's user cache folder for ebpm.

    Here, not in :mod:`ebpm.catalog`, so that the pipeline's driver can name it to its kernels
    without importing the catalog (and pandas) before its first task starts.
    """
    env = os.environ.get(CACHE_DIR_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("ebpm", appauthor=False))
