#!/usr/bin/env node
// The `fedmark` command: one entry point, one subcommand per role.
import { FedmarkError } from '../errors/table.ts';
import { UsageError } from '../protocol/usage.ts';
import { coordinatorCommand, keysCommand, modelsCommand, scoreCommand, simulateCommand, tokenCommand } from '../coordinator/cli/commands.ts';
import { partyCommand } from '../party-node/cli.ts';
import { jobsCommand } from '../coordinator/cli/jobs.ts';
import { partiesCommand } from '../coordinator/cli/parties.ts';
import { seedsCommand } from '../coordinator/cli/seeds.ts';
import { dashboardCommand } from '../coordinator/cli/dashboard.ts';
import { campaignCommand } from '../coordinator/cli/campaigns.ts';

const USAGE = `usage: fedmark <command> [options]   (fedmark <command> --help for each)

  coordinator   run the coordinator (HTTP API and party links)
  party         run a party node next to your data
  simulate      run a job file with a local coordinator and one process per party
  demo          run the demo job and say what to try next
  job, jobs     submit a job file (--watch to follow it), list, show and cancel jobs
  parties       which parties are online, and what they reported about their tables
  models        list, show, publish and retire model versions
  dashboard     the web dashboard's address, or a one-time sign-in link for it (--login-url)
  score         score customers by ID with a published model
  campaign      create, show and list campaigns with a control group (and a guest-alone arm)
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
    case 'job': case 'jobs': await jobsCommand(rest, command); break;
    case 'parties': await partiesCommand(rest); break;
    case 'models': await modelsCommand(rest); break;
    case 'score': await scoreCommand(rest); break;
    case 'keys': await keysCommand(rest); break;
    case 'token': tokenCommand(rest); break;
    case 'seeds': await seedsCommand(rest); break;
    case 'campaign': case 'campaigns': await campaignCommand(rest); break;
    case 'dashboard': await dashboardCommand(rest); break;
    case undefined: case '--help': case '-h': case 'help': console.log(USAGE); break;
    default:
      process.stderr.write(`fedmark: unknown command "${command}"\n${USAGE}\n`);
      process.exitCode = 2;
  }
} catch (err) {
  const message = err instanceof FedmarkError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
  // A bad flag (node:util parseArgs) or a missing argument gets a pointer to the command's help.
  const usage = err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') ? ` (see fedmark ${command} --help)` : '';
  process.stderr.write(`fedmark: ${message}${usage}\n`);
  process.exitCode = 2;
}
