/**
 * `bpfwarden config check [FILE]` and `bpfwarden config show`: validate a
 * configuration, and show the effective one with where each value came from.
 */
import type { Command } from 'commander';
import { ConfigError, explainConfig } from '../../agent/config.ts';
import { type ConfigProblem, formatProblem, keyLabel, originLabel } from '../../config/problem.ts';
import { redact } from '../../config/redact.ts';
import { leaves } from '../../domain/config-diff.ts';
import { ExitCode } from '../errors.ts';
import { useColor } from '../format/color.ts';
import { renderTable } from '../format/table.ts';

function problemJson(p: ConfigProblem): Record<string, unknown> {
  return { source: originLabel(p.origin), key: keyLabel(p.path), message: p.message, text: formatProblem(p) };
}

function valueText(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function registerConfigCommand(
  program: Command,
  out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout,
): void {
  const config = program
    .command('config')
    .description('check and show the configuration (files, BPFWARDEN_* environment, flags)')
    .addHelpText(
      'after',
      `
Examples:
  $ bpfwarden config check                       the effective configuration: ok, or every problem
  $ bpfwarden config check ./bpfwarden.yaml      one file over the defaults, before installing it
  $ bpfwarden config show                        every key, its value and where it came from
  $ BPFWARDEN_STORE__FLUSH_INTERVAL_MS=50 bpfwarden config show --json`,
    );

  config
    .command('check')
    .argument('[file]', 'a config file to check on its own (YAML, JSON or TOML)')
    .description('validate FILE, or the effective configuration; prints ok or every problem (exit 1)')
    .option('--json', 'as one JSON object')
    .addHelpText(
      'after',
      `
Without FILE, checks what the agent would run with: /etc/bpfwarden/config.*,
then $XDG_CONFIG_HOME/bpfwarden/config.*, then BPFWARDEN_* variables. With FILE,
checks that file alone over the defaults.`,
    )
    .action((file: string | undefined, opts: { json?: boolean }) => {
      const r = file === undefined ? explainConfig() : explainConfig({ file, env: {} });
      if (opts.json) {
        out.write(
          `${JSON.stringify(r.ok ? { ok: true } : { ok: false, problems: r.problems.map(problemJson) })}\n`,
        );
      } else {
        out.write(r.ok ? 'ok\n' : `${r.problems.map(formatProblem).join('\n')}\n`);
      }
      if (!r.ok) process.exitCode = ExitCode.FAILURE;
    });

  config
    .command('show')
    .description('the effective configuration and the source of every value')
    .option('--config <file>', 'instead of /etc/bpfwarden/config.* and ~/.config/bpfwarden/config.*')
    .option('--json', 'as one JSON object')
    .action((opts: { config?: string; json?: boolean }) => {
      const r = explainConfig(opts.config ? { file: opts.config } : {});
      if (!r.ok) throw new ConfigError(r.problems);
      const shown = redact(r.config);
      const values = leaves(shown, [], { expandLists: true }).map(({ path, value }) => {
        const origin = r.sourceOf(path);
        return { key: path.join('.'), value, source: originLabel(origin), origin };
      });
      if (opts.json) {
        out.write(`${JSON.stringify({ layers: r.layers.map((l) => l.name), config: shown, values })}\n`);
        return;
      }
      out.write(`layers (lowest first): defaults${r.layers.map((l) => `, ${l.name}`).join('')}\n`);
      out.write(
        renderTable(
          [{ header: 'KEY' }, { header: 'VALUE', max: 80 }, { header: 'SOURCE' }],
          values.map((v) => [v.key, valueText(v.value), v.source]),
          { color: useColor(out, process.env) },
        ),
      );
    });
}
