# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Concurrent runs on one name, late commits of lost creates, renames to a taken name, and refused tokens.

Several ansible-playbook processes are started together (subprocess.Popen, then wait) and meet at a
barrier before their task, so their lookups coincide (soak_concurrency.Barrier). Every verdict comes
from the simulator's own state (/_sim/servers) and its request log; what a run reports is read back
from the registered result it saved as JSON, and compared with that state.

The scenarios and their checks live in soak_concurrency.py, which repeats them (make soak-concurrency).
"""

from __future__ import annotations

import datetime
import json
import os
import time
import uuid

from reliability_support import mark_of, mark_task, play, run_ansible_together, run_playbook, write_yaml, writes
from soak_concurrency import (  # noqa: F401 (SIMULATOR_OPTIONS: read by the simulator fixture)  pylint: disable=unused-import
    CREATE_PATH,
    SIMULATOR_OPTIONS,
    Barrier,
    ensure_fleet,
    ensure_one,
    race_fleet,
    race_one_name,
    read_json,
    save_task,
)

# Creates are carried out (and answered) this long after they arrive, so every run of a race finds no server
# and creates one: the runs must converge, not merely find a server made a moment before.
CREATE_LATENCY = 1.5
CREATE_RULE = "^%s$" % CREATE_PATH


def named(sim, name):
    return [server for server in sim.servers() if server["name"] == name]


def parse_time(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def warnings_of(run, task="ensure"):
    return run.line(task)["result"].get("warnings") or []


def figures(label, verdict_or_runs, entries, servers):
    """One line of figures for docs/docsite/rst/guide_concurrency.rst (shown with pytest -rP)."""
    runs = getattr(verdict_or_runs, "runs", verdict_or_runs)
    creates = [entry for entry in entries if entry["method"] == "POST" and entry["path"] == CREATE_PATH]
    print("FIGURES %s: %d runs, %d servers, %d requests, %d creates, %d deletes, %.1fs slowest run" % (
        label, len(runs), len(servers), len(entries), len(creates), len([entry for entry in entries if entry["method"] == "DELETE"]),
        max(run.seconds for run in runs)))


def test_five_runs_ensuring_one_name_at_once_leave_one_server_and_all_return_its_id(sim, workdir, env):
    verdict = race_one_name(sim, workdir, env, "race-1", runs=5, create_latency=CREATE_LATENCY)
    figures("race", verdict, verdict.entries, sim.servers())
    assert verdict.problems == []
    servers = named(sim, "race-1")
    assert len(servers) == 1 and len(sim.servers()) == 1
    survivor = servers[0]["id"]
    assert [run.returncode for run in verdict.runs] == [0] * 5
    assert [report.get("race-1") for report in verdict.reports] == [survivor] * 5
    # The race really happened: every run found no server and created one (at least two did), and each
    # duplicate was deleted once, by the run that made it, never the survivor.
    creates, deleted = verdict.creates(), verdict.deleted_ids()
    assert len(creates) >= 2 and all(entry["status"] == 201 for entry in creates)
    assert survivor not in deleted
    assert len(deleted) == len(set(deleted)) == len(creates) - 1
    assert all(entry["status"] == 204 for entry in verdict.deletes())
    # The runs that lost name both ids: the kept one and their own, which is the one they deleted.
    losers = [warning for run in verdict.runs for warning in warnings_of(run) if "Another run created server race-1" in warning]
    assert sorted(losers) == sorted(
        "Another run created server race-1 at the same time. The earliest, id %d, is kept; this run's own server, id %d, was deleted."
        % (survivor, server_id) for server_id in deleted)
    # The survivor is the earliest server made (ids count up in creation order), and it ended as declared.
    assert survivor == 10001
    assert servers[0]["status"] == "active"


def test_three_fleets_ensuring_the_same_four_names_at_once_leave_four_servers(sim, workdir, env):
    names = ["fleet-%d" % number for number in range(1, 5)]
    verdict = race_fleet(sim, workdir, env, names, runs=3, create_latency=CREATE_LATENCY)
    figures("fleet", verdict, verdict.entries, sim.servers())
    assert verdict.problems == []
    servers = sim.servers()
    assert sorted(server["name"] for server in servers) == names
    assert all(server["status"] == "active" for server in servers)
    assert [run.returncode for run in verdict.runs] == [0] * 3
    ids = {server["name"]: server["id"] for server in servers}
    assert verdict.reports == [ids] * 3
    deleted = verdict.deleted_ids()
    assert not set(deleted) & set(ids.values())
    assert len(verdict.creates()) >= 5  # at least one name was raced
    assert len(deleted) == len(set(deleted)) == len(verdict.creates()) - 4


def test_a_lost_create_that_commits_late_is_waited_for_and_adopted_not_sent_again(sim, workdir, env):
    sim.set_faults([{"kind": "lost_answer", "method": "POST", "path": CREATE_RULE, "count": 1, "status": 502, "commit_delay": 2}])
    saved = os.path.join(workdir, "late.json")
    run = run_playbook(workdir, env, "late.yml", [ensure_one("late-1"), save_task(saved)], {"api_timeout": 5})
    entries = sim.request_log()
    figures("late commit", [run], entries, sim.servers())
    assert run.problems() == []
    servers = sim.servers()
    assert [server["name"] for server in servers] == ["late-1"]
    assert read_json(saved)["server"]["id"] == servers[0]["id"]
    creates = [entry for entry in entries if entry["method"] == "POST" and entry["path"] == CREATE_PATH]
    assert [(entry["status"], entry["fault"], entry["committed"]) for entry in creates] == [(502, "lost_answer", False)]
    assert writes(entries) == creates  # no re-send, no delete
    # The server really appeared about 2 s after the 502 (the module waited for it, it did not find it at once).
    assert (parse_time(servers[0]["created_at"]) - parse_time(creates[0]["time"])).total_seconds() >= 1.9
    assert warnings_of(run) == ["The answer to creating server late-1 was lost (answered 502); adopted server id %d." % servers[0]["id"]]


def test_a_create_sent_again_whose_first_create_lands_late_deletes_its_own_server(sim, workdir, env):
    """A create sent again converges like any other: the run knows the id its second create answered.

    The first create is answered 502 at once and carried out 2.75 s later; api_timeout is 2 s, so the run has given up
    waiting for it and sent the create again, which the API carries out 1.5 s after it arrives: after the first. The
    run's own (second) server is the later one; the run deletes it and adopts the first.
    """
    sim.set_faults([
        {"kind": "lost_answer", "method": "POST", "path": CREATE_RULE, "count": 1, "status": 502, "commit_delay": 2.75},
        {"kind": "latency", "method": "POST", "path": CREATE_RULE, "count": 1, "seconds": 1.5},
    ])
    saved = os.path.join(workdir, "resent.json")
    run = run_playbook(workdir, env, "resent.yml", [ensure_one("resent-1"), save_task(saved)], {"api_timeout": 2})
    assert run.problems() == []
    entries = sim.request_log()
    creates = [entry for entry in entries if entry["method"] == "POST" and entry["path"] == CREATE_PATH]
    deletes = [entry for entry in entries if entry["method"] == "DELETE"]
    servers = sim.servers()
    assert [server["name"] for server in servers] == ["resent-1"], "the run's own server is deleted, not left as a duplicate"
    assert len(creates) == 2 and len(deletes) == 1
    own_id = int(deletes[0]["path"].rstrip("/").rsplit("/", 1)[-1])
    assert own_id != servers[0]["id"]
    assert read_json(saved)["server"]["id"] == servers[0]["id"]
    assert ("Another server resent-1 appeared after this run sent its create again (another run's, or this run's first "
            "create landing late). The earliest, id %d, is kept; this run's own server, id %d, was deleted." % (
                servers[0]["id"], own_id)) in warnings_of(run)


def test_a_rename_to_a_name_another_server_carries_fails_naming_it_and_writes_nothing(sim, workdir, env):
    first, second = sim.seed(servers=[{"name": "ren-a"}, {"name": "ren-b"}])
    run = run_playbook(workdir, env, "rename.yml", [
        {"name": "taken", "vpsorg.cloud.vps_server": {"id": first["id"], "name": "ren-b"}, "ignore_errors": True},
        mark_task("mark", sim),
        # The same rename to a free name goes through: the refusal above is about the name, not the request.
        {"name": "free", "vpsorg.cloud.vps_server": {"id": first["id"], "name": "ren-c"}},
    ])
    assert run.problems(expect_success=False) == []
    assert run.failed("taken") and not run.failed("free")
    message = run.result("taken")["msg"]
    assert message == ("Cannot rename server ren-a (id %d) to ren-b: server id %d already carries that name (names must stay unique "
                       "for tasks to find servers by name). Rename or delete that server first." % (first["id"], second["id"]))
    assert run.result("taken")["server_ids"] == [second["id"]]
    mark = mark_of(run, "mark")
    entries = sim.request_log()
    assert [entry for entry in entries if entry["seq"] <= mark and entry["method"] in ("PATCH", "PUT")] == []
    assert writes([entry for entry in entries if entry["seq"] <= mark]) == []
    assert [(entry["method"], entry["path"]) for entry in writes(entries)] == [("PATCH", "/api/v1/servers/%d/" % first["id"])]
    assert sorted((server["id"], server["name"]) for server in sim.servers()) == [(first["id"], "ren-c"), (second["id"], "ren-b")]


def test_a_refused_token_is_named_by_where_it_came_from_and_never_shown(sim, workdir, env):
    wrong = "tok-WRONG-%s-never-show-me" % uuid.uuid4().hex
    tasks = [
        {"name": "server", "vpsorg.cloud.vps_server": {"name": "auth-1", "state": "present"}, "ignore_errors": True},
        {"name": "fleet", "vpsorg.cloud.vps_fleet": {"servers": [{"name": "auth-1"}]}, "ignore_errors": True},
    ]
    from_env = write_yaml(workdir, "token-env.yml", play(tasks))
    # The environment keeps the valid token in VPS_API_TOKEN: the option must take precedence, and be named.
    secret_vars = write_yaml(workdir, "secret.yml", {"vps_token": wrong})
    from_option = write_yaml(workdir, "token-option.yml", play(tasks, {"api_token": "{{ vps_token }}"}))
    env_run, option_run = run_ansible_together([
        (["ansible-playbook", from_env], dict(env, VPS_API_TOKEN=wrong)),
        (["ansible-playbook", from_option, "-e", "@" + secret_vars], env),
    ], workdir)
    for run, source in ((env_run, "the VPS_API_TOKEN environment variable"), (option_run, "the api_token option")):
        assert run.problems(expect_success=False) == []
        hint = ("The API refused the token taken from %s: set it to a valid API token of the VPS.org account (an api_token option "
                "given to the task takes precedence over VPS_API_TOKEN)" % source)
        for task in ("server", "fleet"):
            assert run.failed(task)
            message = run.result(task)["msg"]
            assert "GET /api/v1/servers/ answered 401: Invalid token." in message and message.endswith(hint), message
            assert run.result(task)["status"] == 401
        assert wrong not in run.output
        assert wrong not in json.dumps(run.results)
    # Each module sent one listing (refused), and nothing else.
    entries = sim.request_log()
    assert [(entry["method"], entry["status"]) for entry in entries] == [("GET", 401)] * 4
    assert sim.servers() == []


def test_a_lost_create_landing_after_another_runs_create_is_left_as_a_duplicate_that_the_next_run_names(sim, workdir, env):
    """A documented limit (docs/docsite/rst/guide_concurrency.rst): a run whose create answer was lost cannot tell its own server.

    Two runs at once: the first create to arrive is answered 502 and carried out 2 s later; the other is
    carried out after 1 s. The run that lost its answer waits (api_timeout), sees the other run's server
    appear and adopts it, deleting nothing; the late server is left as a duplicate, and the next run fails
    naming both ids, until the user deletes one.
    """
    sim.set_faults([
        {"kind": "lost_answer", "method": "POST", "path": CREATE_RULE, "count": 1, "status": 502, "commit_delay": 2},
        {"kind": "latency", "method": "POST", "path": CREATE_RULE, "seconds": 1},
    ])
    barrier = Barrier(workdir, "limit")
    saved = [os.path.join(workdir, "limit-%d.json" % number) for number in range(2)]
    commands = [(["ansible-playbook", write_yaml(workdir, "limit-%d.yml" % number, play(
        [barrier.task(number), ensure_one("lim-1"), save_task(saved[number])], {"api_timeout": 5}))], env) for number in range(2)]
    runs = run_ansible_together(commands, workdir, started=barrier.open_when_all_ready)
    deadline = time.monotonic() + 10
    while len(named(sim, "lim-1")) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    servers = sorted(named(sim, "lim-1"), key=lambda server: server["id"])
    assert [run.problems() for run in runs] == [[], []]
    assert len(servers) == 2
    early, late = servers
    assert parse_time(early["created_at"]) < parse_time(late["created_at"])
    # Both runs report the earlier server; neither knows the late one, and nothing was deleted.
    assert [read_json(path)["server"]["id"] for path in saved] == [early["id"]] * 2
    assert [entry for entry in sim.request_log() if entry["method"] == "DELETE"] == []
    assert sorted(warning for run in runs for warning in warnings_of(run)) == [
        "The answer to creating server lim-1 was lost (answered 502); adopted server id %d." % early["id"]]
    sim.clear_faults()

    after = run_playbook(workdir, env, "limit-next.yml", [
        dict(ensure_one("lim-1"), ignore_errors=True),
        {"name": "delete the late one", "vpsorg.cloud.vps_server": {"id": late["id"], "state": "absent"}},
        dict(ensure_one("lim-1"), name="again"),
    ])
    assert after.problems(expect_success=False) == []
    assert after.failed("ensure")
    assert after.result("ensure")["msg"] == "Found 2 servers named lim-1 (ids %d, %d); give the id of the one to manage." % (
        early["id"], late["id"])
    assert not after.failed("again") and after.result("again")["server"]["id"] == early["id"]
    assert [server["id"] for server in sim.servers()] == [early["id"]]


def test_a_run_looking_up_while_a_race_is_being_resolved_adopts_the_survivor(sim, workdir, env):
    """Two vps_fleet runs race on one name (both create); a third run, vps_server, looks the name up after both
    creates and before the loser deleted its server (deletes take 2 s here). It should end with the survivor, as
    the earlier runs do: the duplicate it saw was about to go."""
    sim.set_faults([{"kind": "latency", "method": "POST", "path": CREATE_RULE, "seconds": 1},
                    {"kind": "latency", "method": "DELETE", "seconds": 2}])
    racers, late = Barrier(workdir, "racers"), Barrier(workdir, "late")
    saved = [os.path.join(workdir, "window-%d.json" % number) for number in range(3)]
    plays = [[racers.task(0), ensure_fleet(["win-1"])], [racers.task(1), ensure_fleet(["win-1"])], [late.task(2), ensure_one("win-1")]]
    commands = [(["ansible-playbook", write_yaml(workdir, "window-%d.yml" % number, play(tasks + [save_task(saved[number])]))], env)
                for number, tasks in enumerate(plays)]

    def release(processes):
        racers.open_when_all_ready(processes[:2])
        deadline = time.monotonic() + 30
        while len([entry for entry in sim.request_log() if entry["method"] == "POST" and entry["status"] == 201]) < 2:
            if time.monotonic() > deadline:
                break
            time.sleep(0.01)
        late.open_when_all_ready(processes[2:])

    runs = run_ansible_together(commands, workdir, started=release)
    servers = named(sim, "win-1")
    entries = sim.request_log()
    # The race did happen (both racers created; the loser deleted its own server), and the racers converged.
    assert len([entry for entry in entries if entry["method"] == "POST" and entry["status"] == 201]) == 2
    assert len([entry for entry in entries if entry["method"] == "DELETE"]) == 1
    assert [run.problems() for run in runs[:2]] == [[], []]
    assert len(servers) == 1
    # The run that looked up while the duplicate still existed ends with the survivor too.
    assert not runs[2].failed("ensure"), runs[2].result("ensure").get("msg")
    assert runs[2].problems() == []
    assert read_json(saved[2])["server"]["id"] == servers[0]["id"]
