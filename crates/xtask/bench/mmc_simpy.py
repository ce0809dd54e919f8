"""The benchmark model in SimPy: M/M/8 at rho = 0.9 (lambda = 7.2/s, mu = 1/s).

Prints JSON with messages simulated per wall-clock second. Events are counted the way
Spillway counts them: two per message (arrival, service completion).
"""
import json
import random
import sys
import time

import simpy

SERVERS, ARRIVAL_RATE, SERVICE_RATE = 8, 7.2, 1.0


def run(horizon, seed):
    rng = random.Random(seed)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)
    done = [0]

    def customer():
        with servers.request() as request:
            yield request
            yield env.timeout(rng.expovariate(SERVICE_RATE))
        done[0] += 1

    def arrivals():
        while True:
            yield env.timeout(rng.expovariate(ARRIVAL_RATE))
            env.process(customer())

    env.process(arrivals())
    started = time.perf_counter()
    env.run(until=horizon)
    return done[0], time.perf_counter() - started


def main():
    horizon = float(sys.argv[1]) if len(sys.argv) > 1 else 20000.0
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    rates = []
    for seed in range(runs):
        messages, seconds = run(horizon, seed)
        rates.append(2 * messages / seconds)
    rates.sort()
    print(json.dumps({"events_per_second_median": rates[len(rates) // 2], "events_per_second": rates}))


if __name__ == "__main__":
    main()
