/** `bpfwarden agent`: runs capture until SIGINT/SIGTERM; SIGHUP reloads the configuration. */
import type { Command } from 'commander';
import { Agent } from '../../agent/agent.ts';
import { explainConfig, type ResolveOptions, resolveConfig } from '../../agent/config.ts';
import { lostSummary } from '../../agent/status-line.ts';
import { formatProblem } from '../../config/problem.ts';

/** Re-reads every layer; a configuration with problems is refused and the running one stays. */
async function reloadConfig(agent: Agent, opts: ResolveOptions, log: (line: string) => void): Promise<void> {
  let r: ReturnType<typeof explainConfig>;
  try {
    r = explainConfig(opts);
  } catch (err) {
    // A reload never takes the agent down, whatever the files hold.
    log(`SIGHUP: new configuration rejected (${(err as Error).message}); still running on the previous one`);
    return;
  }
  if (!r.ok) {
    log(
      `SIGHUP: new configuration rejected (${r.problems.length === 1 ? '1 problem' : `${r.problems.length} problems`}); still running on the previous one:`,
    );
    for (const p of r.problems) log(`  ${formatProblem(p)}`);
    return;
  }
  log('SIGHUP: reloading the configuration');
  try {
    await agent.reload(r.config);
  } catch (err) {
    log(`SIGHUP: reload failed: ${(err as Error).message}`);
  }
}

export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description('run the agent: load the monitors and store what they capture')
    .option('--db <path>', 'database file (default /var/lib/bpfwarden/bpfwarden.db)')
    .option(
      '--config <file>',
      'configuration file (YAML, JSON or TOML); replaces /etc/bpfwarden/config.* and ~/.config/bpfwarden/config.*',
    )
    .option(
      '--unload-on-exit',
      'remove the enforcement programs (firewall, egress, exec policy) at a clean stop; by default they keep enforcing',
    )
    .addHelpText(
      'after',
      `
Examples:
  sudo bpfwarden agent
  sudo bpfwarden agent --db /tmp/bw.db --config ./bpfwarden.yaml

Stops cleanly on SIGINT or SIGTERM: programs are detached, events still in the
ring buffers are stored, and the database is closed. On SIGHUP it re-reads its
configuration (files, BPFWARDEN_* environment, flags) and applies detection
rules, alert routes and sinks and kernel-map filters live; other changes are
logged as needing a restart, and an invalid configuration is refused.`,
    )
    .action(async (opts: { db?: string; config?: string; unloadOnExit?: boolean }) => {
      const sources: ResolveOptions = {
        ...(opts.config ? { file: opts.config } : {}),
        flags: [
          ...(opts.db ? [{ flag: '--db', path: ['database'], value: opts.db }] : []),
          ...(opts.unloadOnExit
            ? [{ flag: '--unload-on-exit', path: ['enforcement', 'unloadOnExit'], value: true }]
            : []),
        ],
      };
      const config = resolveConfig(sources);
      const log = (line: string): void => {
        process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[K' : ''}bpfwarden: ${line}\n`);
      };
      const agent = new Agent(config, { log, ...(process.stderr.isTTY ? { tty: process.stderr } : {}) });
      // Signals are handled from the first moment: one arriving while the agent
      // starts stops it as soon as it has started, never kills it half-way.
      let signalled: (sig: string) => void = () => {};
      const signal = new Promise<string>((resolve) => {
        signalled = resolve;
      });
      process.once('SIGINT', () => signalled('SIGINT'));
      process.once('SIGTERM', () => signalled('SIGTERM'));
      const started = agent.start();
      // A SIGHUP during start waits for it; reloads run one at a time (Agent.reload).
      process.on('SIGHUP', () => {
        started.then(
          () => reloadConfig(agent, sources, log),
          () => undefined,
        );
      });
      await started;
      const sig = await signal;
      log(`${sig}: stopping`);
      const t = await agent.stop();
      log(
        `stopped: ${t.events} events captured, ${t.stored} stored, ${lostSummary(t)}${t.missedRuns ? `; ${t.missedRuns} program runs missed by the kernel (possible losses)` : ''}`,
      );
    });
}
