/**
 * Commands that are only a family of subcommands (`config`, `auth`, `certificate`): the
 * parent accepts every subcommand's flags, hands the line to the subcommand named first, and
 * without one prints its help to stderr and exits 1, as kubectl's DefaultSubCommandRun does.
 */
import type { Command } from './command.ts';
import { unknownSubcommandError } from './errors.ts';
import { formatCommandHelp } from './help.ts';

export function parentCommand(parent: Omit<Command, 'run' | 'subcommands' | 'flags'>, subcommands: Command[]): Command {
  const command: Command = {
    ...parent,
    subcommands,
    flags: [...new Map(subcommands.flatMap((c) => c.flags ?? []).map((f) => [f.name, f])).values()],
    async run(ctx, args) {
      const [name = '', ...rest] = args;
      const sub = subcommands.find((c) => c.name === name || c.aliases?.includes(name));
      if (sub) return sub.run(ctx, rest);
      if (name) throw unknownSubcommandError(parent.name, args);
      ctx.err.write(formatCommandHelp(command));
      return 1;
    },
  };
  return command;
}
