#!/usr/bin/env node
// netplumb: Docker-style container networks without a daemon. This file only
// wires the commands; each lives in its own file. Errors are one line,
// `netplumb: ...`, exit 1 (2 for usage); --debug adds the stack trace.
import { Command, CommanderError } from 'commander';
import { UsageError } from './context';
import { registerNetwork } from './network';
import { registerCreate } from './create';
import { registerRun } from './run';
import { registerExec } from './exec';
import { registerSandboxCommands } from './sandboxes';
import { registerGc } from './gc';
import { registerDemo } from './demo';
import { registerStats } from './stats';
import { registerEvents } from './events';
import { registerGraph } from './graph';

function buildProgram(): Command {
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
  registerNetwork(program);
  registerCreate(program);
  registerRun(program);
  registerExec(program);
  registerSandboxCommands(program);
  registerGc(program);
  registerStats(program);
  registerEvents(program);
  registerGraph(program);
  registerDemo(program);
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
    await buildProgram().parseAsync(argv, { from: 'user' });
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
