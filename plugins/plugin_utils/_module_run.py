# -*- coding: utf-8 -*-
# Copyright: (c) 2026, vpsorg.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One module of this collection run inside the controller's worker process, its result as ``_execute_module`` gives it.

PRIVATE: this file belongs to the vpsorg.cloud collection. Other collections must not
import it; it may change in any release without notice.

What a module process would get, it gets here: the arguments ``_update_module_args`` completes (check mode, diff,
no_log, verbosity, the module's name), serialised as ansible-core serialises them for a module; the task's
``environment:`` in ``os.environ``; ``AnsibleModule`` reading them from ``basic._ANSIBLE_ARGS``, as ansible-core's own
module tests make it do. What the module prints is read back by the action's ``_parse_returned_data``, then cleaned as
``_execute_module`` cleans it, so the result has the keys and values the module path gives on that core.

Everything the run changes in this process is put back afterwards: the arguments, the environment, the warnings
ansible-core collects for a module's result, standard output and error, and (ansible-core 2.19 and later) the flag
that tells module code it runs in the controller, which would make ``module.warn()`` print at once instead of
returning the warning in the result.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import io
import json
import os
import signal
import sys
import traceback

from ansible.module_utils import basic
from ansible.module_utils.common import warnings as module_warnings


try:  # ansible-core 2.16 to 2.21; 2.22 cleans a module's result with a method of the result
    from ansible.vars.clean import remove_internal_keys
except ImportError:
    remove_internal_keys = None

try:  # ansible-core 2.19 and later: module code asks this flag whether it runs in the controller
    from ansible.module_utils import _internal as module_utils_internal
except ImportError:
    module_utils_internal = None

# ansible-core 2.19 and later pass arguments and results in a serialisation profile; this collection's modules declare
# none, so theirs is the default one.
MODULE_PROFILE = "legacy" if hasattr(basic, "_ANSIBLE_PROFILE") else None
MODULES_PACKAGE = "ansible_collections.vpsorg.cloud.plugins.modules"


def run_module_in_process(action, module_name, task_vars, environment, secrets):
    """The result of the collection's module ``module_name`` run in this process for ``action``'s task, with
    ``environment`` (the task's environment: keyword) in os.environ; ``secrets`` are kept out of a crash's message."""
    module_args = copy.copy(action._task.args)
    action._update_module_args(action._task.action, module_args, task_vars)
    output = run_main(module_name, encoded_arguments(module_args), environment, secrets)
    return module_result(action, output)


def module_code(module_name):
    """The Python module of the collection's module ``module_name``."""
    return importlib.import_module("%s.%s" % (MODULES_PACKAGE, module_name))


def preload(module_name):
    """Import the module ahead. Importing it (with requests and the client) costs more than running it; the action
    plugins call this when Ansible loads them, in the process that forks the workers, so each worker finds it imported.
    A module that cannot be imported fails its tasks when they run (run_main), not the loading of the plugin."""
    try:
        module_code(module_name)
    except Exception:  # pylint: disable=broad-exception-caught
        pass


def encoded_arguments(module_args):
    """The module's arguments as ansible-core encodes them for a module process."""
    params = dict(ANSIBLE_MODULE_ARGS=module_args)
    if MODULE_PROFILE is None:  # ansible-core 2.16 to 2.18
        from ansible.parsing.ajson import AnsibleJSONEncoder  # pylint: disable=import-outside-toplevel
        return json.dumps(params, cls=AnsibleJSONEncoder, vault_to_text=True).encode("utf-8")
    from ansible.module_utils.common.json import Direction, get_module_encoder  # pylint: disable=import-outside-toplevel
    return json.dumps(params, cls=get_module_encoder(MODULE_PROFILE, Direction.CONTROLLER_TO_MODULE)).encode("utf-8")


def run_main(module_name, arguments, environment, secrets):
    """``{"rc", "stdout", "stderr"}`` of the module's main() run here, as a module process would have ended."""
    stdout, stderr = io.StringIO(), io.StringIO()
    rc = 0
    with module_context(arguments, environment, stdout, stderr):
        try:
            module_code(module_name).main()
        except SystemExit as exit_:
            rc = 0 if exit_.code is None else exit_.code if isinstance(exit_.code, int) else 1
            if not isinstance(exit_.code, (int, type(None))):
                # A process would print it to standard error, which the result shows as module_stderr.
                stderr.write(mask_secrets(str(exit_.code), secrets))
        except Exception as exc:  # pylint: disable=broad-exception-caught
            # A bug must end this task with a failure, not end the worker; the module path shows a module crash too.
            rc = 1
            stdout.write(crash_output(module_name, exc, secrets))
    return dict(rc=rc, stdout=stdout.getvalue(), stderr=stderr.getvalue())


def crash_output(module_name, exc, secrets):
    """A module's failure for an exception it did not handle, without the secrets."""
    result = dict(
        failed=True,
        msg="%s failed in the controller's process: %s: %s" % (module_name, type(exc).__name__, exc),
        exception="".join(traceback.format_exception(type(exc), exc, exc.__traceback__)),
    )
    return json.dumps({key: mask_secrets(value, secrets) if isinstance(value, str) else value for key, value in result.items()})


def mask_secrets(text, secrets):
    """``text`` with each of ``secrets`` replaced by ``********``."""
    for secret in secrets:
        if isinstance(secret, str) and secret:
            text = text.replace(secret, "********")
    return text


@contextlib.contextmanager
def module_context(arguments, environment, stdout, stderr):
    """This process as a module process would be for the length of one run, put back as it was afterwards."""
    saved_arguments = basic._ANSIBLE_ARGS
    # ansible-core 2.19 and later keep the parsed arguments (the token among them) here once a module has read them.
    saved_parsed_arguments = getattr(basic, "_PARSED_MODULE_ARGS", None)
    saved_profile = getattr(basic, "_ANSIBLE_PROFILE", None)
    saved_environment = dict(os.environ)
    saved_warnings = collected_messages()
    saved_is_controller = getattr(module_utils_internal, "is_controller", None)
    saved_stacktrace_signal = signal.getsignal(signal.SIGUSR1)  # AnsibleModule of 2.22 sets a handler of its own
    saved_streams = sys.stdout, sys.stderr
    try:
        basic._ANSIBLE_ARGS = arguments
        if MODULE_PROFILE is not None:
            basic._ANSIBLE_PROFILE = MODULE_PROFILE
        os.environ.update(environment)
        clear_collected_messages()
        if saved_is_controller is not None:
            module_utils_internal.is_controller = False
        sys.stdout, sys.stderr = stdout, stderr
        yield
    finally:
        sys.stdout, sys.stderr = saved_streams
        signal.signal(signal.SIGUSR1, saved_stacktrace_signal)
        if saved_is_controller is not None:
            module_utils_internal.is_controller = saved_is_controller
        restore_collected_messages(saved_warnings)
        restore_environment(saved_environment)
        basic._ANSIBLE_ARGS = saved_arguments
        if hasattr(basic, "_PARSED_MODULE_ARGS"):
            basic._PARSED_MODULE_ARGS = saved_parsed_arguments
        if MODULE_PROFILE is not None:
            basic._ANSIBLE_PROFILE = saved_profile


def restore_environment(saved):
    """os.environ as ``saved``, changing only what differs (the task's environment:, and what the module set)."""
    for key in set(os.environ) - set(saved):
        del os.environ[key]
    for key, value in saved.items():
        if os.environ.get(key) != value:
            os.environ[key] = value


def collected_messages():
    """The warnings and deprecations ansible-core keeps for a module's result (a list before 2.19, a dict since)."""
    return copy.copy(module_warnings._global_warnings), copy.copy(module_warnings._global_deprecations)


def clear_collected_messages():
    module_warnings._global_warnings.clear()
    module_warnings._global_deprecations.clear()


def restore_collected_messages(saved):
    clear_collected_messages()
    for collected, kept in zip((module_warnings._global_warnings, module_warnings._global_deprecations), saved):
        if isinstance(collected, dict):
            collected.update(kept)
        else:
            collected.extend(kept)


def module_result(action, output):
    """The module's output read as _execute_module reads it: parsed by the action, internal keys removed."""
    if MODULE_PROFILE is None:
        parsed = action._parse_returned_data(output)
    else:
        parsed = action._parse_returned_data(output, MODULE_PROFILE)
    if hasattr(parsed, "as_result_dict"):  # ansible-core 2.22: a UnifiedTaskResult
        parsed.remove_internal_keys()
        return parsed.as_result_dict(for_round_trip=True)
    parsed.pop("_ansible_suppress_tmpdir_delete", None)
    remove_internal_keys(parsed)
    return parsed
