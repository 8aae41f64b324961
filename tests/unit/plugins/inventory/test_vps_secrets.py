# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventory plugin and ansible-core 2.22's secret masking: the token it sends is registered as a secret, so what
Ansible shows masks it; on older cores the plugin runs as before and nothing is registered.

The option is not marked ``secret: true`` in the documentation (validate-modules of ansible-core 2.16 to 2.18 refuses
the key, and it would register the template's text, not the token): the plugin registers the token it renders.
ansible-core keeps one registry of secrets per process, so each test uses a token of its own.
"""

from __future__ import annotations

import uuid

import pytest

from ansible.errors import AnsibleError
from ansible.plugins.loader import inventory_loader
from ansible.release import __version__ as ANSIBLE_CORE_VERSION
from ansible.utils.display import Display

from ansible_collections.vpsorg.cloud.plugins.module_utils import _secrets
from ansible_collections.vpsorg.cloud.tests.unit.plugins.inventory.inventory_support import (  # noqa: F401  pylint: disable=unused-import
    api_fixture,
    FakeSession,
    LIST_PATH,
    make_response,
    parse,
    run_fixture,
    server,
    use_client,
)

MASKING = tuple(int(part) for part in ANSIBLE_CORE_VERSION.split(".")[:2]) >= (2, 22)
PLACEHOLDER = "$REDACTED$"
TEMPLATE = "{{ lookup('ansible.builtin.env', 'SECRET_STORE_TOKEN') }}"


def new_token():
    token = "tok-INVENTORY-SECRETS-%s-never-show-me" % uuid.uuid4().hex
    assert _secrets.mask(token) == token, "a new token is masked before the plugin ran"
    return token


def one_page():
    """A session that answers one list page of one server, whatever the token."""
    return FakeSession(make_response(200, {"count": 1, "next": None, "results": [server(10001)]}))


def shown_by_display(capsys, text):
    """What Display shows of a warning, without white space: ansible-core before 2.19 wraps long lines."""
    Display().warning(text)
    output = capsys.readouterr()
    return unwrapped(output.out + output.err)


def unwrapped(text):
    return "".join(text.split())


def test_the_rendered_token_is_registered_and_display_masks_it_on_2_22(run, monkeypatch, capsys):
    token = new_token()
    monkeypatch.setenv("SECRET_STORE_TOKEN", token)
    session = one_page()
    inventory, _plugin = run({"api_token": TEMPLATE}, session=session)
    assert session.calls[0]["headers"]["Authorization"] == "Bearer " + token
    assert list(inventory.hosts) == ["web-10001"]
    text = shown_by_display(capsys, "a warning that holds the token %s" % token)
    if MASKING:
        assert token not in text and unwrapped("a warning that holds the token %s" % PLACEHOLDER) in text
        assert _secrets.mask(token) == PLACEHOLDER
    else:
        # No secret masking before 2.22: nothing is registered, the plugin just never shows the token.
        assert unwrapped("a warning that holds the token %s" % token) in text
        assert _secrets.mask(token) == token
    # The template's text is no secret: error messages about it stay readable.
    assert _secrets.mask(TEMPLATE) == TEMPLATE


def test_a_token_from_the_environment_is_registered_too(api, tmp_path, monkeypatch):
    token = new_token()
    monkeypatch.setenv("VPS_API_TOKEN", token)
    path = tmp_path / "env.vps.yml"
    path.write_text("plugin: vpsorg.cloud.vps\napi_url: https://api.example.test\n")
    session = one_page()
    use_client(monkeypatch, session=session)
    parse(inventory_loader.get("vpsorg.cloud.vps"), path)
    assert session.calls[0]["headers"]["Authorization"] == "Bearer " + token
    assert _secrets.mask("Bearer " + token) == "Bearer " + (PLACEHOLDER if MASKING else token)


def test_a_refused_token_is_registered_before_the_error_is_shown(run):
    token = new_token()
    refused = FakeSession(make_response(401, {"detail": "Invalid token."}))
    with pytest.raises(AnsibleError) as error:
        run({"api_token": token}, session=refused)
    assert "401" in str(error.value) and token not in str(error.value)
    assert refused.calls[0]["url"].endswith(LIST_PATH)
    assert _secrets.mask(token) == (PLACEHOLDER if MASKING else token)


def test_a_warm_cache_renders_and_registers_no_token(run, tmp_path, monkeypatch):
    """The token is rendered only to read the API: a cached run runs no lookup, and so registers nothing."""
    cache = {"cache": True, "cache_plugin": "ansible.builtin.jsonfile", "cache_connection": str(tmp_path / "cache")}
    first = new_token()
    monkeypatch.setenv("SECRET_STORE_TOKEN", first)
    run(dict(cache, api_token=TEMPLATE), session=one_page())
    second = new_token()
    monkeypatch.setenv("SECRET_STORE_TOKEN", second)
    session = one_page()
    inventory, _plugin = run(dict(cache, api_token=TEMPLATE), session=session)
    assert session.calls == [] and list(inventory.hosts) == ["web-10001"]
    assert _secrets.mask(second) == second
