/** The bpfwarden command tree. */
import { Command } from 'commander';
import { DEFAULT_DB_PATH } from '../agent/paths.ts';
import { registerAgentCommand } from './commands/agent.ts';
import { registerDoctorCommand } from './commands/doctor.ts';
import { registerEventsCommand } from './commands/events.ts';

export function buildProgram(): Command {
  const program = new Command('bpfwarden')
    .description('eBPF host monitoring and enforcement agent')
    .version('0.1.0')
    .showSuggestionAfterError(true)
    .exitOverride();
  registerAgentCommand(program);
  registerEventsCommand(program, { defaultDbPath: DEFAULT_DB_PATH, out: process.stdout, env: process.env });
  registerDoctorCommand(program);
  program.addHelpText(
    'after',
    `
Exit codes: 0 ok, 1 failure, 2 bad usage, 3 host not ready (doctor).`,
  );
  return program;
}
