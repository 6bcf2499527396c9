import { dataSource, onePositional, parseJsonData, requiredOption, stringOption, UsageError } from "./args";
import type { Command } from "./command";
import type { CommandContext } from "./context";
import { jsonDocument } from "./output";
import { acceptedEvent } from "./views";

async function readData(ctx: CommandContext, raw: string): Promise<unknown> {
  const source = dataSource(raw);
  switch (source.kind) {
    case "inline":
      return parseJsonData(source.text, "the argument");
    case "stdin":
      return parseJsonData(await ctx.readStdin(), "stdin");
    case "file": {
      let text: string;
      try {
        text = await ctx.readFile(source.path);
      } catch (err) {
        throw new UsageError(`--data: cannot read ${source.path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
      }
      return parseJsonData(text, source.path);
    }
  }
}

export const eventCommands: Command[] = [
  {
    name: "events emit",
    args: "<type>",
    summary: "Emit an event: one delivery per active webhook subscribed to its type",
    options: { data: { type: "string" }, "idempotency-key": { type: "string" } },
    optionHelp: [
      ["--data <json|@file|->", "the event's data, a JSON object: inline, @file.json, or - for stdin (required)"],
      ["--idempotency-key <key>", "emitting again with the same key creates nothing new (one is generated otherwise)"],
    ],
    details: `Examples:
  hookrelay events emit message.created --data '{"chatId":"chat_1","text":"hi"}'
  hookrelay events emit message.created --data @message.json
  jq -c . message.json | hookrelay events emit message.created --data -`,
    async run(ctx) {
      const type = onePositional(ctx.args, "type");
      const data = await readData(ctx, requiredOption(ctx.args, "data"));
      const idempotencyKey = stringOption(ctx.args, "idempotency-key");
      // The API says what is wrong with data that is not an object, field by field.
      const accepted = await ctx.client().events.emit({ type, data: data as Record<string, unknown>, ...(idempotencyKey ? { idempotencyKey } : {}) });
      ctx.io.out(ctx.json ? jsonDocument(accepted) : acceptedEvent(accepted));
    },
  },
];
