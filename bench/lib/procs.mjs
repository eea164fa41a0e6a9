// Child processes of the harness: every one is tracked by pid, bounded by a timeout, and on
// exit or Ctrl-C only these pids are signalled.
import { spawn, spawnSync } from "node:child_process";

const children = new Map(); // pid -> ChildProcess
let stopping = false;

export function hasCommand(name) {
  return spawnSync("sh", ["-c", `command -v ${name}`], { stdio: "ignore" }).status === 0;
}

/**
 * Spawns `cmd args` (optionally `taskset -c cpu`, with `input` on stdin), killed by pid after
 * `timeoutMs`. Once stopAll() ran, only `duringCleanup` commands start.
 */
export function start(cmd, args, { cpu, timeoutMs, ipc = false, env, input, duringCleanup = false } = {}) {
  if (stopping && !duringCleanup) throw new Error("the harness is stopping");
  const [file, argv] = cpu === undefined ? [cmd, args] : ["taskset", ["-c", String(cpu), cmd, ...args]];
  const child = spawn(file, argv, {
    stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe", ...(ipc ? ["ipc"] : [])],
    env: env ?? process.env,
  });
  children.set(child.pid, child);
  if (input !== undefined) {
    child.stdin.on("error", () => {}); // an early exit is reported through its exit code
    child.stdin.end(input);
  }
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d) => (stdout += d));
  child.stderr.on("data", (d) => (stderr += d));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    stop(child);
  }, timeoutMs);
  const done = new Promise((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      children.delete(child.pid);
      resolve({ code, signal, stdout, stderr, timedOut });
    });
  });
  return { child, done };
}

/** The first error line of a child's stderr (and the next two), else its tail. */
function gist(stderr) {
  const lines = stderr.trim().split("\n");
  const i = lines.findIndex((line) => /^\w*Error\b|^Error|ERROR/.test(line.trim()));
  return i >= 0 ? lines.slice(i, i + 3).join(" | ").slice(0, 600) : stderr.trim().slice(-600);
}

/** Runs to completion; rejects unless it exits 0. */
export async function run(cmd, args, options) {
  const result = await start(cmd, args, options).done;
  if (result.code !== 0) {
    const why = result.timedOut ? `timed out after ${options.timeoutMs} ms` : `exited with ${result.code ?? result.signal}`;
    throw new Error(`${cmd} ${args.join(" ")} ${why}: ${gist(result.stderr)}`);
  }
  return result;
}

export function stop(child) {
  if (child.exitCode === null && child.signalCode === null) {
    try {
      process.kill(child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

export function stopAll() {
  stopping = true;
  for (const child of children.values()) stop(child);
}

/** The next IPC message of `child` that satisfies `match`, or a rejection after `timeoutMs`. */
export function nextMessage(child, match, timeoutMs) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off("message", onMessage);
      reject(new Error(`child ${child.pid}: no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    function onMessage(message) {
      if (!match(message)) return;
      clearTimeout(timer);
      child.off("message", onMessage);
      resolve(message);
    }
    child.on("message", onMessage);
  });
}
