/**
 * `icmix serve` as a child process for bench:serve and the load test: the real CLI, in its own
 * process so the load generator does not share its event loop. Stopped by its pid.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface ServerProcess {
  child: ChildProcess;
  pid: number;
  url: string;
  /** Everything the server wrote to stderr so far. */
  stderr(): string;
}

/** Start `icmix serve MODEL --port 0 --no-web ...extra`; resolves once it listens. */
export function startServer(model: string, extra: string[]): Promise<ServerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'serve', model, '--port', '0', '--no-web', ...extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve({ child, pid: child.pid!, url: m[1], stderr: () => err });
    });
    child.on('exit', (code) => reject(new Error(`icmix serve exited with ${code}:\n${err}`)));
  });
}

/** SIGTERM the server by its pid and wait for its exit code; SIGKILL if it has not exited in `graceMs`. */
export function stopServer(server: { child: ChildProcess; pid: number }, graceMs = 15_000): Promise<number | null> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => {
    child.removeAllListeners('exit');
    const kill = setTimeout(() => process.kill(server.pid, 'SIGKILL'), graceMs);
    child.on('exit', (code) => {
      clearTimeout(kill);
      resolve(code);
    });
    process.kill(server.pid, 'SIGTERM');
  });
}
