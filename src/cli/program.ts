/** The bpfwarden command tree. */
import { Command } from 'commander';
import { DEFAULT_DB_PATH } from '../host/paths.ts';
import { adoptAgentDatabase } from './agent-api.ts';
import { registerAgentCommand } from './commands/agent.ts';
import { registerAlertsCommand } from './commands/alerts.ts';
import { registerCompletionCommand } from './commands/completion.ts';
import { registerConfigCommand } from './commands/config.ts';
import { registerDbCommand } from './commands/db.ts';
import { registerDoctorCommand } from './commands/doctor.ts';
import { registerEventsCommand } from './commands/events.ts';
import { registerEventsSummaryCommand } from './commands/events-summary.ts';
import { registerFirewallCommand } from './commands/firewall.ts';
import { registerKernelCommand } from './commands/kernel.ts';
import { registerLinkCommand } from './commands/link.ts';
import { registerPolicyCommand } from './commands/policy.ts';
import { registerProgCommand } from './commands/prog.ts';
import { registerRatelimitCommand } from './commands/ratelimit.ts';
import { registerReconcileCommand } from './commands/reconcile.ts';
import { registerRulesCommand } from './commands/rules.ts';
import { registerStatusCommand } from './commands/status.ts';

export function buildProgram(): Command {
  const program = new Command('bpfwarden')
    .description('eBPF host monitoring and enforcement agent')
    .version('0.1.0')
    .showSuggestionAfterError(true)
    .enablePositionalOptions()
    .exitOverride()
    .hook('preAction', (_program, action) => adoptAgentDatabase(action));
  registerAgentCommand(program);
  const eventsDeps = { defaultDbPath: DEFAULT_DB_PATH, out: process.stdout, env: process.env };
  registerEventsSummaryCommand(registerEventsCommand(program, eventsDeps), eventsDeps);
  registerDoctorCommand(program);
  registerStatusCommand(program);
  registerDbCommand(program);
  registerRulesCommand(program, DEFAULT_DB_PATH);
  registerAlertsCommand(program, DEFAULT_DB_PATH);
  registerProgCommand(program);
  registerLinkCommand(program);
  registerKernelCommand(program);
  registerReconcileCommand(program);
  registerPolicyCommand(program);
  registerConfigCommand(program);
  registerFirewallCommand(program);
  registerRatelimitCommand(program);
  registerCompletionCommand(program);
  program.addHelpText(
    'after',
    `
Examples:
  $ sudo bpfwarden doctor                     can this host run the agent?
  $ sudo bpfwarden agent                      capture until Ctrl-C
  $ bpfwarden status                          one screen on the running agent
  $ bpfwarden events --type exec --since 10m  what ran in the last 10 minutes
  $ bpfwarden alerts list --severity high
  $ source <(bpfwarden completion bash)       TAB completion (also zsh, fish)

Every command that prints data takes --json (one JSON object per line for lists).
Colour only on a terminal, never with NO_COLOR set; FORCE_COLOR=1 forces it.

Exit codes: 0 ok, 1 failure, 2 bad usage, 3 host not ready (see: bpfwarden doctor).`,
  );
  return program;
}
