import { Client, Pool, type QueryConfig } from "pg";
// pg's own conversion of JS values (arrays, dates, objects) to their text form, as it binds them.
import { prepareValue } from "pg/lib/utils";
import { createAccountsService } from "../../src/accounts/service";
import { insertAttempt, loadForAttempts, markSkipped, recordFailure, recordSuccesses, settleFailure, type AttemptRow } from "../../src/delivery/delivery-store";
import { ingestLookup, insertEventsWithDeliveries } from "../../src/events/event-store";
import { systemClock } from "../../src/lib/clock";
import { newId } from "../../src/lib/ids";
import { createDatabase, SESSION_SETTINGS } from "../../src/lib/prisma";
import { createTestDatabase, type TestDatabase } from "../support/database";

/**
 * The hot path's prepared statements run on generic plans (src/lib/prisma.ts), made once per
 * connection, possibly while the tables are still empty and never analysed, and then kept. A
 * plan that joins a big table by scanning it is cheap then and ruinous at a million rows: every
 * statement must reach every big table through an index, whatever the statistics say. Each is
 * run here once on a fresh database, then its cached plan is read back with EXPLAIN EXECUTE.
 */
const BIG_TABLES = ["deliveries", "events", "delivery_attempts", "webhooks", "api_keys"];

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Cond"?: string;
  Plans?: PlanNode[];
}

/** A time partition (src/retention/) counts as its table: `events_p20261201000000` is `events`. */
const tableOf = (relation: string) => relation.replace(/_p\d{14}$/, "");

/** "<node> on <table>" for every read of a whole table: a sequential scan, or an index scan with no condition. */
function scans(node: PlanNode): string[] {
  const whole = node["Node Type"] === "Seq Scan" || (/^Index( Only)? Scan$/.test(node["Node Type"]) && !node["Index Cond"]);
  const relation = node["Relation Name"] ? tableOf(node["Relation Name"]) : undefined;
  const own = whole && relation && BIG_TABLES.includes(relation) ? [`${node["Node Type"]} on ${relation}`] : [];
  return [...own, ...(node.Plans ?? []).flatMap(scans)];
}

