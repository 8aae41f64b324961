"""scripts/deprecations.py: which deprecation warnings count as pointing at the collection."""

from __future__ import annotations

# On sys.path through the pythonpath setting of pytest.ini.
import deprecations  # pylint: disable=import-error

ANSIBLE_WARNING = ("[DEPRECATION WARNING]: Accepting inventory variable with invalid name 'vps_ipv6-address'. "
                   "This feature will be removed from ansible-core version 2.23.\nOrigin: <unknown>\n")
CORE_PYTHON_WARNING = ("/venv/lib/python3.11/site-packages/ansible/_internal/_ssh/_ssh_agent.py:18: "
                       "DeprecationWarning: DSA is deprecated\n  from cryptography import dsa\n")
OUR_PYTHON_WARNING = ("/x/.cache/collections/ansible_collections/vpsorg/cloud/plugins/inventory/vps.py:42: "
                      "PendingDeprecationWarning: old call\n")


def test_an_ansible_deprecation_warning_counts_even_without_an_origin():
    assert deprecations.find("TASK [x]\n" + ANSIBLE_WARNING + "ok: [testhost]\n") == [ANSIBLE_WARNING.splitlines()[0]]


def test_a_python_deprecation_warning_counts_only_in_the_collection_files():
    assert deprecations.find(CORE_PYTHON_WARNING) == []
    assert deprecations.find(OUR_PYTHON_WARNING) == [OUR_PYTHON_WARNING.strip()]


def test_findings_keep_the_order_of_the_output():
    found = deprecations.find(OUR_PYTHON_WARNING + CORE_PYTHON_WARNING + ANSIBLE_WARNING)
    assert found == [OUR_PYTHON_WARNING.strip(), ANSIBLE_WARNING.splitlines()[0]]


def test_plain_warnings_and_mentions_do_not_count():
    text = "[WARNING]: Deprecation warnings can be disabled by setting `deprecation_warnings=False`\nno [DEPRECATION WARNING] here\n"
    assert deprecations.find(text) == []


def test_the_command_line_fails_on_a_file_that_holds_one(tmp_path, capsys):
    clean, dirty = tmp_path / "clean.log", tmp_path / "dirty.log"
    clean.write_text(CORE_PYTHON_WARNING)
    dirty.write_text(ANSIBLE_WARNING)
    assert deprecations.main([str(clean)]) == 0
    assert deprecations.main([str(clean), str(dirty)]) == 1
    assert "1 deprecation warning(s) point at vpsorg.cloud in %s" % dirty in capsys.readouterr().err


def test_a_library_in_the_trees_venv_is_not_the_collection():
    library = deprecations.REPO_ROOT + "/.venv/lib/python3.11/site-packages/pip/_internal/metadata/importlib/_envs.py"
    ours = deprecations.REPO_ROOT + "/scripts/matrix.py"
    assert deprecations.find(library + ":111: DeprecationWarning: pkg_resources is deprecated as an API\n") == []
    assert deprecations.find(ours + ":1: DeprecationWarning: old\n") == [ours + ":1: DeprecationWarning: old"]
