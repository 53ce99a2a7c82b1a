// How the CLI prints: borderless, column-aligned tables like docker's (cli-table3),
// JSON with --json, and key: value blocks for inspect.
import type Table from 'cli-table3';

const borderless = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '   ',
};

/** Prints rows under a header, columns aligned, no borders. */
export function printTable(head: string[], rows: string[][]): void {
  // Loaded here, not at the top: the commands that print no table need not load it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const TableClass = require('cli-table3') as typeof Table;
  const table = new TableClass({ head, chars: borderless, style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 } });
  table.push(...rows);
  process.stdout.write(`${table.toString().split('\n').map((l) => l.trimEnd()).join('\n')}\n`);
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** `Key: value` lines; nested objects indented, arrays joined. */
export function printBlock(value: Record<string, unknown>, indent = ''): void {
  for (const [key, v] of Object.entries(value)) {
    if (v === undefined) continue;
    if (Array.isArray(v) && v.length && typeof v[0] === 'object') {
      process.stdout.write(`${indent}${key}:\n`);
      for (const item of v) {
        process.stdout.write(`${indent}  -\n`);
        printBlock(item as Record<string, unknown>, `${indent}    `);
      }
    } else if (v && typeof v === 'object' && !Array.isArray(v)) {
      if (Object.keys(v).length === 0) { process.stdout.write(`${indent}${key}: {}\n`); continue; }
      process.stdout.write(`${indent}${key}:\n`);
      printBlock(v as Record<string, unknown>, `${indent}  `);
    } else {
      process.stdout.write(`${indent}${key}: ${Array.isArray(v) ? v.join(', ') : String(v)}\n`);
    }
  }
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}

/** 'x seconds/minutes/hours/days ago', as docker's CREATED column. */
export function ago(iso: string): string {
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  if (s < 60) return `${s} second${s === 1 ? '' : 's'} ago`;
  if (s < 3600) return `${Math.round(s / 60)} minutes ago`;
  if (s < 86400) return `${Math.round(s / 3600)} hours ago`;
  return `${Math.round(s / 86400)} days ago`;
}
