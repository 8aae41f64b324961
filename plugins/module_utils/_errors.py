# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The errors the VPS.org API client raises, and how an error answer becomes one line of text.

PRIVATE: this file belongs to the vpsorg.cloud collection. Other collections must not
import it; it may change in any release without notice. It knows nothing of Ansible. Every plugin imports the
errors from here.
"""

from __future__ import annotations

BRIEF_BODY_CHARS = 200


class VpsError(Exception):
    """Base of every error the client raises. Its text never contains the token."""

    def __init__(self, message, method=None, path=None):
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path

    def to_dict(self):
        """Structured details for module results (``failure`` key)."""
        return {"method": self.method, "path": self.path}

    def in_context(self, context):
        """This error with what its request was for (``context``, such as a page of a listing) before its message.

        The error keeps its class and details, so the callers that tell kinds of errors apart still can.
        """
        self.message = "%s: %s" % (context, self.message)
        self.args = (self.message,)
        return self


class VpsApiError(VpsError):
    """The API answered with an error status (or an answer that cannot be used)."""

    def __init__(self, method, path, status, api_message, body=None, attempts=1, hint=None):
        self.status = status
        self.api_message = api_message
        self.body = body
        self.attempts = attempts
        text = "%s %s answered %s: %s" % (method, path, status, api_message)
        if attempts > 1:
            text += " (gave up after %d attempts)" % attempts
        if hint:
            text += (" " if text.endswith(".") else ". ") + hint
        super().__init__(text, method, path)

    def to_dict(self):
        details = super().to_dict()
        details.update(status=self.status, body=self.body, attempts=self.attempts)
        return details


class VpsNotFoundError(VpsApiError):
    """404: the server (or path) does not exist."""


class VpsSetupError(VpsError):
    """The client's own TLS settings cannot be used (a CA bundle that is missing or unreadable): asking again cannot help."""


class VpsTransportError(VpsError):
    """No usable answer: connection refused or dropped, TLS failure, timeout."""

    def __init__(self, method, path, reason, attempts=1):
        self.reason = reason
        self.attempts = attempts
        text = "%s %s failed: %s" % (method, path, reason)
        if attempts > 1:
            text += " (gave up after %d attempts)" % attempts
        super().__init__(text, method, path)

    def to_dict(self):
        details = super().to_dict()
        details.update(status=None, reason=self.reason, attempts=self.attempts)
        return details


class VpsTimeoutError(VpsTransportError):
    """The API did not answer within the timeout."""


class VpsOutcomeUnknownError(VpsError):
    """A write (POST) may or may not have been carried out: its answer was lost.

    The client never re-sends such a request; the caller must re-read the state. ``in_flight`` is True
    when no answer came in time: the API may still be carrying the request out, so a re-read right
    away cannot show that it was not.
    """

    def __init__(self, method, path, reason, status=None, in_flight=False):
        self.reason = reason
        self.status = status
        self.in_flight = in_flight
        text = "%s %s: outcome unknown, the request may have been carried out (%s)" % (method, path, reason)
        super().__init__(text, method, path)

    def to_dict(self):
        details = super().to_dict()
        details.update(status=self.status, reason=self.reason, outcome="unknown")
        return details


def api_error_message(body, text, reason=""):
    """Turn an error body into one line: DRF ``detail``, field errors, or a brief text."""
    if isinstance(body, dict):
        if isinstance(body.get("detail"), str) and len(body) == 1:
            return body["detail"]
        parts = []
        for field, messages in body.items():
            if isinstance(messages, list):
                messages = "; ".join(str(message) for message in messages)
            parts.append(str(messages) if field in ("detail", "non_field_errors") else "%s: %s" % (field, messages))
        if parts:
            return "; ".join(parts)
    if isinstance(body, list) and body:
        return "; ".join(str(item) for item in body)
    brief = " ".join((text or "").split())
    if not brief:
        return reason or "(empty answer)"
    if len(brief) > BRIEF_BODY_CHARS:
        brief = brief[:BRIEF_BODY_CHARS] + "..."
    return "non-JSON answer: %s" % brief


def ca_path_message(ca_path, reason):
    """The one line for a ca_path that cannot serve to verify the API's certificate."""
    return ("ca_path %s cannot be used to verify the API's certificate: %s. Set ca_path (or VPS_CA_PATH) to a readable PEM "
            "file of CA certificates, or to a folder of them." % (ca_path, reason))


def tls_setup_message(ca_path, reason):
    """The one line for a TLS setup failure of the HTTP library (``reason``, which names the file), by where the file came from."""
    if ca_path:
        return ca_path_message(ca_path, reason)
    return ("TLS setup failed: %s. validate_certs is on and ca_path is not set, so the CA bundle came from REQUESTS_CA_BUNDLE, "
            "CURL_CA_BUNDLE or the certifi package: fix that, or set ca_path (or VPS_CA_PATH) to a readable PEM file of CA "
            "certificates." % reason)


def token_refused_hint(token_source):
    """What to do about a 401, naming where the refused token came from when the caller knows."""
    source = token_source or "the api_token option or the VPS_API_TOKEN environment variable"
    return ("The API refused the token taken from %s: set it to a valid API token of the VPS.org account "
            "(an api_token option given to the task takes precedence over VPS_API_TOKEN)" % source)
