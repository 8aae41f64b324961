"""P1, P1m, P1c, P1s and P5: the vpsorg.cloud.vps inventory plugin against its comparison inventories."""

from __future__ import annotations

import math
import os

from . import environment, fixtures
from .measure import Command, Spread, alternate, compared, ratios, run_once, summary, walls
from .report import Figure

CONSTRUCTED = {
    "compose": {"ansible_user": "'debian' if vps_os.name is search('Debian') else 'ubuntu'"},
    "keyed_groups": [{"key": "vps_plan.name", "prefix": "plan"}],
    "groups": {"big": "vps_plan.vcpus >= 4"},
}


def inventory_command(ctx, label, source, cwd, **kwargs):
    return Command(label, [environment.tool("ansible-inventory"), "-i", source, "--list"], ctx.env, cwd, **kwargs)


def mebibytes(samples):
    return Spread([sample.maxrss_kib / 1024.0 for sample in samples]).format("%.0f") + " MiB"


class RequestCounter:
    """Counts the API requests the simulator logged during each run of a command."""

    def __init__(self, sim):
        self.sim = sim
        self.mark = None
        self.counts = []

    def before(self):
        self.mark = environment.log_mark(self.sim)

    def after(self, _sample):
        self.counts.append(sum(1 for entry in self.sim.request_log(since=self.mark) if entry["path"].startswith("/api/")))


def check_same_inventory(ctx, label, outputs):
    """Diff the normalised --list outputs against the first one; every difference becomes a note."""
    reference_label, reference_path = outputs[0]
    reference, reference_unsafe = fixtures.load_listing(reference_path)
    hosts = len(reference.get("_meta", {}).get("hostvars", {}))
    summary = ["%s: %d hosts, %d groups, %d values marked unsafe" % (
        reference_label, hosts, len([key for key in reference if key != "_meta"]), reference_unsafe)]
    for other_label, path in outputs[1:]:
        other, unsafe = fixtures.load_listing(path)
        found = fixtures.differences(reference, other)
        summary.append("%s: %s, %d values marked unsafe" % (
            other_label, "same hosts, groups and host variables" if not found else "DIFFERS", unsafe))
        if found:
            ctx.note("%s: %s --list differs from %s: %s" % (label, other_label, reference_label, "; ".join(found)))
    ctx.notes.append("%s, same inventory check (--list outputs with unsafe markers removed): %s" % (label, "; ".join(summary)))
    ctx.log("  " + "; ".join(summary))


def bench_p1(ctx):
    """P1 (a, b, c), P1m and P5 from the same rounds; then P5 with a warm cache."""
    sizes = ctx.sizes
    folder = ctx.folder("p1")
    sim, servers = ctx.seeded_simulator(sizes.p1_servers)
    ctx.log("P1: %d servers; writing the floor plugin's data, the script and the YAML file" % len(servers))
    counter = RequestCounter(sim)
    commands = [
        inventory_command(ctx, "vps", fixtures.write_vps_config(folder, sim.url), folder, before=counter.before, after=counter.after),
        inventory_command(ctx, "floor", fixtures.write_floor(folder, servers), folder),
        inventory_command(ctx, "script", fixtures.write_script(folder, servers), folder),
        # Ansible reads a static YAML file twice (the auto plugin tries it first), some 7x slower than the others: no warm-up.
        inventory_command(ctx, "yaml", fixtures.write_yaml(folder, servers), folder, warmup=False),
    ]
    samples = alternate(commands, sizes.p1_runs, folder, warmup=sizes.warmup, log=ctx.log)
    check_same_inventory(ctx, "P1", [(label, samples[label][-1].stdout_path) for label in ("vps", "floor", "script", "yaml")])
    vps = walls(samples["vps"])
    what = "ansible-inventory --list, %d servers" % len(servers)
    for key, label, baseline, target in (("P1 (a)", "floor", "floor plugin (add_host/set_variable/add_child from a JSON file)", 1.15),
                                         ("P1 (b)", "script", "inventory script printing the same JSON", 1.0),
                                         ("P1 (c)", "yaml", "static YAML inventory file", 0.3)):
        figure = Figure(key, what, baseline, ratios(vps, walls(samples[label])), "<=", target,
                        detail=compared(samples, "vps", label), judged=sizes.judged)
        ctx.figures.append(figure)
    ctx.figures.append(Figure("P1m", "peak memory (max RSS) of P1", "floor plugin",
                              ratios([s.maxrss_kib for s in samples["vps"]], [s.maxrss_kib for s in samples["floor"]]), "<=", 1.2,
                              detail="vps %s; floor %s; script %s; yaml %s" % tuple(mebibytes(samples[label]) for label in (
                                  "vps", "floor", "script", "yaml")), judged=sizes.judged))

    page_size_max = sim.config()["page_size_max"]
    pages = max(1, math.ceil(len(servers) / page_size_max))
    measured = counter.counts[1:] if sizes.warmup else counter.counts
    ctx.figures.append(Figure("P5", "API requests of one P1 inventory run, %d servers" % len(servers),
                              "list pages at the largest page size (%d)" % page_size_max, Spread(measured), "==", pages,
                              unit="req", judged=sizes.judged))
    ctx.figures.append(bench_p5_cache(ctx, sim, folder, len(servers)))


