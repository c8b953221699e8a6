/**
 * One dispatcher for both hosts: looks the call up in the contract, validates the input,
 * runs the handler, validates the output and wraps the result in the reply envelope.
 */
import { z } from 'zod';
import {
  calls,
  describeZodError,
  isCallName,
  StudioError,
  type CallName,
  type CallOutput,
  type Reply,
} from './contract';

export type Handlers = {
  [K in CallName]: (input: z.output<(typeof calls)[K]['input']>) => Promise<CallOutput<K>> | CallOutput<K>;
};

export async function dispatch(handlers: Handlers, name: unknown, input: unknown): Promise<Reply<unknown>> {
  if (!isCallName(name)) {
    return { ok: false, error: { code: 'unknown_call', message: `There is no call named ${JSON.stringify(name)}.` } };
  }
  const spec = calls[name];
  const parsed = spec.input.safeParse(input ?? {});
  if (!parsed.success) {
    return { ok: false, error: { code: 'invalid_input', message: `${name}: ${describeZodError(parsed.error)}` } };
  }
  try {
    const handler = handlers[name] as (input: unknown) => unknown;
    const value = await handler(parsed.data);
    // Outputs are validated too: a service that breaks the contract is a bug we want to see at once.
    const out = spec.output.safeParse(value);
    if (!out.success) {
      return { ok: false, error: { code: 'internal', message: `${name} returned a malformed reply: ${describeZodError(out.error)}` } };
    }
    return { ok: true, value: out.data };
  } catch (err) {
    if (err instanceof StudioError) return { ok: false, error: { code: err.code, message: err.message } };
    const message = err instanceof Error ? err.message : String(err);
    console.error(`[studio] ${name} failed:`, err);
    return { ok: false, error: { code: 'internal', message } };
  }
}
