/** Entry point: `node apps/kubectl/src/main.ts <command> [args] [flags]`. */
import { runCli } from './run-cli.ts';

const code = await runCli(process.argv.slice(2));
// Flush stdout before exiting: piped output (kubectl get | head) must not be cut short.
process.stdout.write('', () => process.exit(code));
