# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""vps_server renames: by id only, sending only the name; a name another server carries is refused before any write,
so a rename never makes two servers of one name."""

from __future__ import annotations


def test_rename_needs_the_id_and_sends_only_the_name(api, run_server):
    server_id = api.add("web-1")
    result = run_server({"id": server_id, "name": "web-01"}, diff=True)
    assert result["changed"] is True
    assert api.writes() == [("update_server", server_id, {"name": "web-01"})]
    assert result["diff"] == {"before": {"name": "web-1", "hostname": None, "backups_enabled": False, "status": "active"},
                              "after": {"name": "web-01", "hostname": None, "backups_enabled": False, "status": "active"}}


def test_a_rename_to_a_name_another_server_carries_is_refused_without_a_write(api, run_server):
    api.add("web-1")
    taken = api.add("web-2")
    result = run_server({"id": 10001, "name": "web-2"})
    assert result["failed"] is True and result["changed"] is False
    assert "server id %d already carries that name" % taken in result["msg"]
    assert result["server_ids"] == [taken]
    assert api.writes() == []


def test_a_rename_to_a_free_name_is_made(api, run_server):
    api.add("web-1")
    result = run_server({"id": 10001, "name": "web-01"})
    assert result["changed"] is True
    assert api.servers[10001]["name"] == "web-01"
