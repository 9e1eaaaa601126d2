/** `kubectl help [COMMAND [SUBCOMMAND]]` and `kubectl options`: help that never needs a cluster. */
import { findCommand, listCommands, registerCommand } from '../command.ts';
import { findHelpTarget, formatCommandHelp, formatGlobalOptions, formatOverview } from '../help.ts';

registerCommand({
  name: 'help',
  summary: 'Help about any command',
  long: 'Help provides help for any command in the application.\nSimply type kubectl help [path to command] for full details.',
  usage: 'help [command] [flags] [options]',
  async run(ctx, args) {
    const [name, ...rest] = args;
    if (!name) {
      ctx.out.write(formatOverview(listCommands()));
      return 0;
    }
    const command = findCommand(name);
    if (!command) {
      // cobra answers an unknown topic on stdout, then the overview, and exits 0.
      ctx.out.write(`Unknown help topic [\`${name}\`]\n${formatOverview(listCommands())}`);
      return 0;
    }
    const { target, path } = findHelpTarget(command, rest);
    ctx.out.write(formatCommandHelp(target, path));
    return 0;
  },
});

registerCommand({
  name: 'options',
  summary: 'Print the list of flags inherited by all commands',
  long: 'Print the list of flags inherited by all commands',
  usage: 'options [flags] [options]',
  examples: '  # Print flags inherited by all commands\n  kubectl options',
  async run(ctx) {
    ctx.out.write(formatGlobalOptions());
    return 0;
  },
});
