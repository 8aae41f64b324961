# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Ansible glue shared by the modules of vpsorg.cloud: options, client, failures.

PRIVATE: this file belongs to the vpsorg.cloud collection. Other collections must not
import it; it may change in any release without notice.
"""

from __future__ import annotations

import os

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.vpsorg.cloud.plugins.module_utils._client import HAS_REQUESTS, REQUESTS_IMPORT_ERROR, VpsClient
from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import VpsError
from ansible_collections.vpsorg.cloud.plugins.module_utils._server import ServerTaskFailed, failure
from ansible_collections.vpsorg.cloud.plugins.module_utils._server_state import ServerState
from ansible_collections.vpsorg.cloud.plugins.module_utils._settings import (
    ENV_SETTINGS,
    SETTINGS,
    api_url_problem,
    cleartext_warning,
    client_arguments,
)

STATES = ["present", "absent", "started", "stopped", "restarted"]


def api_argument_spec():
    """Options every module shares; documented by the ``vpsorg.cloud.api`` doc fragment.

    Built from the settings table (``_settings.SETTINGS``, shared with the inventory plugin and the event source): each
    option falls back to its environment variable, then to its default.
    """
    spec = {}
    for setting in SETTINGS:
        spec[setting.option] = dict(type=setting.type, fallback=(env_fallback, [setting.env]))
        if setting.default is not None:
            spec[setting.option]["default"] = setting.default
        if setting.secret:
            spec[setting.option]["no_log"] = True
    return spec


def server_argument_spec(default_state="present"):
    """The options that describe one server: vps_server takes them as its options, vps_fleet once per item of ``servers``."""
    return dict(
        name=dict(type="str"),
        state=dict(type="str", default=default_state, choices=list(STATES)),
        plan_id=dict(type="int"),
        os_id=dict(type="int"),
        location=dict(type="str"),
        hostname=dict(type="str"),
        ssh_key_id=dict(type="int", no_log=False),
        backups_enabled=dict(type="bool"),
    )


def apply_server(params, client, check_mode, diff, account=None, detail_result=True):
    """Bring one server to the state ``params`` describe; return (result, warnings).

    The one path every module takes for a server. A failure of this server is a result with ``failed``
    and ``msg``, never an exception, so a fleet can go on with its other servers.
    """
    server_state = ServerState(params, client, check_mode=check_mode, diff=diff, account=account, detail_result=detail_result)
    try:
        result = server_state.run()
    except ServerTaskFailed as failed:
        result = dict(failed.details, failed=True, msg=failed.msg)
    return result, server_state.warnings


def token_source(params):
    """Where the token in ``params`` came from, for the message of a 401."""
    variable = ENV_SETTINGS["api_token"]
    if params["api_token"] and os.environ.get(variable) == params["api_token"]:
        return "the %s environment variable" % variable
    return "the api_token option"


def client_from_module(module, settings=None):
    """A client built from the module's API options (or from ``settings``, client_settings() of it), or a clear failure
    naming the option (a ca_path that cannot be read, say)."""
    client, problem = None, None
    try:
        client = VpsClient(**(client_settings(module) if settings is None else settings))
    except VpsError as exc:
        problem = exc.message
    # Outside the except block: ansible-core before 2.19 puts the traceback of the exception being handled into a
    # failure at -vvv, and a setting the user got wrong is no crash.
    if problem:
        module.fail_json(msg=problem)
    return client


def client_settings(module):
    """VpsClient arguments from the module's API options; fails clearly on a bad one.

    Separate from client_from_module() so a module that works on several servers at once can
    give each thread a client of its own (a requests session is not shared across threads).
    """
    if not HAS_REQUESTS:
        module.fail_json(msg=missing_required_lib("requests"), exception=REQUESTS_IMPORT_ERROR)
    params = module.params
    if not params["api_token"]:
        module.fail_json(msg="No API token: set the api_token option or the VPS_API_TOKEN environment variable.")
    if params["api_timeout"] <= 0:
        module.fail_json(msg="api_timeout must be a positive number of seconds, got %d." % params["api_timeout"])
    if params["api_retries"] < 0:
        module.fail_json(msg="api_retries must be zero or more, got %d." % params["api_retries"])
    # An empty URL (VPS_API_URL="" from an AWX credential whose URL was left empty) means the default, as in the
    # inventory plugin and the client: client_arguments() gives every empty option its default.
    settings = client_arguments(params)
    warning = cleartext_warning(settings["api_url"])
    if warning:
        module.warn(warning)
    problem = api_url_problem(settings["api_url"])
    if problem:
        module.fail_json(msg=problem)
    settings.update(log=module.debug, token_source=token_source(params))
    return settings


def fail_on_error(module, error, action, subject, **result):
    """Fail with one line ``Failed to <action> <subject>: <what the API said>`` and its details."""
    failed = failure(error, action, subject, **result)
    module.fail_json(msg=failed.msg, **failed.details)


def call_or_fail(module, function, action, subject, **result):
    """``function()``'s value; when it raises a VpsError, fail_on_error() with it, outside the except block (see
    client_from_module)."""
    error = None
    try:
        return function()
    except VpsError as exc:
        error = exc
    fail_on_error(module, error, action, subject, **result)
    return None
