# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The API token and ansible-core 2.22's secret masking (module_utils/_secrets.py), and the event source's use of it.

On ansible-core 2.22 and later a registered token is masked in what Ansible shows and in the event source's log
lines; on older cores the same calls must run and change nothing. Every test runs on every core and checks what
that core must do. The inventory plugin's side is in tests/unit/plugins/inventory/test_vps_secrets.py.

ansible-core keeps one registry of secrets per process and cannot forget one, so each test registers a token of its
own and first checks that it was not masked before.
"""

from __future__ import annotations

import logging
import uuid

import pytest

from ansible.release import __version__ as ANSIBLE_CORE_VERSION
from ansible.utils.display import Display

from ansible_collections.vpsorg.cloud.extensions.eda.plugins.event_source import vps_servers
from ansible_collections.vpsorg.cloud.plugins.module_utils import _secrets

CORE = tuple(int(part) for part in ANSIBLE_CORE_VERSION.split(".")[:2])
MASKING = CORE >= (2, 22)
# What ansible-core 2.22 shows instead of a secret.
PLACEHOLDER = "$REDACTED$"


def new_token():
    token = "tok-SECRETS-UNIT-%s-never-show-me" % uuid.uuid4().hex
    assert _secrets.mask("x %s x" % token) == "x %s x" % token, "a new token is masked before it was registered"
    return token


def shown(token):
    """What a text holding ``token`` becomes in what ansible-core shows: masked on 2.22+, as it is before."""
    return PLACEHOLDER if MASKING else token


def unwrapped(text):
    return "".join(text.split())


def test_masking_is_used_on_ansible_core_2_22_and_later_only():
    assert _secrets.HAS_SECRET_MASKING is MASKING


def test_a_registered_token_is_masked_wherever_it_appears():
    token = new_token()
    assert _secrets.register_token(token) is MASKING
    assert _secrets.mask("Authorization: Bearer %s, again %s." % (token, token)) == "Authorization: Bearer %s, again %s." % (
        shown(token), shown(token))


@pytest.mark.parametrize("value", ["", "  \n", None, 12345])
def test_nothing_empty_or_other_than_text_is_registered(value):
    assert _secrets.register_token(value) is False


def test_display_masks_a_registered_token_in_warnings_and_errors(capsys):
    token = new_token()
    _secrets.register_token(token)
    display = Display()
    display.warning("A warning that holds the token %s." % token)
    display.error("An error that holds the token %s." % token)
    output = capsys.readouterr()
    # ansible-core before 2.19 wraps long lines (at a hyphen of the token too): compare without the white space.
    text = unwrapped(output.out + output.err)
    assert unwrapped("A warning that holds the token %s." % shown(token)) in text
    assert unwrapped("An error that holds the token %s." % shown(token)) in text
    assert (token not in text) is MASKING


def test_the_masking_filter_masks_the_message_after_its_arguments_are_put_in():
    token = new_token()
    _secrets.register_token(token)
    record = logging.LogRecord("vpsorg.test", logging.WARNING, __file__, 1, "token %s, retry in %.1fs", (token, 2.0), None)
    assert _secrets.MaskingFilter().filter(record) is True
    assert record.getMessage() == "token %s, retry in 2.0s" % shown(token)
    plain = logging.LogRecord("vpsorg.test", logging.WARNING, __file__, 1, "retry in %.1fs", (2.0,), None)
    _secrets.MaskingFilter().filter(plain)
    assert (plain.msg, plain.args) == ("retry in %.1fs", (2.0,)), "a record without a secret is left as it is"


# The event source (extensions/eda/plugins/event_source/vps_servers.py).

def test_the_event_source_registers_the_token_of_its_argument():
    token = new_token()
    settings = vps_servers.settings_from({"api_token": token}, environ={})
    assert settings["api_token"] == token
    assert _secrets.mask(token) == shown(token)


def test_the_event_source_registers_the_token_of_the_environment():
    token = new_token()
    settings = vps_servers.settings_from({}, environ={"VPS_API_TOKEN": token})
    assert settings["api_token"] == token
    assert _secrets.mask(token) == shown(token)


def test_the_event_source_masks_its_own_log_lines_on_2_22(caplog):
    token = new_token()
    vps_servers.settings_from({"api_token": token}, environ={})
    filters = [item for item in vps_servers.logger.filters if isinstance(item, _secrets.MaskingFilter)]
    assert len(filters) == (1 if MASKING else 0)
    with caplog.at_level(logging.WARNING, logger=vps_servers.logger.name):
        vps_servers.logger.warning("Listing the VPS.org servers failed: %s", "proxy said: bad token %s" % token)
    assert [record.getMessage() for record in caplog.records] == ["Listing the VPS.org servers failed: proxy said: bad token %s"
                                                                  % shown(token)]
