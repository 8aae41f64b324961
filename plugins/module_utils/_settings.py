# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The connection options of the VPS.org API: one table for every part of vpsorg.cloud, and what checks their values.

PRIVATE: this file belongs to the vpsorg.cloud collection. Other collections must not
import it; it may change in any release without notice. It knows nothing of Ansible.

Each option is defined once, in SETTINGS: its name, its environment variable, its default, its type and the argument
of VpsClient it becomes. The modules build their argument spec from it (``_module.api_argument_spec``); the modules
(``_module.client_settings``), the inventory plugin (``_fetch_servers``) and the event source (``make_client``) turn
the values they resolved into VpsClient's arguments with the one ``client_arguments``; VpsClient takes its defaults
from it. The documentation is YAML that Ansible reads as it is, so it repeats the table; the unit tests
(tests/unit/plugins/module_utils/test_settings_docs.py) check that the doc fragments of the modules
(``vpsorg.cloud.api``) and of the plugins (``vpsorg.cloud.api.plugins``), the inventory plugin and the event source
say what the table says.
"""

from __future__ import annotations

import collections
import ipaddress
import os
import ssl
from urllib.parse import urlsplit

from ansible_collections.vpsorg.cloud.plugins.module_utils._errors import ca_path_message

# option: the name of the option of the modules and the inventory plugin, and of the event source's argument;
# env: its environment variable; default: None when it has none; type: Ansible's type of the option; argument: the
# keyword argument of VpsClient; secret: never logged (no_log).
Setting = collections.namedtuple("Setting", ("option", "env", "default", "type", "argument", "secret"))

# In the order the doc fragments list the options.
SETTINGS = (
    Setting("api_token", "VPS_API_TOKEN", None, "str", "api_token", True),
    Setting("api_url", "VPS_API_URL", "https://admin.vps.org", "str", "api_url", False),
    Setting("validate_certs", "VPS_VALIDATE_CERTS", True, "bool", "validate_certs", False),
    Setting("ca_path", "VPS_CA_PATH", None, "path", "ca_path", False),
    Setting("api_timeout", "VPS_API_TIMEOUT", 30, "int", "timeout", False),
    Setting("api_retries", "VPS_API_RETRIES", 5, "int", "retries", False),
)
# Option name -> environment variable.
ENV_SETTINGS = collections.OrderedDict((setting.option, setting.env) for setting in SETTINGS)
DEFAULTS = dict((setting.option, setting.default) for setting in SETTINGS)
DEFAULT_API_URL = DEFAULTS["api_url"]

# Limits of the client that are no options (the doc fragments and guide_api_requests.rst state them; the unit tests
# check the doc fragments): a Retry-After longer than RETRY_AFTER_MAX seconds is waited for that long, and a call
# starts no retry whose wait would end more than RETRY_MAX_TIME seconds after the call began (a wait for the run's
# turn under a rate limit not counted).
RETRY_AFTER_MAX = 60.0
RETRY_MAX_TIME = 120.0


def client_arguments(values):
    """VpsClient's keyword arguments from the connection options' values (option name -> value, as the caller resolved
    them from its options and the environment); an option that is missing, None or empty gets its default."""
    arguments = {}
    for setting in SETTINGS:
        value = values.get(setting.option)
        arguments[setting.argument] = setting.default if value is None or value == "" else value
    return arguments


def api_url_problem(api_url):
    """Why ``api_url`` cannot be used, or None."""
    parts = urlsplit(api_url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return "api_url must be an http:// or https:// URL, got %r" % api_url
    return None


def cleartext_warning(api_url):
    """A warning when the token would cross the network unencrypted, else None."""
    parts = urlsplit(api_url or "")
    if parts.scheme != "http" or _is_loopback(parts.hostname):
        return None
    return ("api_url %s is plain http:// to a host other than this machine: the API token would travel in clear text. "
            "Use an https:// URL." % api_url)


def _is_loopback(host):
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def ca_path_problem(ca_path):
    """Why ``ca_path`` cannot serve to verify the API's certificate, or None: it must be a readable PEM file of CA
    certificates, or a folder of them (read only when a certificate is checked)."""
    if os.path.isdir(ca_path):
        return None if os.access(ca_path, os.R_OK | os.X_OK) else ca_path_message(ca_path, "the folder cannot be read")
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_verify_locations(cafile=ca_path)
    except ssl.SSLError as exc:
        return ca_path_message(ca_path, "it holds no PEM certificate (%s)" % (exc.reason or exc))
    except OSError as exc:
        return ca_path_message(ca_path, exc.strerror or str(exc))
    return None
