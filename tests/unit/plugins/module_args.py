# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module arguments for a module's main() in a unit test, the same way on every ansible-core this collection supports.

ansible-core 2.19 added ``ansible.module_utils.testing.patch_module_args``; 2.16-2.18 lack it. Every
supported core reads the arguments from ``basic._ANSIBLE_ARGS`` when that is set; 2.19 and later also
read the serialisation profile from ``basic._ANSIBLE_PROFILE``.
"""

from __future__ import annotations

import contextlib
import json
from unittest import mock

from ansible.module_utils import basic


@contextlib.contextmanager
def module_args(args):
    """Expose ``args`` to the AnsibleModule that main() creates within this context."""
    payload = json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode("utf-8")
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(basic, "_ANSIBLE_ARGS", payload))
        if hasattr(basic, "_ANSIBLE_PROFILE"):
            stack.enter_context(mock.patch.object(basic, "_ANSIBLE_PROFILE", "legacy"))
        yield
