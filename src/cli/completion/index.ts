/** Completion scripts for every supported shell, from the live command tree. */
import type { Command } from 'commander';
import { bashScript } from './bash.ts';
import { fishScript } from './fish.ts';
import { type CommandSpec, commandSpec, type HintSource } from './model.ts';
import { BPFWARDEN_HINTS } from './values.ts';
import { zshScript } from './zsh.ts';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

const GENERATORS: Readonly<Record<Shell, (root: CommandSpec) => string>> = {
  bash: bashScript,
  zsh: zshScript,
  fish: fishScript,
};

export function completionScript(shell: Shell, root: Command, hints: HintSource = BPFWARDEN_HINTS): string {
  return GENERATORS[shell](commandSpec(root, hints));
}