def bench_p5_cache(ctx, sim, folder, count):
    """P5 with cache: true: a cold run fills the cache, the next run must not ask the API at all."""
    cache_dir = os.path.join(folder, "inventory-cache")
    config = fixtures.write_vps_config(folder, sim.url, filename="cached.vps.yml", cache=True, cache_plugin="ansible.builtin.jsonfile",
                                       cache_connection=cache_dir, cache_timeout=3600)
    counter = RequestCounter(sim)
    for label in ("cold", "warm"):
        counter.before()
        run_once(inventory_command(ctx, "p5-cache-" + label, config, folder), folder)
        counter.after(None)
    ctx.log("P5: requests with cache: cold %d, warm %d" % tuple(counter.counts))
    return Figure("P5 warm cache", "API requests of P1 with a warm cache, %d servers" % count, "none", Spread(counter.counts[1:]), "==", 0,
                  unit="req", detail="cold run (fills the cache): %d requests" % counter.counts[0], judged=ctx.sizes.judged)


def bench_p1c(ctx):
    """P1 with compose, keyed_groups and groups, against the floor plugin doing the same through Constructable."""
    sizes = ctx.sizes
    folder = ctx.folder("p1c")
    sim, servers = ctx.seeded_simulator(sizes.p1_servers)
    commands = [
        inventory_command(ctx, "vps-constructed", fixtures.write_vps_config(folder, sim.url, **CONSTRUCTED), folder),
        inventory_command(ctx, "floor-constructed", fixtures.write_floor(folder, servers, **CONSTRUCTED), folder),
    ]
    ctx.log("P1c: %d servers, compose + keyed_groups + groups" % len(servers))
    samples = alternate(commands, sizes.p1_runs, folder, warmup=sizes.warmup, log=ctx.log)
    check_same_inventory(ctx, "P1c", [(label, samples[label][-1].stdout_path) for label in ("vps-constructed", "floor-constructed")])
    ctx.figures.append(Figure(
        "P1c", "P1 with compose (1 var), keyed_groups (plan name), groups (1 condition)", "floor plugin doing the same through Constructable",
        ratios(walls(samples["vps-constructed"]), walls(samples["floor-constructed"])), "<=", 1.15,
        detail=compared(samples, "vps-constructed", "floor-constructed"), judged=sizes.judged))


def bench_p1s(ctx):
    """P1 at three sizes, one simulator each, in the same rounds: the largest over the middle one."""
    sizes = ctx.sizes
    folder = ctx.folder("p1s")
    commands = []
    for count in sizes.p1s_servers:
        sim, _servers = ctx.seeded_simulator(count)
        commands.append(inventory_command(ctx, "vps-%d" % count, fixtures.write_vps_config(folder, sim.url, filename="s%d.vps.yml" % count),
                                          folder))
    ctx.log("P1s: sizes %s, %d rounds" % (", ".join(str(count) for count in sizes.p1s_servers), sizes.p1s_runs))
    samples = alternate(commands, sizes.p1s_runs, folder, warmup=False, log=ctx.log)
    small, middle, large = (walls(samples["vps-%d" % count]) for count in sizes.p1s_servers)
    detail = "; ".join(summary("%d servers" % count, samples["vps-%d" % count]) for count in sizes.p1s_servers)
    detail += "; %d/%d ratio %s" % (sizes.p1s_servers[1], sizes.p1s_servers[0], ratios(middle, small).format())
    ctx.figures.append(Figure("P1s", "P1 at %d servers" % sizes.p1s_servers[2], "P1 at %d servers (linear: %gx)" % (
        sizes.p1s_servers[1], sizes.p1s_servers[2] / sizes.p1s_servers[1]), ratios(large, middle), "<=", 5.5, detail=detail,
        judged=sizes.judged))
