# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The action plugins of vps_server, vps_server_info and vps_fleet: the module in the controller's worker process when
the task runs there anyway, the module as Ansible always runs it otherwise.

PRIVATE: this file belongs to the vpsorg.cloud collection. Other collections must not
import it; it may change in any release without notice.

Two paths, one result:

- the module path: ``ansible.builtin.normal``'s own ``run()``, what Ansible does for any module without an action
  plugin (AnsiballZ payload, temporary folder, a new Python). It stays the reference.
- in-process: the same module's ``main()`` in this worker, with the arguments ``_execute_module`` would send
  (``_update_module_args``, the task's ``environment:``), its result read back the way ``_execute_module`` reads a
  module's output (``_module_run.py``). The module, its ``AnsibleModule`` (validation, defaults, ``no_log``,
  invocation, warnings) and the client are the same code on both paths.

In-process only when nothing a module process would change applies: the connection plugin is ``local``, no become,
no async, the task's Python is the controller's own, the controller has ``requests``, and neither the variable
``vpsorg_cloud_in_process`` nor the environment variable ``VPS_IN_PROCESS`` turns it off. At ``-vvv`` each task says
which path it took and why (docs/docsite/rst/guide_in_process.rst).
"""

from __future__ import annotations

import os
import sys

from ansible import constants as C
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import BOOLEANS_FALSE, BOOLEANS_TRUE
from ansible.plugins.action import ActionBase
from ansible.plugins.action.normal import ActionModule as NormalAction
from ansible.utils.display import Display
from ansible.utils.vars import merge_hash

from ansible_collections.vpsorg.cloud.plugins.module_utils._client import HAS_REQUESTS
from ansible_collections.vpsorg.cloud.plugins.module_utils._secrets import HAS_SECRET_MASKING, register_token
from ansible_collections.vpsorg.cloud.plugins.module_utils._settings import ENV_SETTINGS
from ansible_collections.vpsorg.cloud.plugins.plugin_utils._module_run import run_module_in_process

display = Display()

OPT_OUT_VARIABLE = "vpsorg_cloud_in_process"
OPT_OUT_ENVIRONMENT = "VPS_IN_PROCESS"
# What interpreter discovery is asked for with; such a task has no interpreter of its own set.
DISCOVERY_MODES = ("", "auto", "auto_legacy", "auto_silent", "auto_legacy_silent")
LOCAL_CONNECTION = "ansible.builtin.local"


def opt_out_reason(variable, environment):
    """Why the setting turns the in-process path off, or None. The variable wins over the environment variable, as
    Ansible's own variables win over its environment settings. Ansible's booleans decide (BOOLEANS_TRUE keeps it,
    BOOLEANS_FALSE turns it off); an empty value counts as unset; any other value turns it off."""
    for name, value in ((OPT_OUT_VARIABLE, variable), (OPT_OUT_ENVIRONMENT, environment)):
        if value is None or (isinstance(value, str) and not value.strip()):  # an empty value is as good as unset
            continue
        normalised = value.strip().lower() if isinstance(value, str) else value
        if isinstance(normalised, (str, bool, int, float)):
            if normalised in BOOLEANS_TRUE:
                return None
            if normalised in BOOLEANS_FALSE:
                return "%s is %s" % (name, str(normalised).lower())
        return "%s is %r, neither true nor false" % (name, value)
    return None


def task_tokens(module_args, environment):
    """Every API token the task may carry: its api_token option (module_defaults included), VPS_API_TOKEN of the task's
    environment: keyword and of the controller's environment. The module uses the first that is set, but the module
    path shows the task's environment: at -vvv whichever the module uses, so each one must be kept out of output."""
    variable = ENV_SETTINGS["api_token"]
    candidates = (module_args.get("api_token"), environment.get(variable), os.environ.get(variable))
    return [token for token in candidates if isinstance(token, str) and token.strip()]


def same_python(interpreter, executable=None):
    """Whether ``interpreter`` is the Python running this: the same file once links are resolved, named from the same
    folder (a venv's python is a link to its base Python, and only the venv's folder makes it the venv's)."""
    executable = executable or sys.executable

    def identity(path):
        path = os.path.abspath(os.path.expanduser(path))
        return os.path.realpath(path), os.path.realpath(os.path.dirname(path))

    return identity(interpreter) == identity(executable)


class InProcessModuleAction(NormalAction):
    """Runs the module ``MODULE`` of this collection in-process when it is safe; else the module path."""

    MODULE = None  # the module's name in plugins/modules/, set by each action plugin

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        reason = self._module_path_reason(task_vars)
        # Templated only when it is used here: on the module path _execute_module templates it again, and a lookup in
        # environment: should run once per task, as it does for any module.
        environment = self._task_environment() if HAS_SECRET_MASKING or not reason else {}
        # ansible-core 2.22 masks a registered secret wherever it shows it, on both paths: in what this process shows
        # (the module path's command line at -vvv carries the task's environment:) and in the results.
        tokens = task_tokens(self._task.args, environment)
        for token in tokens:
            register_token(token)
        if reason:
            display.vvv("vpsorg.cloud: %s took the module path: %s" % (self.MODULE, reason))
            return super().run(tmp, task_vars)
        display.vvv("vpsorg.cloud: %s ran in-process" % self.MODULE)
        # ActionBase's own checks (async, check mode), as normal's run() makes them before _execute_module.
        result = ActionBase.run(self, tmp, task_vars)
        return merge_hash(result, run_module_in_process(self, self.MODULE, task_vars, environment, tokens))

    def _task_environment(self):
        """The task's environment: keyword as _execute_module gives it to a module process (templated, merged)."""
        environment = {}
        self._compute_environment_string(environment)
        return {str(key): to_text(value) for key, value in environment.items()}

    def _module_path_reason(self, task_vars):
        """Why this task must take the module path, or None when it may run in-process."""
        reason = opt_out_reason(self._templar.template(task_vars.get(OPT_OUT_VARIABLE)), os.environ.get(OPT_OUT_ENVIRONMENT))
        if reason:
            return reason
        connection = getattr(self._connection, "ansible_name", None) or self._connection.transport
        # ansible_aliases is None on a connection object the plugin loader did not make.
        if LOCAL_CONNECTION not in (getattr(self._connection, "ansible_aliases", None) or [connection]):
            return "the connection is %s, not local" % connection
        if self._play_context.become:
            return "become is set"
        if self._task.async_val:
            return "async is set"
        python = self._task_python(task_vars)
        if python not in DISCOVERY_MODES and not same_python(python):
            return "the task's Python is %s, not the controller's %s" % (python, sys.executable)
        if not HAS_REQUESTS:
            return "requests cannot be imported in the controller's Python %s" % sys.executable
        return None

    def _task_python(self, task_vars):
        """The task's ansible_python_interpreter as _execute_module would read it (variable, environment or ansible.cfg,
        of the delegated host when delegated), or one of DISCOVERY_MODES when none is set."""
        host_vars = task_vars
        if self._task.delegate_to:
            host_vars = task_vars.get("ansible_delegated_vars", {}).get(self._task.delegate_to, task_vars)
        value = C.config.get_config_value("INTERPRETER_PYTHON", variables=host_vars)
        return str(self._templar.template(value) or "").strip()
