# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The environment variables of the API connection options: one table for every part of vpsorg.cloud.

PRIVATE: this file belongs to the vpsorg.cloud collection. Other collections must not
import it; it may change in any release without notice. It knows nothing of Ansible.

The modules' argument spec takes its ``env_fallback`` entries from it (``_module.api_argument_spec``), the event
source reads it for the options it has, and the unit tests check that the documentation agrees with it: the
``env:`` entries of the inventory plugin's options (``vpsorg.cloud.api.plugins``, which Ansible's config system
reads) and the E() references of the modules' doc fragment (``vpsorg.cloud.api``).
"""

from __future__ import annotations

# Option name -> environment variable, in the order the doc fragments list the options.
ENV_SETTINGS = {
    "api_token": "VPS_API_TOKEN",
    "api_url": "VPS_API_URL",
    "validate_certs": "VPS_VALIDATE_CERTS",
    "ca_path": "VPS_CA_PATH",
    "api_timeout": "VPS_API_TIMEOUT",
    "api_retries": "VPS_API_RETRIES",
}
