// Commands and long-running services for the deployment tests, started as an operator would start
// them (an executable and its arguments, nothing in-process), with their output kept for the
// failure message: a step that fails says which command, and what it printed.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface Ran {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; never rejects on a non-zero exit (the caller asserts the code). */
export function run(command: string, args: readonly string[], opts: SpawnOptions = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr }));
  });
}

/** Like run, but a non-zero exit is an error that quotes the command and its output. */
export async function runOk(command: string, args: readonly string[], opts: SpawnOptions = {}): Promise<Ran> {
  const ran = await run(command, args, opts);
  if (ran.code !== 0) throw new Error(`${[command, ...args].join(' ')} exited ${ran.code}\n--- stdout\n${ran.stdout}\n--- stderr\n${ran.stderr}`);
  return ran;
}

/** A long-running process (a coordinator, a party node) whose output is kept. */
export class Service {
  readonly name: string;
  readonly child: ChildProcess;
  output = '';

  constructor(name: string, command: string, args: readonly string[], opts: SpawnOptions = {}) {
    this.name = name;
    this.child = spawn(command, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (b: Buffer) => (this.output += b.toString()));
    this.child.stderr?.on('data', (b: Buffer) => (this.output += b.toString()));
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Resolves once the output contains `text`; fails with the output if the process ends or `timeoutMs` passes first. */
  waitFor(text: string, timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const started = Date.now();
      const check = () => {
        if (this.output.includes(text)) return resolve();
        if (this.exited || Date.now() - started > timeoutMs) return reject(new Error(`waiting for "${text}" from ${this.describe()}`));
        setTimeout(check, 50);
      };
      check();
    });
  }

  /** SIGTERM, then SIGKILL after 5 s; resolves once the process is gone. */
  stop(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
      setTimeout(() => this.child.kill('SIGKILL'), 5000).unref();
    });
  }

  /** For a failure message: the service's name, state and the tail of its output. */
  describe(): string {
    return `${this.name} (${this.exited ? `exited ${this.child.exitCode ?? this.child.signalCode}` : 'running'}):\n${this.output.slice(-3000)}`;
  }
}
