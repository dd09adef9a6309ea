#!/usr/bin/env python3
"""Baseline: the rolling instance refresh of `ingot simulate rollout`, modelled in SimPy.

Usage:
    python3 Benchmarks/simpy_rollout.py --fleet-size 100000 --seed 1

The same model as Ingot's engine (Sources/IngotRollout/Engine/Engine.swift with RollingPlan.step), written
the ordinary SimPy way: a process per launched instance, and a decision process woken whenever
something changes. It is meant to be a fair, plain baseline, neither deliberately slow nor
heroically optimized.

The model:
- a fleet of N in-service instances on the previous configuration over 3 zones;
- MinHealthyPercentage 90, MaxHealthyPercentage omitted: the ceiling is desired capacity and the
  floor is min(ceil(0.9 * desired), desired - 1), so at least one instance is always replaced;
- at each decision point (after everything that happens at one instant): terminate outdated
  instances while in-service capacity stays at or above the floor (outdated ones not in service can
  always go), then launch replacements up to the ceiling;
- RunInstances is a token bucket, burst 1000, refill 2 per second; a launch without a token waits
  for one (tokens are reserved, so launches start in request order);
- each started launch fails with probability 0.02: the failed launch holds its slot for 10 s, then
  the slot is free and the next decision launches again;
- boot time (RunInstances to InService) is lognormal, median 45 s, sigma 0.25;
- 2% of new instances are unhealthy: they never pass their first health check (at InService + 300 s
  grace) and are detected 30 s after it, then terminated and replaced;
- a healthy instance counts as replaced once its warmup (300 s) and its grace period (300 s), both
  counted from InService, have passed: it is ready after its first health check;
- the refresh is Successful when no outdated instance remains and every new one is warmed up.

`events` counts what the engine counts: every launch start, failed-launch retry, InService, warmup
end (healthy instances) and unhealthy detection. The random streams differ from Ingot's, so the
results agree in distribution, not to the second.

Prints one JSON line: fleetSize, status, durationSeconds, launched, failedLaunches,
unhealthyReplaced, events, wallSeconds, peakRSSMiB.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import resource
import sys
import time

try:
    import simpy
except ImportError:  # pragma: no cover - an install hint, not a code path
    sys.exit("simpy_rollout.py needs SimPy: pip install simpy")

ZONES = 3
MIN_HEALTHY_PERCENTAGE = 90
LAUNCH_BURST = 1000.0
LAUNCH_RATE = 2.0  # tokens per second
LAUNCH_FAILURE_RATE = 0.02
LAUNCH_RETRY_DELAY = 10.0
BOOT_MEDIAN = 45.0
BOOT_SIGMA = 0.25
UNHEALTHY_RATE = 0.02
HEALTH_CHECK_GRACE = 300.0
HEALTH_CHECK_DETECTION = 30.0
WARMUP = 300.0  # no InstanceWarmup nor DefaultInstanceWarmup: the grace period
HORIZON = 7 * 86_400.0


class Refresh:
    """The fleet's counters and the refresh's decisions; instances are SimPy processes."""

    def __init__(self, env: simpy.Environment, fleet_size: int, seed: int) -> None:
        self.env = env
        self.rng = random.Random(seed)
        self.desired = fleet_size
        floor = (fleet_size * MIN_HEALTHY_PERCENTAGE + 99) // 100
        self.floor = min(floor, fleet_size - 1) if fleet_size > 0 else floor
        self.ceiling = fleet_size
        # Outdated instances only ever serve: they are counted, never scheduled.
        self.old_serving = [fleet_size // ZONES + (1 if z < fleet_size % ZONES else 0) for z in range(ZONES)]
        # Current (new) instances by state: pending covers waiting for a token, booting and failed.
        self.pending = 0
        self.warming = 0
        self.serving = 0
        self.zone_active = list(self.old_serving)
        self.tokens = LAUNCH_BURST
        self.token_time = 0.0
        self.launched = 0
        self.failed_launches = 0
        self.unhealthy_replaced = 0
        self.events = 0
        self.status = "InProgress"
        self.duration = 0.0
        self.finished = env.event()
        self.wake = env.event()

    # Decisions

    def changed(self) -> None:
        """Something happened: decide once this instant is over."""
        if not self.wake.triggered:
            self.wake.succeed()

    def decider(self):
        self.decide()
        while not self.finished.triggered:
            yield self.wake
            self.wake = self.env.event()
            # Let everything else scheduled for this instant happen first.
            yield self.env.timeout(0)
            self.decide()

    def decide(self) -> None:
        """RollingPlan.step with MaxHealthyPercentage omitted and no checkpoints."""
        old_active = sum(self.old_serving)
        current_active = self.pending + self.warming + self.serving
        if old_active == 0 and self.pending == 0 and self.warming == 0 and self.serving >= self.desired:
            self.status = "Successful"
            self.duration = self.env.now
            self.finished.succeed()
            return
        in_service = old_active + self.serving
        not_serving = 0  # outdated instances are never pending, warming or idle here
        terminate = min(old_active, max(0, in_service - self.floor) + not_serving)
        active = old_active + current_active
        launch = min(max(0, self.desired - current_active), max(0, self.ceiling - (active - terminate)))
        for _ in range(terminate):
            self.terminate_outdated()
        for _ in range(launch):
            self.launch()

    def terminate_outdated(self) -> None:
        """From the fullest zone, as the engine picks."""
        z = max(range(ZONES), key=lambda i: self.old_serving[i])
        self.old_serving[z] -= 1
        self.zone_active[z] -= 1

    def launch(self) -> None:
        z = min(range(ZONES), key=lambda i: self.zone_active[i])
        self.zone_active[z] += 1
        self.pending += 1
        # RunInstances' token bucket: take a token, or reserve the next one and wait for the refill.
        now = self.env.now
        self.tokens = min(LAUNCH_BURST, self.tokens + (now - self.token_time) * LAUNCH_RATE)
        self.token_time = now
        wait = 0.0 if self.tokens >= 1 else (1 - self.tokens) / LAUNCH_RATE
        self.tokens -= 1
        self.env.process(self.instance(z, wait))

    # One new instance's life

    def instance(self, zone: int, wait: float):
        env, rng = self.env, self.rng
        if wait > 0:
            yield env.timeout(wait)
        self.events += 1  # the launch starts
        if rng.random() < LAUNCH_FAILURE_RATE:
            self.failed_launches += 1
            yield env.timeout(LAUNCH_RETRY_DELAY)
            self.events += 1
            self.pending -= 1
            self.zone_active[zone] -= 1
            self.changed()
            return
        self.launched += 1
        unhealthy = rng.random() < UNHEALTHY_RATE
        yield env.timeout(BOOT_MEDIAN * math.exp(BOOT_SIGMA * rng.gauss(0.0, 1.0)))
        self.events += 1  # InService
        self.pending -= 1
        self.warming += 1
        self.changed()
        if unhealthy:
            # Never ready: found out after its first health check, at the end of the grace period.
            yield env.timeout(HEALTH_CHECK_GRACE + HEALTH_CHECK_DETECTION)
            self.events += 1
            self.warming -= 1
            self.zone_active[zone] -= 1
            self.unhealthy_replaced += 1
            self.changed()
            return
        yield env.timeout(max(WARMUP, HEALTH_CHECK_GRACE))
        self.events += 1  # warmed up and past its first health check: replaced
        self.warming -= 1
        self.serving += 1
        self.changed()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fleet-size", type=int, default=100_000, help="in-service instances at the start (default 100000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    args = parser.parse_args()
    if args.fleet_size < 1:
        parser.error("--fleet-size must be at least 1")

    started = time.perf_counter()
    env = simpy.Environment()
    refresh = Refresh(env, args.fleet_size, args.seed)
    env.process(refresh.decider())
    env.run(until=simpy.AnyOf(env, [refresh.finished, env.timeout(HORIZON)]))
    if not refresh.finished.triggered:
        refresh.status = "Failed"
        refresh.duration = env.now
    wall = time.perf_counter() - started

    print(json.dumps({
        "fleetSize": args.fleet_size,
        "status": refresh.status,
        "durationSeconds": round(refresh.duration, 3),
        "launched": refresh.launched,
        "failedLaunches": refresh.failed_launches,
        "unhealthyReplaced": refresh.unhealthy_replaced,
        "events": refresh.events,
        "wallSeconds": round(wall, 3),
        "peakRSSMiB": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }), flush=True)


if __name__ == "__main__":
    main()
