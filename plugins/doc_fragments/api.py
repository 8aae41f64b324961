# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Connection options of the VPS.org API.

    Modules take their environment defaults through ``env_fallback`` in the argument spec, so
    their section only describes the variables. Plugins (the inventory) read options through
    Ansible's config system, which only honours ``env:`` entries: they get their own section.
    Both stay literal YAML for ansible-doc, and repeat the table of module_utils/_settings.py (SETTINGS: names, types,
    defaults, variables) and its client limits (RETRY_AFTER_MAX, RETRY_MAX_TIME); the unit test
    tests/unit/plugins/module_utils/test_settings_docs.py keeps them in step with it.
    """

    DOCUMENTATION = r"""
options:
  api_token:
    description:
      - "API token of the VPS.org account, sent as C(Authorization: Bearer <token>)."
      - If not set, the value of the E(VPS_API_TOKEN) environment variable is used.
      - Required, either as this option or through the environment variable.
    type: str
  api_url:
    description:
      - Base URL of the VPS.org API, without C(/api/v1/).
      - If not set, the value of the E(VPS_API_URL) environment variable is used, else V(https://admin.vps.org).
      - A plain C(http://) URL to a host other than the local machine triggers a warning, as the token would travel in clear text.
    type: str
    default: https://admin.vps.org
  validate_certs:
    description:
      - Whether to verify the TLS certificate of the API.
      - Set to V(false) only for test endpoints with self-signed certificates.
      - If not set, the value of the E(VPS_VALIDATE_CERTS) environment variable is used (from version 0.2.0 on), else V(true).
    type: bool
    default: true
  ca_path:
    description:
      - Path of a PEM bundle of certificate authorities to verify the API's certificate with, instead of the system's.
      - If not set, the value of the E(VPS_CA_PATH) environment variable is used (from version 0.2.0 on).
      - Ignored when O(validate_certs=false).
      - A file that cannot be read, or that holds no PEM certificate, fails the task with a message that names it, before
        any request is sent.
    type: path
  api_timeout:
    description:
      - Seconds to wait for each API request.
      - If not set, the value of the E(VPS_API_TIMEOUT) environment variable is used (from version 0.2.0 on), else V(30).
    type: int
    default: 30
  api_retries:
    description:
      - How many times a request that is safe to repeat is retried after a rate limit (HTTP 429), a gateway error
        (HTTP 502, 503, 504), a dropped connection or a timeout, with exponential backoff.
      - A create or power action whose answer was lost is never sent blindly again; the module re-reads the server instead,
        and sends it again (as often as this option allows, at least twice more) only when the server shows it was not carried out.
        A reboot is sent at most twice in all, since a lost one may still be carried out; when neither shows, the task warns
        that the reboot may not have happened.
      - The C(Retry-After) of a 429 or 503 answer is waited for, but never longer than 60 seconds. A request is not
        retried once the retry would start more than 120 seconds after the request was first sent (the time it waited
        for its turn behind the other requests of a throttled run does not count), so with a large O(api_timeout) a
        request that timed out gets fewer retries than O(api_retries), or none. Neither limit can be changed.
      - If not set, the value of the E(VPS_API_RETRIES) environment variable is used (from version 0.2.0 on), else V(5).
    type: int
    default: 5
notes:
  - The API token is never written to results, diffs, warnings or logs.
  - "The modules read the same environment variables as the vpsorg.cloud.vps inventory plugin: E(VPS_API_TOKEN),
    E(VPS_API_URL), E(VPS_VALIDATE_CERTS), E(VPS_CA_PATH), E(VPS_API_TIMEOUT) and E(VPS_API_RETRIES). An option given
    to the task (or through C(module_defaults)) wins over its variable."
"""

    PLUGINS = r"""
options:
  api_token:
    description:
      - "API token of the VPS.org account, sent as C(Authorization: Bearer <token>)."
      - May be a Jinja template, for example a lookup of a vault or secret store.
      - Required, from this option or the environment variable.
      - With ansible-core 2.22 or later the token, as sent (after the template), is registered with Ansible's secret
        masking, so it is masked in everything Ansible shows from then on (from version 0.2.0 on). Older ansible-core
        has no secret masking; the plugin keeps the token out of what it shows all the same.
    type: str
    env:
      - name: VPS_API_TOKEN
  api_url:
    description:
      - Base URL of the VPS.org API, without C(/api/v1/).
      - A plain C(http://) URL to a host other than the local machine triggers a warning.
    type: str
    default: https://admin.vps.org
    env:
      - name: VPS_API_URL
  validate_certs:
    description:
      - Whether to verify the TLS certificate of the API.
    type: bool
    default: true
    env:
      - name: VPS_VALIDATE_CERTS
  ca_path:
    description:
      - Path of a PEM bundle of certificate authorities to verify the API's certificate with.
      - A file that cannot be read, or that holds no PEM certificate, fails with a message that names it, before any
        request is sent.
    type: path
    env:
      - name: VPS_CA_PATH
  api_timeout:
    description:
      - Seconds to wait for each API request.
    type: int
    default: 30
    env:
      - name: VPS_API_TIMEOUT
  api_retries:
    description:
      - How many times a request is retried after a rate limit, a gateway error, a dropped connection or a timeout.
        This covers each request for a page of the list and, with O(detail=true), each read of a server's detail view.
      - The C(Retry-After) of a 429 or 503 answer is waited for, but never longer than 60 seconds. A request is not
        retried once the retry would start more than 120 seconds after the request was first sent (the time it waited
        for its turn behind the other requests does not count), so with a large O(api_timeout) a request that timed out
        gets fewer retries than O(api_retries), or none. Neither limit can be changed.
    type: int
    default: 5
    env:
      - name: VPS_API_RETRIES
"""
