/**
 * The wire encoding of typed Python values (`docs/typed-values.md`, the
 * contract with `coderl_sandbox/typed.py`) as TypeScript types and a
 * recursive zod schema that validates a parsed JSON node against it.
 *
 * @module
 */
import { z } from 'zod';

/** An int on the wire: a JSON number when |x| <= 2^53-1, else a decimal string. */
export type WireInt = number | string;
/** A float on the wire: a JSON number or one of the non-finite spellings. */
export type WireFloat = number | 'nan' | 'inf' | '-inf';

interface WireClass {
  cls?: string;
}
interface WireTruncation {
  len?: number;
  truncated?: boolean;
}

export type WireSequenceTag = 'list' | 'tuple' | 'set' | 'frozenset';

/** One node of the wire encoding, discriminated on `t`. */
export type WireNode =
  | { t: 'none' }
  | { t: 'bool'; v: boolean }
  | ({ t: 'int'; v?: WireInt; bits?: number; truncated?: boolean } & WireClass)
  | ({ t: 'float'; v: WireFloat } & WireClass)
  | ({ t: 'complex'; re: WireFloat; im: WireFloat } & WireClass)
  | ({ t: 'str'; v: string } & WireClass & WireTruncation)
  | ({ t: 'bytes' | 'bytearray'; hex: string } & WireClass & WireTruncation)
  | ({ t: WireSequenceTag; items: WireNode[]; maxlen?: number | null } & WireClass & WireTruncation)
  | ({ t: 'dict'; items: Array<[WireNode, WireNode]>; factory?: string } & WireClass & WireTruncation)
  | ({ t: 'range'; start: WireInt; stop: WireInt; step: WireInt } & WireClass)
  | { t: 'object'; cls: string; repr: string }
  | { t: 'cycle'; of?: string }
  | { t: 'depth' };

const wireInt = z.union([
  z.number().refine(Number.isSafeInteger, {
    message: 'an int sent as a JSON number must be a safe integer (|x| <= 2^53-1); bigger ones are decimal strings',
  }),
  z.string().regex(/^-?[0-9]+$/, { message: 'an int sent as a string must be decimal digits with an optional -' }),
]);

const wireFloat = z.union([z.number(), z.enum(['nan', 'inf', '-inf'])], {
  message: "a float must be a finite JSON number or one of 'nan', 'inf', '-inf'",
});

const count = z.number().int().nonnegative();
const cls = z.string().optional();
const len = count.optional();
const truncated = z.boolean().optional();

/**
 * The recursive node schema. Declared first (through `z.lazy`) so the
 * container schemas below can refer to it.
 */
export const wireNodeSchema: z.ZodType<WireNode> = z.lazy(() =>
  z.discriminatedUnion('t', [
    noneSchema,
    boolSchema,
    intSchema,
    floatSchema,
    complexSchema,
    strSchema,
    bytesSchema,
    sequenceSchema,
    dictSchema,
    rangeSchema,
    objectSchema,
    cycleSchema,
    depthSchema,
  ]),
);

const noneSchema = z.object({ t: z.literal('none') });
const boolSchema = z.object({ t: z.literal('bool'), v: z.boolean() });
const intSchema = z
  .object({ t: z.literal('int'), v: wireInt.optional(), bits: count.optional(), truncated, cls })
  .refine((node) => node.v !== undefined || (node.bits !== undefined && node.truncated === true), {
    message: 'an int needs `v`, or `bits` with `truncated: true` when its digits were dropped',
    path: ['v'],
  });
const floatSchema = z.object({ t: z.literal('float'), v: wireFloat, cls });
const complexSchema = z.object({ t: z.literal('complex'), re: wireFloat, im: wireFloat, cls });
const strSchema = z.object({ t: z.literal('str'), v: z.string(), len, truncated, cls });
const bytesSchema = z.object({
  t: z.enum(['bytes', 'bytearray']),
  hex: z.string().regex(/^(?:[0-9a-fA-F]{2})*$/, { message: 'hex must be an even number of hex digits' }),
  len,
  truncated,
  cls,
});
const sequenceSchema = z.object({
  t: z.enum(['list', 'tuple', 'set', 'frozenset']),
  items: z.array(wireNodeSchema),
  maxlen: count.nullable().optional(),
  len,
  truncated,
  cls,
});
const dictSchema = z.object({
  t: z.literal('dict'),
  items: z.array(z.tuple([wireNodeSchema, wireNodeSchema])),
  factory: z.string().optional(),
  len,
  truncated,
  cls,
});
const rangeSchema = z
  .object({ t: z.literal('range'), start: wireInt, stop: wireInt, step: wireInt, cls })
  .refine((node) => BigInt(node.step) !== 0n, { message: 'range step must not be zero', path: ['step'] });
const objectSchema = z.object({ t: z.literal('object'), cls: z.string(), repr: z.string() });
const cycleSchema = z.object({ t: z.literal('cycle'), of: z.string().optional() });
const depthSchema = z.object({ t: z.literal('depth') });

/** The `{type, repr, value, truncated?, repr_truncated?}` wrapper of one captured variable. */
export const capturedVariableSchema = z.object({
  type: z.string(),
  repr: z.string(),
  value: wireNodeSchema,
  truncated: z.boolean().optional(),
  repr_truncated: z.boolean().optional(),
});
