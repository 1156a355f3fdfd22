#!/usr/bin/env node
// The `fedmark` command: one entry point, one subcommand per role.
import { FedmarkError } from '../protocol/errors.ts';
import { coordinatorCommand, jobCommand, keysCommand, modelsCommand, scoreCommand, simulateCommand, tokenCommand } from '../coordinator/cli/commands.ts';
import { partyCommand } from '../party-node/cli.ts';
import { seedsCommand } from '../coordinator/cli/seeds.ts';

const USAGE = `usage: fedmark <command> [options]   (fedmark <command> --help for each)

  coordinator   run the coordinator (HTTP API and party links)
  party         run a party node next to your data
  simulate      run a job file with a local coordinator and one process per party
  demo          run the demo job and say what to try next
  job           submit a job file to, or read a job from, a running coordinator
  models        list, show, publish and retire model versions
  score         score customers by ID with a published model
  keys          create and list API keys on a running coordinator (admin)
  seeds         upload a lookalike seed list to a party, sealed so the coordinator cannot read it
  token         create a party token, or an API key for the config file`;

const [command, ...rest] = process.argv.slice(2);
try {
  switch (command) {
    case 'coordinator': await coordinatorCommand(rest); break;
    case 'party': await partyCommand(rest); break;
    case 'simulate': await simulateCommand(rest); break;
    case 'demo': await simulateCommand(rest, true); break;
    case 'job': await jobCommand(rest); break;
    case 'models': await modelsCommand(rest); break;
    case 'score': await scoreCommand(rest); break;
    case 'keys': await keysCommand(rest); break;
    case 'token': tokenCommand(rest); break;
    case 'seeds': await seedsCommand(rest); break;
    case undefined: case '--help': case '-h': case 'help': console.log(USAGE); break;
    default:
      process.stderr.write(`fedmark: unknown command "${command}"\n${USAGE}\n`);
      process.exitCode = 2;
  }
} catch (err) {
  const message = err instanceof FedmarkError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
  process.stderr.write(`fedmark: ${message}\n`);
  process.exitCode = 2;
}
