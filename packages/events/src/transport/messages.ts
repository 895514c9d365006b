/**
 * The shapes of what goes through the transport seam: records sent, answers of the brokers, records
 * received. The seam's own types, so no caller needs the Kafka client's.
 */

/** Header values as written (strings or bytes) or received (bytes; an array for a repeated name). */
export type MessageHeaders = Record<string, Buffer | string | Array<Buffer | string> | undefined>;

export interface OutgoingMessage {
  key?: Buffer | string | null;
  value: Buffer | string | null;
  headers?: MessageHeaders;
  /** Chosen by the client's partitioner (murmur2 of the key) when absent. */
  partition?: number;
  timestamp?: string;
}

export interface PublishRecord {
  topic: string;
  messages: OutgoingMessage[];
  /** -1 (every in-sync replica, the default), 1 or 0. */
  acks?: number;
  timeout?: number;
}

/** The brokers' answer for one partition of a send. */
export interface PublishAnswer {
  topicName: string;
  partition: number;
  errorCode: number;
  offset?: string;
  baseOffset?: string;
  timestamp?: string;
  logAppendTime?: string;
  logStartOffset?: string;
}

export interface ReceivedMessage {
  key: Buffer | null;
  value: Buffer | null;
  headers?: MessageHeaders;
  offset: string;
  /** Milliseconds since the epoch, as a string. */
  timestamp: string;
}
