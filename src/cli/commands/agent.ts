/** `bpfwarden agent`: runs capture until SIGINT/SIGTERM. */
import type { Command } from 'commander';
import { Agent } from '../../agent/agent.ts';
import { resolveConfig } from '../../agent/config.ts';

export function registerAgentCommand(program: Command): void {
  program
    .command('agent')
    .description('run the agent: load the monitors and store what they capture')
    .option('--db <path>', 'database file (default /var/lib/bpfwarden/bpfwarden.db)')
    .option('--config <file>', 'configuration file (YAML or JSON)')
    .addHelpText(
      'after',
      `
Examples:
  sudo bpfwarden agent
  sudo bpfwarden agent --db /tmp/bw.db --config ./bpfwarden.yaml

Stops cleanly on SIGINT or SIGTERM: programs are detached, events still in the
ring buffers are stored, and the database is closed.`,
    )
    .action(async (opts: { db?: string; config?: string }) => {
      const config = resolveConfig({
        ...(opts.config ? { file: opts.config } : {}),
        overrides: opts.db ? { database: opts.db } : {},
      });
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
      process.on('SIGHUP', () => log('SIGHUP: nothing to reload yet'));
      await agent.start();
      const sig = await signal;
      log(`${sig}: stopping`);
      const t = await agent.stop();
      log(
        `stopped: ${t.events} events captured, ${t.stored} stored, lost ${t.kernelDrops + t.queueDropped} (kernel ${t.kernelDrops}, queue ${t.queueDropped})${t.missedRuns ? `; ${t.missedRuns} program runs missed by the kernel (possible losses)` : ''}`,
      );
    });
}
