# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The API token and ansible-core's secret masking: one place for the inventory plugin and the event source.

PRIVATE: this file belongs to the vpsorg.cloud collection. Other collections must not
import it; it may change in any release without notice.

ansible-core 2.22 masks every registered secret in what it shows (``Display``: warnings, errors, verbose output,
and the task results the callbacks print). A plugin option becomes a registered secret with ``secret: true`` in its
documentation, but that does not fit this collection:

- the validate-modules sanity test of ansible-core 2.16, 2.17 and 2.18 refuses the ``secret`` key (2.19 to 2.21
  accept it and ignore it), and the collection supports 2.16;
- Ansible's config system registers the option's value as it reads it, and the inventory's ``api_token`` may be a
  template (a lookup of a secret store) that the plugin renders itself: the token the plugin sends would not be
  registered, only the template's text.

So the plugins register the token they actually use, at run time, through ``ansible.module_utils.secrets`` when the
running ansible-core has it (2.22 and later). On older cores, or without ansible-core (an event source under
ansible-rulebook), nothing is registered or masked, and the token stays out of every message, event and result as it
always has. The modules need none of this: 2.22 registers their ``no_log`` options (``api_token``) itself.
"""

from __future__ import annotations

import logging

try:
    from ansible.module_utils.secrets import mask_secrets as _mask_secrets, register_secret as _register_secret
except ImportError:  # ansible-core before 2.22, or none at all
    _mask_secrets = _register_secret = None

HAS_SECRET_MASKING = _register_secret is not None


def register_token(token):
    """Register ``token`` as a secret with ansible-core when it can mask secrets (2.22+); return whether it did."""
    if not HAS_SECRET_MASKING or not isinstance(token, str) or not token.strip():
        return False
    _register_secret(token)
    return True


def mask(text):
    """``text`` with every registered secret replaced by ansible-core's placeholder (2.22+); unchanged on older cores."""
    return _mask_secrets(text) if HAS_SECRET_MASKING else text


class MaskingFilter(logging.Filter):
    """A logging filter that masks the registered secrets in each record's message (2.22+).

    For the event source, whose log lines go to ansible-rulebook's logging, not through Ansible's ``Display``.
    """

    def filter(self, record):
        text = record.getMessage()
        masked = mask(text)
        if masked != text:
            record.msg, record.args = masked, ()
        return True
