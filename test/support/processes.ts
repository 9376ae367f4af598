import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** The repository root (tests run from it). */
export const ROOT = process.cwd();
/** The compiled example app; `npm test` builds it before Jest runs. */
export const MAIN = join(ROOT, 'dist', 'main.js');

/** A free loopback TCP port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A running `node dist/main.js`, with what it printed so far. */
export interface RunningApp {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/**
 * Environment with nothing from the outside but PATH, HOME and NODE_OPTIONS (how the test run set
 * up Node itself: scripts/test-node24.sh), plus `env`.
 */
export function bareEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const { PATH, HOME, NODE_OPTIONS } = process.env;
  return { PATH, HOME, ...(NODE_OPTIONS ? { NODE_OPTIONS } : {}), ...env };
}

/** Starts the example app as `npm start` would and waits until it listens. */
export async function startMain(cwd: string, env: Record<string, string>): Promise<RunningApp> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build (npm test does)`);
  const child = spawn(process.execPath, [MAIN], { cwd, env: bareEnv(env) });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app did not start:\n${output}`)), 20_000);
    const check = () => {
      if (output.includes('nest-warden example on')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`app exited with ${code}:\n${output}`));
    });
  });
  return {
    child,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Runs `node dist/main.js` expecting it to refuse to boot; resolves with its exit code and stderr. */
export function runMainToExit(
  cwd: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN], { cwd, env: bareEnv(env) });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('the app booted instead of refusing'));
    }, 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
    });
  });
}
