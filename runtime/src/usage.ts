/** The `payment-webhooks` command's help: one text per command, and the overview of all. */

const FILTERS = '--status S --provider P --kind K --error TEXT --from ISO --to ISO';

const COMMANDS: Record<string, string> = {
  start: `start [--config FILE] [--role ingress|worker|both]
    Runs the runtime until SIGTERM or SIGINT. Without --config: ./payment-webhooks.config.yaml
    when there is one, else the example config.`,
  config: `config check FILE
    Validates FILE as start would and prints every problem, each naming its field.`,
  'dead-letters': `dead-letters list [FILTERS] [--limit N]
  dead-letters show ID
  dead-letters replay ID [--dry-run]
  dead-letters replay --all [FILTERS] [--dry-run]
  dead-letters purge --before ISO_DATE | --all
    FILTERS: ${FILTERS}
    Reads the storage of the config (--config FILE, default as for start) directly, so it
    also works while the runtime is stopped. --dry-run prints how many would be replayed.`,
  'send-test-event': `send-test-event --provider P --secret S --url URL [--kind K] [--field NAME=VALUE ...]
    Signs a realistic event as gateway P does and POSTs it to URL, the runtime's
    http://HOST:PORT/webhooks/SOURCE. --field passes the extra fields some schemes sign with.`,
};

export const COMMAND_NAMES = Object.keys(COMMANDS);

export const USAGE = `usage: payment-webhooks <command> [options]
${Object.values(COMMANDS)
  .map((text) => `  ${text}`)
  .join('\n')}
  help [COMMAND]
    This text, or one command's (also: COMMAND --help, -h).`;

/** One command's help, or the overview for an unknown or absent one. */
export function usageOf(command: string | undefined): string {
  const text = command === undefined ? undefined : COMMANDS[command];
  return text ? `usage: payment-webhooks ${text}` : USAGE;
}
