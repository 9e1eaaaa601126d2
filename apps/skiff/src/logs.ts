// `./skiff logs COMPONENT [-f]`: a component's pino log, pretty-printed (issue #22; being built).

export async function runLogs(_args: string[]): Promise<number> {
  console.error('skiff logs: not built yet');
  return 1;
}