describe("the hot path's generic plans", () => {
  let database: TestDatabase;
  let pool: Pool;
  const statements = new Map<string, unknown[]>();

  beforeAll(async () => {
    database = await createTestDatabase();
    // One connection, so the statements are prepared where they are explained.
    pool = new Pool({ connectionString: database.url, max: 1, options: SESSION_SETTINGS });
    const query = pool.query.bind(pool) as (config: QueryConfig) => Promise<unknown>;
    (pool as unknown as { query: (config: QueryConfig) => Promise<unknown> }).query = (config: QueryConfig) => {
      if (config.name) statements.set(config.name, config.values ?? []);
      return query(config);
    };
    const now = new Date();
    const { db, close } = createDatabase(database.url, 1);
    const { account } = await createAccountsService({ db, sql: pool, clock: systemClock }).create("plans");
    await db.$disconnect();
    await close();
    await pool.query({ text: "INSERT INTO webhooks (id, account_id, url, event_types, verify_token_cipher, verify_token_hint, updated_at) VALUES ('wh_1', $1, 'http://x', ARRAY['message.created'], 'c', 'h', now())", values: [account.id] });

    await ingestLookup(pool, account.id, ["message.created"]);
    // Real ids: the tables are partitioned by the time in them.
    const [evt, dlv] = [newId("evt", now.getTime()), newId("dlv", now.getTime())];
    const event = { id: evt, accountId: account.id, type: "message.created", data: "{}", idempotencyKey: null, createdAt: now };
    await insertEventsWithDeliveries(pool, [event], [{ id: dlv, accountId: account.id, webhookId: "wh_1", eventId: evt, eventType: "message.created", nextAttemptAt: now }]);
    await loadForAttempts(pool, [dlv]);
    const row: AttemptRow = {
      id: "att_1",
      deliveryId: dlv,
      webhookId: "wh_1",
      accountId: account.id,
      eventId: evt,
      eventType: "message.created",
      attemptNumber: 1,
      isTest: false,
      success: true,
      requestUrl: "http://x",
      requestHeaders: {},
      responseStatus: 200,
      responseTimeMs: 1,
      responseBody: "ok",
      errorClass: null,
      errorMessage: null,
      startedAt: now,
    };
    const settlement = { deliveryId: dlv, chain: 0, attemptCount: 1, chainAttempts: 1, at: now, statusCode: 200, lastError: null, status: "pending" as const, nextAttemptAt: now };
    await recordSuccesses(pool, [{ row, settlement }]);
    await insertAttempt(pool, { ...row, id: "att_2" });
    await recordFailure(pool, { ...row, id: "att_3", success: false }, now);
    await settleFailure(pool, settlement);
    await markSkipped(pool, dlv, 0, "test");
    // Well formed, so that it is looked up; unknown, so that nothing else runs.
    await createAccountsService({ db: null as never, sql: pool, clock: systemClock }).authenticate(`hr_${"a".repeat(12)}_${"b".repeat(43)}`);
  });

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it("covers every prepared statement of the hot path", () => {
    expect([...statements.keys()].sort()).toEqual(
      [
        "hr_api_key_by_prefix",
        "hr_ingest_lookup",
        "hr_insert_attempt",
        "hr_insert_events_with_deliveries",
        "hr_load_for_attempts",
        "hr_mark_skipped",
        "hr_record_failure",
        "hr_record_successes",
        "hr_settle_failure",
      ].sort(),
    );
  });

  it("reaches no big table by scanning it, in any of them", async () => {
    const found: Record<string, string[]> = {};
    // EXECUTE takes its arguments as literals (a utility statement has no parameters of its own).
    const literal = (v: unknown) => {
      const text = prepareValue(v) as string | null;
      return text === null ? "NULL" : Client.prototype.escapeLiteral(text);
    };
    for (const [name, values] of statements) {
      const { rows } = (await pool.query({ text: `EXPLAIN (FORMAT JSON) EXECUTE ${name}(${values.map(literal).join(", ")})` })) as unknown as { rows: { "QUERY PLAN": { Plan: PlanNode }[] }[] };
      found[name] = scans(rows[0]!["QUERY PLAN"][0]!.Plan);
    }
    expect(found).toEqual(Object.fromEntries([...statements.keys()].map((n) => [n, []])));
  });

  it("reads only the partitions their ids fall in (pruned as the generic plan starts)", async () => {
    const partitionsRead = (node: PlanNode): string[] => [
      ...(node["Relation Name"] && tableOf(node["Relation Name"]) !== node["Relation Name"] ? [node["Relation Name"]] : []),
      ...(node.Plans ?? []).flatMap(partitionsRead),
    ];
    const { rows: parts } = await pool.query({ text: "SELECT count(*)::int AS n FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'deliveries'" }) as unknown as { rows: { n: number }[] };
    // The template makes today's partitions and three days' ahead: several to choose from.
    expect(parts[0]!.n).toBeGreaterThanOrEqual(4);
    const literal = (v: unknown) => {
      const text = prepareValue(v) as string | null;
      return text === null ? "NULL" : Client.prototype.escapeLiteral(text);
    };
    const read: Record<string, string[]> = {};
    for (const name of ["hr_load_for_attempts", "hr_record_successes", "hr_record_failure", "hr_settle_failure", "hr_mark_skipped"]) {
      const values = statements.get(name)!;
      const { rows } = (await pool.query({ text: `EXPLAIN (FORMAT JSON) EXECUTE ${name}(${values.map(literal).join(", ")})` })) as unknown as { rows: { "QUERY PLAN": { Plan: PlanNode }[] }[] };
      // Reads and updates; an INSERT's target is routed per row and is not listed.
      read[name] = [...new Set(partitionsRead(rows[0]!["QUERY PLAN"][0]!.Plan).map(tableOf))].sort();
      // A hash of the events side would read every event in the range: each delivery's event is one probe.
      if (name === "hr_load_for_attempts") expect(JSON.stringify(rows[0]!["QUERY PLAN"])).not.toMatch(/"(Hash|Merge) Join"/);
      const perTable = new Map<string, number>();
      for (const p of partitionsRead(rows[0]!["QUERY PLAN"][0]!.Plan)) perTable.set(tableOf(p), (perTable.get(tableOf(p)) ?? 0) + 1);
      for (const [table, n] of perTable) expect(`${name} ${table} ${n}`).toBe(`${name} ${table} 1`);
    }
    expect(read).toMatchObject({ hr_load_for_attempts: ["deliveries", "events"] });
  });
});
