// The protocol every in-process endpoint driver follows, so the harness can
// time library peers without their start-up (Node, Python, imports):
//   driver prints {"setupNs": N} when all endpoints are set up, then waits for
//   a line on stdin; on it, it tears them down and prints
//   {"teardownStartNs": T}, T on CLOCK_MONOTONIC (process.hrtime), which the
//   harness compares with the moment its link watcher saw the last veth gone.
import * as readline from 'readline';

/** Clock the harness and the floor share: CLOCK_MONOTONIC, in nanoseconds. */
export function monotonicNs(): bigint {
  return process.hrtime.bigint();
}

export function reportSetup(ns: bigint): void {
  process.stdout.write(`${JSON.stringify({ setupNs: Number(ns) })}\n`);
}

export function reportTeardownStart(at: bigint): void {
  process.stdout.write(`${JSON.stringify({ teardownStartNs: Number(at) })}\n`);
}

/** Resolves on the harness's go-ahead line; false when stdin closed without one (no teardown wanted). */
export function awaitGo(): Promise<boolean> {
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin });
    let got = false;
    rl.once('line', () => {
      got = true;
      rl.close();
      process.stdin.destroy(); // else the open pipe keeps the process alive after teardown
      resolve(true);
    });
    rl.once('close', () => {
      if (!got) resolve(false);
    });
  });
}

/** Endpoint i's names and address, the same plan for every peer. */
export interface EndpointPlan {
  netns: string;
  hostVeth: string;
  /** CIDR on the container's eth0. */
  cidr: string;
  gateway: string;
}

export function endpointPlan(prefix: string, subnet16: string, i: number): EndpointPlan {
  const host = i + 2;
  return {
    netns: `${prefix}n${i}`,
    hostVeth: `${prefix}v${i}`,
    cidr: `${subnet16}.${host >> 8}.${host & 255}/16`,
    gateway: `${subnet16}.0.1`,
  };
}
