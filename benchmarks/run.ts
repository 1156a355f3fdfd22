// Benchmark dispatcher: `npm run bench -- <name> [--json] [flags]`.
// Each benchmark is a module benchmarks/<name>.ts exporting `run(args)`. Results go to stdout
// (a table, or with --json exactly one JSON line); progress and diagnostics go to stderr.
// Exit codes: 0 done, 1 the benchmark failed, 2 no or unknown benchmark name.

export interface Benchmark {
  run(args: string[]): Promise<void>;
}

// A closed table rather than a directory scan, so a helper module is never mistaken for a benchmark.
const BENCHMARKS = {
  psi: {
    summary: 'ECDH-PSI end to end (coordinator + two party processes) against the X25519 hardware bound',
    load: (): Promise<Benchmark> => import('./psi.ts'),
  },
  'he-layouts': {
    summary: 'HE packing layouts for Xᵀ·Enc(d) (CKKS slots, CKKS blocks, BFV coefficients) and whole-epoch simulations',
    load: (): Promise<Benchmark> => import('./he-layouts.ts'),
  },
  scoring: {
    summary: 'online scoring latency (p50/p95) for 1 to 10,000 IDs per call against two party processes',
    load: (): Promise<Benchmark> => import('./scoring.ts'),
  },
  resume: {
    summary: 'a host SIGKILLed mid-training and restarted: overhead in epochs, AUC difference, checkpoint sizes, fresh arbiter key cost',
    load: (): Promise<Benchmark> => import('./resume.ts'),
  },
  'lookalike-pu': {
    summary: 'lookalike PU strategies (unlabelled-negative, class prior, bagging, spy) on bank-marketing: recall at 20%, bank alone and joint',
    load: (): Promise<Benchmark> => import('./lookalike-pu.ts'),
  },
  horizontal: {
    summary: 'horizontal FL, 3 members, MLP of ~10k parameters: seconds and bytes per round with CKKS secure aggregation against plaintext FedAvg',
    load: (): Promise<Benchmark> => import('./horizontal.ts'),
  },
  'horizontal-stopping': {
    summary: 'horizontal stopping rule and strategies on a skewed default_credit split, in process: rounds run and AUC against pooled training',
    load: (): Promise<Benchmark> => import('./horizontal-stopping.ts'),
  },
  'gbdt-quality': {
    summary: 'federated gradient-boosted trees (50 trees) against the plaintext reference and centralised XGBoost on breast, default_credit and bank-marketing; lookalike recall',
    load: (): Promise<Benchmark> => import('./gbdt-quality.ts'),
  },
  scale: {
    summary: 'issue 15 at scale: PSI of N × N IDs and an incremental rerun with peak RSS per party, a vertical LR epoch at 1M × (30 + 300), Parquet and PostgreSQL loads',
    load: (): Promise<Benchmark> => import('./scale.ts'),
  },
  'vertical-lr': {
    summary: 'vertical logistic regression: seconds and bytes per epoch against the plaintext reference',
    load: (): Promise<Benchmark> => import('./vertical-lr.ts'),
  },
  monitoring: {
    summary: 'what score monitoring adds to a scoring call: counts in memory and the day\'s PSI, against a store commit per call',
    load: (): Promise<Benchmark> => import('./monitoring.ts'),
  },
  'vertical-gbdt': { summary: 'vertical GBDT: plaintext reference and the encrypted histogram step per tree (FATE shape, bank-marketing scale), bytes and ratios', load: (): Promise<Benchmark> => import('./vertical-gbdt.ts') },
} as const satisfies Record<string, { summary: string; load: () => Promise<Benchmark> }>;

type Name = keyof typeof BENCHMARKS;

function isName(value: string | undefined): value is Name {
  return value !== undefined && Object.hasOwn(BENCHMARKS, value);
}

function usage(): string {
  const width = Math.max(...Object.keys(BENCHMARKS).map((n) => n.length));
  const rows = Object.entries(BENCHMARKS).map(([name, b]) => `  ${name.padEnd(width)}  ${b.summary}`);
  return `usage: npm run bench -- <name> [--json] [flags]   (<name> --help for its flags)\n\navailable benchmarks:\n${rows.join('\n')}`;
}

const [name, ...rest] = process.argv.slice(2);
if (!isName(name)) {
  if (name !== undefined && name !== '--help' && name !== '-h') process.stderr.write(`bench: unknown benchmark "${name}"\n`);
  process.stderr.write(`${usage()}\n`);
  process.exitCode = 2;
} else {
  try {
    const bench = await BENCHMARKS[name].load();
    await bench.run(rest);
  } catch (err) {
    const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? `${err.code}: ` : '';
    process.stderr.write(`bench ${name}: FAILED: ${code}${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
}
