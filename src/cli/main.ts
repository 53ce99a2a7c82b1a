#!/usr/bin/env node
// netplumb: Docker-style container networks without a daemon. This file only
// wires the commands; each lives in its own file. Errors are one line,
// `netplumb: ...`, exit 1 (2 for usage); --debug adds the stack trace.
import { enableCompileCache } from './compile-cache';
enableCompileCache(); // first, so that every module after it (commander too) is compiled from the cache
import { Command, CommanderError } from 'commander';
import { UsageError } from './context';

type Register = (program: Command) => void;

// Each command's file, loaded only when that command runs (or for help and
// errors, every one): loading them all costs more than many commands' work
// (the graph renderer's WebAssembly, the stats and event machinery...).
/* eslint-disable @typescript-eslint/no-require-imports */
const COMMANDS: Array<{ names: string[]; load: () => Register }> = [
  { names: ['network'], load: () => (require('./network') as typeof import('./network')).registerNetwork },
  { names: ['create'], load: () => (require('./create') as typeof import('./create')).registerCreate },
  { names: ['run', '_supervise'], load: () => (require('./run') as typeof import('./run')).registerRun },
  { names: ['exec'], load: () => (require('./exec') as typeof import('./exec')).registerExec },
  { names: ['ps', 'inspect', 'rm', 'port'], load: () => (require('./sandboxes') as typeof import('./sandboxes')).registerSandboxCommands },
  { names: ['gc'], load: () => (require('./gc') as typeof import('./gc')).registerGc },
  { names: ['watch'], load: () => (require('./watch') as typeof import('./watch')).registerWatch },
  { names: ['stats'], load: () => (require('./stats') as typeof import('./stats')).registerStats },
  { names: ['events'], load: () => (require('./events') as typeof import('./events')).registerEvents },
  { names: ['graph'], load: () => (require('./graph') as typeof import('./graph')).registerGraph },
  { names: ['demo'], load: () => (require('./demo') as typeof import('./demo')).registerDemo },
];
/* eslint-enable @typescript-eslint/no-require-imports */

/** The command argv names (its first word that is not an option), if netplumb has it. */
function invoked(argv: string[]): (typeof COMMANDS)[number] | undefined {
  const word = argv.find((a) => !a.startsWith('-'));
  return COMMANDS.find((c) => word !== undefined && c.names.includes(word));
}

function buildProgram(argv: string[]): Command {
  const program = new Command();
  program
    .name('netplumb')
    .description('Docker-style container networks without a daemon')
    .version(require('../../../package.json').version as string)
    .option('--debug', 'show stack traces on errors')
    .enablePositionalOptions()
    .exitOverride()
    // One line per error, as every other error: commander's suggestion ("Did you mean ...?") joins it.
    .configureOutput({ outputError: (text, write) => write(`netplumb: ${text.replace(/^error: /, '').trimEnd().replace(/\s*\n\s*/g, ' ')}\n`) });
  const one = invoked(argv);
  for (const c of one ? [one] : COMMANDS) c.load()(program);
  return program;
}

/**
 * Runs one netplumb command line (the arguments after `netplumb`) in this
 * process and returns its exit status: 0, 1 for a failure, 2 for a usage
 * error. Output goes to process.stdout and process.stderr; errors are one
 * line, `netplumb: ...` (with the stack trace too under --debug). Tests drive
 * many invocations through it without starting a process for each.
 */
export async function runCli(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug') || !!process.env.NETPLUMB_DEBUG;
  const outer = process.exitCode;
  process.exitCode = undefined;
  try {
    await buildProgram(argv).parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? 0);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed its message (or the help) already.
      return ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code) ? 0 : 2;
    }
    const e = err as Error;
    process.stderr.write(`netplumb: ${String(e?.message ?? e).replace(/\s*\n\s*/g, '; ')}\n`);
    if (debug && e?.stack) process.stderr.write(`${e.stack}\n`);
    return err instanceof UsageError ? 2 : 1;
  } finally {
    process.exitCode = outer;
  }
}

if (require.main === module) {
  void runCli(process.argv.slice(2)).then((status) => { process.exitCode = status; });
}
