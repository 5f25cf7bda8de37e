/**
 * The local AWS IoT rules engine: every message a client publishes is matched against the topology's topic rules,
 * each matching rule's SQL is evaluated and its action executed; a failed evaluation or action goes to the rule's
 * error action (an injected callback — the stack stores it as a dead letter, as the cloud's SQS error action does).
 *
 * All rules are parsed when the engine is built, so unsupported SQL stops `npm start` instead of firing wrongly.
 */
import type { AedesPublishPacket, Client } from 'aedes';
import type { StreamName, TopicRuleSpec } from '../topology.ts';
import {
  evaluateIotSql,
  type IotSqlContext,
  type ParsedIotSql,
  parseIotSql,
  parseSubstitutionTemplate,
  type SubstitutionTemplate,
} from './iot-sql.ts';

export interface RuleErrorReport {
  readonly ruleName: string;
  readonly topic: string;
  /** The message exactly as received. */
  readonly payloadBase64: string;
  readonly error: Error;
  readonly receivedAtMs: number;
  readonly clientId?: string;
}

/** Where a Kinesis action puts records (the emulator, or anything with the same shape). */
export type PutRecord = (streamName: string, partitionKey: string, data: Buffer) => unknown;

export interface RulesEngineOptions {
  readonly rules: readonly TopicRuleSpec[];
  readonly putRecord: PutRecord;
  /** Physical name of a topology stream (locally `<stage>-<logicalId>`). */
  readonly streamName: (stream: StreamName) => string;
  readonly onRuleError: (report: RuleErrorReport) => Promise<void> | void;
  readonly now?: () => number;
  readonly log?: (line: string) => void;
}

/** The slice of the aedes API the engine needs; a plain EventEmitter works in unit tests. */
export interface PublishSource {
  on(event: 'publish', listener: (packet: AedesPublishPacket, client: Client | null) => void): unknown;
  removeListener(event: 'publish', listener: (packet: AedesPublishPacket, client: Client | null) => void): unknown;
}

export interface IncomingMessage {
  readonly topic: string;
  readonly payload: Buffer;
  /** Absent when the message did not arrive over MQTT (data-plane publish): clientid() is then `n/a`. */
  readonly clientId?: string;
}

interface CompiledRule {
  readonly spec: TopicRuleSpec;
  readonly sql: ParsedIotSql;
  readonly partitionKey: SubstitutionTemplate;
}

export interface RulesEngineStats {
  readonly messages: number;
  readonly matched: number;
  readonly actions: number;
  readonly errors: number;
}

export class RulesEngine {
  private readonly rules: readonly CompiledRule[];
  private readonly now: () => number;
  private readonly pending = new Set<Promise<void>>();
  private counts = { messages: 0, matched: 0, actions: 0, errors: 0 };
  private source: PublishSource | undefined;

  constructor(private readonly options: RulesEngineOptions) {
    this.now = options.now ?? Date.now;
    this.rules = options.rules.map((spec) => {
      if (spec.sqlVersion !== '2016-03-23') throw new Error(`rule ${spec.ruleName}: only SQL version 2016-03-23 is emulated`);
      try {
        return { spec, sql: parseIotSql(spec.sql), partitionKey: parseSubstitutionTemplate(spec.action.partitionKeyTemplate) };
      } catch (error) {
        throw new Error(`rule ${spec.ruleName} cannot be emulated: ${(error as Error).message}`, { cause: error });
      }
    });
  }

  get stats(): RulesEngineStats {
    return { ...this.counts };
  }

  private readonly onPublish = (packet: AedesPublishPacket, client: Client | null): void => {
    // client === null: the broker's own publishes ($SYS heartbeats, data-plane shim, wills after restart). The shim
    // hands its messages over explicitly with handleMessage, so nothing is evaluated twice.
    if (client === null || packet.topic.startsWith('$SYS/')) return;
    const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload, 'utf8') : packet.payload;
    this.handleMessage({ topic: packet.topic, payload, clientId: client.id });
  };

  attach(source: PublishSource): void {
    this.detach();
    this.source = source;
    source.on('publish', this.onPublish);
  }

  detach(): void {
    this.source?.removeListener('publish', this.onPublish);
    this.source = undefined;
  }

  /** Runs every rule whose FROM filter matches the message. Actions start synchronously, in arrival order. */
  handleMessage(message: IncomingMessage): void {
    this.counts.messages++;
    const ctx: IotSqlContext = {
      topic: message.topic,
      payload: message.payload,
      timestampMs: this.now(),
      ...(message.clientId === undefined ? {} : { clientId: message.clientId }),
    };
    for (const rule of this.rules) {
      try {
        const output = evaluateIotSql(rule.sql, ctx);
        if (output === undefined) continue;
        this.counts.matched++;
        const partitionKey = rule.partitionKey.render(ctx);
        const result = this.options.putRecord(this.options.streamName(rule.spec.action.stream), partitionKey, Buffer.from(JSON.stringify(output)));
        this.counts.actions++;
        if (result instanceof Promise) this.track(result.then(() => undefined, (error: unknown) => this.fail(rule, ctx, error)));
      } catch (error) {
        this.fail(rule, ctx, error);
      }
    }
  }

  /** Resolves when no action or error-action call is outstanding. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  private fail(rule: CompiledRule, ctx: IotSqlContext, error: unknown): void {
    this.counts.errors++;
    const report: RuleErrorReport = {
      ruleName: rule.spec.ruleName,
      topic: ctx.topic,
      payloadBase64: ctx.payload.toString('base64'),
      error: error instanceof Error ? error : new Error(String(error)),
      receivedAtMs: ctx.timestampMs,
      ...(ctx.clientId === undefined ? {} : { clientId: ctx.clientId }),
    };
    this.options.log?.(`rule ${report.ruleName} failed on ${report.topic}: ${report.error.message}`);
    try {
      const result = this.options.onRuleError(report);
      if (result instanceof Promise) {
        this.track(result.catch((sinkError: unknown) => this.options.log?.(`error action of ${report.ruleName} failed: ${String(sinkError)}`)));
      }
    } catch (sinkError) {
      this.options.log?.(`error action of ${report.ruleName} failed: ${String(sinkError)}`);
    }
  }

  private track(promise: Promise<void>): void {
    this.pending.add(promise);
    void promise.finally(() => this.pending.delete(promise));
  }
}
