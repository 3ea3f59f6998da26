/** A configuration that cannot be used: every problem, one line each (see src/config/problem.ts). */
import { type ConfigProblem, formatProblem } from '../config/problem.ts';
import { AgentError } from '../domain/agent-error.ts';

export class ConfigError extends AgentError {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    super('AGENT_CONFIG', problems.map(formatProblem).join('\n'));
    this.problems = problems;
    // Known (and tested) as an agent error, as before the registry.
    this.name = 'AgentError';
  }
}
