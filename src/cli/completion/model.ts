/**
 * The command tree as shell completion needs it, read from commander at run
 * time: every visible command (with the implicit `help`), its options and
 * positional arguments, and what a value may be. The shell generators work on
 * this plain data only, so a command added to the program is completed
 * without touching them.
 */
import type { Argument, Command, Option } from 'commander';

/** What to offer for an option's value or a positional argument. */
export type ValueHint =
  | { readonly kind: 'choices'; readonly values: readonly string[]; readonly list?: boolean }
  | { readonly kind: 'file' }
  | { readonly kind: 'dir' }
  /** A network interface of this host. */
  | { readonly kind: 'iface' }
  /** Free text (an id, a time, a name): nothing to offer. */
  | { readonly kind: 'any' };

export interface OptionSpec {
  readonly long?: string;
  readonly short?: string;
  readonly description: string;
  /** undefined for a flag (no value). */
  readonly value?: ValueHint;
  /** Its name in the help, e.g. "path" for `--db <path>`. */
  readonly valueName?: string;
  readonly repeatable: boolean;
}

export interface ArgSpec {
  readonly name: string;
  readonly required: boolean;
  readonly variadic: boolean;
  readonly value: ValueHint;
}

export interface CommandSpec {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly description: string;
  /** Names from the root's child down to this command; [] for the root. */
  readonly path: readonly string[];
  readonly options: readonly OptionSpec[];
  readonly args: readonly ArgSpec[];
  readonly subcommands: readonly CommandSpec[];
}

/** Where value hints come from when commander has no `choices` for an option or argument. */
export interface HintSource {
  option(path: readonly string[], long: string): ValueHint | undefined;
  arg(path: readonly string[], name: string): ValueHint | undefined;
}

const ANY: ValueHint = { kind: 'any' };

/** A value name that says what it is: files and directories get the shell's own completion. */
function byValueName(name: string): ValueHint {
  if (/^(path|file|files|binary)$/i.test(name)) return { kind: 'file' };
  if (/^(dir|directory)$/i.test(name)) return { kind: 'dir' };
  if (/^(iface|interface)$/i.test(name)) return { kind: 'iface' };
  return ANY;
}

const firstLine = (s: string): string => s.split('\n')[0] ?? '';

function optionSpec(o: Option, path: readonly string[], hints: HintSource): OptionSpec {
  const base = {
    ...(o.long ? { long: o.long } : {}),
    ...(o.short ? { short: o.short } : {}),
    description: firstLine(o.description),
    repeatable: Array.isArray(o.defaultValue) || /repeatable/i.test(o.description),
  };
  if (!o.required && !o.optional) return base;
  const valueName = /[<[]([^>\]]+)[>\]]/.exec(o.flags)?.[1]?.replace(/\.\.\.$/, '') ?? 'value';
  const value: ValueHint = o.argChoices
    ? { kind: 'choices', values: o.argChoices }
    : ((o.long ? hints.option(path, o.long) : undefined) ?? byValueName(valueName));
  return { ...base, value, valueName, repeatable: base.repeatable || o.variadic };
}

function argSpec(a: Argument, path: readonly string[], hints: HintSource): ArgSpec {
  const value: ValueHint = a.argChoices
    ? { kind: 'choices', values: a.argChoices }
    : (hints.arg(path, a.name()) ?? byValueName(a.name()));
  return { name: a.name(), required: a.required, variadic: a.variadic, value };
}

/** Reads `cmd` and everything under it. */
export function commandSpec(cmd: Command, hints: HintSource, path: readonly string[] = []): CommandSpec {
  const help = cmd.createHelp();
  const visible = help.visibleCommands(cmd);
  const subcommands = visible.map((sub) => {
    const subPath = [...path, sub.name()];
    // The implicit `help [command]` is not in cmd.commands: its argument names a sibling.
    if (!cmd.commands.includes(sub)) {
      const siblings = visible.filter((c) => c !== sub).map((c) => c.name());
      return {
        name: sub.name(),
        aliases: sub.aliases(),
        description: firstLine(sub.description()),
        path: subPath,
        options: [],
        args: [
          {
            name: 'command',
            required: false,
            variadic: false,
            value: { kind: 'choices', values: siblings },
          } as const,
        ],
        subcommands: [],
      };
    }
    return commandSpec(sub, hints, subPath);
  });
  return {
    name: cmd.name(),
    aliases: cmd.aliases(),
    description: firstLine(cmd.summary() || cmd.description()),
    path,
    options: help.visibleOptions(cmd).map((o) => optionSpec(o, path, hints)),
    args: cmd.registeredArguments.map((a) => argSpec(a, path, hints)),
    subcommands,
  };
}

/** The root and every command under it, parents first. */
export function allCommands(root: CommandSpec): CommandSpec[] {
  return [root, ...root.subcommands.flatMap(allCommands)];
}

/** Every spelling of an option: `--type`, `-t`. */
export function optionNames(o: OptionSpec): string[] {
  return [o.long, o.short].filter((n): n is string => n !== undefined);
}
