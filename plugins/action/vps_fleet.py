# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The action of vpsorg.cloud.vps_fleet: the module in the controller's process when the task runs there, else the module
as Ansible runs any module (plugins/plugin_utils/_in_process.py). Its documentation is the module's."""

from __future__ import annotations

from ansible_collections.vpsorg.cloud.plugins.plugin_utils._in_process import InProcessModuleAction
from ansible_collections.vpsorg.cloud.plugins.plugin_utils._module_run import preload

# Imported once where Ansible first loads this plugin (the process that forks the workers), not once per task.
preload("vps_fleet")


class ActionModule(InProcessModuleAction):
    MODULE = "vps_fleet"
