"""Validation of create and update bodies, with Django REST framework's error wording.

Each validator returns ``(clean_values, errors)``. ``errors`` maps a field name to a list of
messages, exactly the shape DRF answers with a 400, and holds every failing field at once.
"""

import re

from .catalogue import LOCATIONS, OPERATING_SYSTEMS, PLANS

REQUIRED = "This field is required."
NOT_NULL = "This field may not be null."
NOT_BLANK = "This field may not be blank."
NOT_A_STRING = "Not a valid string."
NOT_A_BOOLEAN = "Must be a valid boolean."
NOT_AN_INTEGER = "A valid integer is required."

NAME_PATTERN = re.compile(r"^[A-Za-z0-9-]+$")
HOSTNAME_LABEL_PATTERN = re.compile(r"^[A-Za-z0-9-]{1,63}$")
NAME_MAX_LENGTH = 63
HOSTNAME_MAX_LENGTH = 253

CREATE_FIELDS = ("name", "plan_id", "os_id", "location", "hostname", "ssh_key_id", "backups_enabled")
CREATE_REQUIRED = ("name", "plan_id", "os_id", "location")
UPDATE_FIELDS = ("name", "hostname", "backups_enabled")


def _max_length_message(limit):
    return f"Ensure this field has no more than {limit} characters."


def check_name(value):
    """Return the error messages for a server name (empty list when valid)."""
    if value is None:
        return [NOT_NULL]
    if not isinstance(value, str):
        return [NOT_A_STRING]
    if value == "":
        return [NOT_BLANK]
    if len(value) > NAME_MAX_LENGTH:
        return [_max_length_message(NAME_MAX_LENGTH)]
    if not NAME_PATTERN.match(value):
        return ["Name may only contain letters, digits and hyphens."]
    return []


def check_hostname(value):
    """Return the error messages for a hostname; null is allowed and means "no hostname"."""
    if value is None:
        return []
    if not isinstance(value, str):
        return [NOT_A_STRING]
    if value == "":
        return [NOT_BLANK]
    if len(value) > HOSTNAME_MAX_LENGTH:
        return [_max_length_message(HOSTNAME_MAX_LENGTH)]
    if not all(HOSTNAME_LABEL_PATTERN.match(label) for label in value.split(".")):
        return ["Enter a valid hostname (FQDN)."]
    return []


def check_boolean(value):
    """Only real JSON booleans are accepted (stricter than DRF, which also takes "yes" or 1)."""
    if value is None:
        return [NOT_NULL]
    if not isinstance(value, bool):
        return [NOT_A_BOOLEAN]
    return []


def check_related_id(value, known):
    """Check a primary key field (plan_id, os_id) the way DRF's PrimaryKeyRelatedField does."""
    if value is None:
        return [NOT_NULL]
    # bool is a subclass of int in Python, so it has to be refused explicitly.
    if isinstance(value, bool) or not isinstance(value, int):
        return [f"Incorrect type. Expected pk value, received {_json_type_name(value)}."]
    if value not in known:
        return [f'Invalid pk "{value}" - object does not exist.']
    return []


def check_location(value):
    if value is None:
        return [NOT_NULL]
    if not isinstance(value, str) or value not in LOCATIONS:
        return [f'"{value}" is not a valid choice.']
    return []


def check_ssh_key_id(value):
    """ssh_key_id is optional; null means "no key"."""
    if value is None:
        return []
    if isinstance(value, bool) or not isinstance(value, int):
        return [NOT_AN_INTEGER]
    if value < 1:
        return ["Ensure this value is greater than or equal to 1."]
    return []


FIELD_CHECKS = {
    "name": check_name,
    "hostname": check_hostname,
    "backups_enabled": check_boolean,
    "plan_id": lambda value: check_related_id(value, PLANS),
    "os_id": lambda value: check_related_id(value, OPERATING_SYSTEMS),
    "location": check_location,
    "ssh_key_id": check_ssh_key_id,
}


def _json_type_name(value):
    """Name a JSON value's type the way DRF names the Python type in its messages."""
    return type(value).__name__


def _validate(body, fields, required):
    clean = {}
    errors = {}
    for field in fields:
        if field not in body:
            if field in required:
                errors[field] = [REQUIRED]
            continue
        messages = FIELD_CHECKS[field](body[field])
        if messages:
            errors[field] = messages
        else:
            clean[field] = body[field]
    return clean, errors


def validate_create(body):
    """Validate a POST /servers/ body. Unknown fields are ignored, as DRF does."""
    clean, errors = _validate(body, CREATE_FIELDS, CREATE_REQUIRED)
    clean.setdefault("hostname", None)
    clean.setdefault("ssh_key_id", None)
    clean.setdefault("backups_enabled", False)
    return clean, errors


def validate_update(body, partial):
    """Validate a PUT (every field required) or PATCH (any subset) body."""
    required = () if partial else UPDATE_FIELDS
    return _validate(body, UPDATE_FIELDS, required)
