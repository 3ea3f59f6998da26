/** `bpfwarden completion bash|zsh|fish`: a completion script for the whole command tree, as it is now. */
import { Argument, type Command } from 'commander';
import { completionScript, SHELLS, type Shell } from '../completion/index.ts';

function rootOf(cmd: Command): Command {
  let c = cmd;
  while (c.parent) c = c.parent;
  return c;
}

export function registerCompletionCommand(
  program: Command,
  out: NodeJS.WritableStream = process.stdout,
): void {
  program
    .command('completion')
    .description('print a shell completion script (bash, zsh or fish)')
    .addArgument(new Argument('<shell>', 'the shell to complete for').choices(SHELLS))
    .addHelpText(
      'after',
      `
Examples:
  $ source <(bpfwarden completion bash)                      bash, this shell only
  $ bpfwarden completion bash > /etc/bash_completion.d/bpfwarden
  $ bpfwarden completion zsh > "\${fpath[1]}/_bpfwarden"      zsh (then: compinit)
  $ bpfwarden completion fish > ~/.config/fish/completions/bpfwarden.fish

The script is generated from the commands of this bpfwarden: regenerate it
after an upgrade.`,
    )
    .action((shell: Shell, _opts: unknown, cmd: Command) => {
      out.write(completionScript(shell, rootOf(cmd)));
    });
}
