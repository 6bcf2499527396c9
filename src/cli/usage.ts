/**
 * `hookrelay` — operator commands. They need only DATABASE_URL (and `secrets rotate` the
 * keyring): provisioning an account must not require the API's secrets or a running API.
 * Every other command (the API's) is @hookrelay/client's CLI, which bin/hookrelay.js hands it to.
 *
 * The usage lives apart from the code so that bin/hookrelay.js can show it in `hookrelay --help`
 * beside the API commands without loading the database layer.
 */
export const OPERATOR_COMMANDS = ["migrate", "accounts", "keys", "demo", "secrets"] as const;

export const USAGE = `usage:
  hookrelay migrate                              apply database migrations and sync built-in event types
  hookrelay accounts create <name>               create an account; prints {"accountId","apiKey"}
  hookrelay keys create --account <id> [--name]  issue another API key; prints {"accountId","keyId","apiKey"}
  hookrelay demo --state-file <path>             ensure a demo account whose key is kept in <path>
  hookrelay secrets rotate                       re-encrypt stored secrets with the first key of HOOKRELAY_ENCRYPTION_KEYS`;
