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
  { names: ['stats'], load: () => (require('./stats') as typeof import('./stats')).registerStats },
  { names: ['events'], load: () => (require('./events') as typeof import('./events')).registerEvents },
  { names: ['graph'], load: () => (require('./graph') as typeof import('./graph')).registerGraph },
  { names: ['demo'], load: () => (require('./demo') as typeof import('./demo')).registerDemo },
];
/* eslint-enable @typescript-eslint/no-require-imports */

/** The command argv names (its first word that is not an option), if netplumb has it. */
function invoked(argv: string[]): (typeof COMMANDS)[number] | undefined {
  const word = argv.slice(2).find((a) => !a.startsWith('-'));
  return COMMANDS.find((c) => word !== undefined && c.names.includes(word));
}

function buildProgram(): Command {
  const program = new Command();
  program
    .name('netplumb')
    .description('Docker-style container networks without a daemon')
    .version(require('../../../package.json').version as string)
    .option('--debug', 'show stack traces on errors')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`netplumb: ${text.replace(/^error: /, '')}`) });
  const one = invoked(process.argv);
  for (const c of one ? [one] : COMMANDS) c.load()(program);
  return program;
}

async function main(): Promise<void> {
  const debug = process.argv.includes('--debug') || !!process.env.NETPLUMB_DEBUG;
  try {
    await buildProgram().parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has printed its message (or the help) already.
      process.exitCode = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(err.code) ? 0 : 2;
      return;
    }
    const e = err as Error;
    process.stderr.write(`netplumb: ${String(e?.message ?? e).replace(/\s*\n\s*/g, '; ')}\n`);
    if (debug && e?.stack) process.stderr.write(`${e.stack}\n`);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  }
}

void main();
