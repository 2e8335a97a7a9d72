/**
 * ESA over HTTP, for trainers that run elsewhere (verl):
 *   POST /esa/extract  a step's rollouts → ESA tasks (synthesizeEsaTasks, the reference's
 *                      filters and order), added to a named buffer
 *   POST /esa/sample   k independent draws from a buffer by its strategy, gated by the
 *                      warm-up threshold when one is given (SPEC §7)
 *   GET  /esa/buffers/:name  size, high-water mark, counters
 * Buffers live in memory, one per name (a trainer uses its run's name), created on first
 * use with the service's capacity and strategy. With a buffers directory (`--buffers-dir`)
 * each buffer is saved after every addition (`<name>.jsonl` + `<name>.info.json`, written
 * atomically) and restored at start, so a restarted service continues a run's `recent`
 * draws and warm-up exactly (EsaBuffer.restore).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { CoderlError } from '../../core/index.js';
import { Rng } from '../../core/rng.js';
import { EsaBuffer, synthesizeEsaTasks, type SynthesisOptions } from '../../esa/index.js';
import { admit, parseWith, type ServiceContext } from '../context.js';

const BufferName = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'letters, digits, _ . : - (1-128)');

const RolloutSchema = z
  .object({
    data_source: z.string(),
    response: z.string(),
    reward: z.number(),
    reward_model: z.object({ ground_truth: z.unknown() }).passthrough(),
  })
  .passthrough();

export const ExtractRequestSchema = z
  .object({
    buffer: BufferName.default('default'),
    step: z.number().int().min(0),
    rollouts: z.array(RolloutSchema),
    template: z.enum(['reference', 'clean', 'compact']).optional(),
    variables: z.enum(['reference', 'paper']).optional(),
    max_variables: z.number().int().positive().optional(),
    min_complexity: z.number().int().optional(),
    max_complexity: z.number().int().optional(),
    max_prompt_tokens: z.number().int().positive().optional(),
    /** false: return the tasks without adding them to the buffer */
    add: z.boolean().default(true),
    /** false: answer with statistics only (large steps) */
    return_tasks: z.boolean().default(true),
  })
  .strict();

export const SampleRequestSchema = z
  .object({
    buffer: BufferName.default('default'),
    k: z.number().int().min(0).max(100_000),
    /** no tasks until the buffer has ever held this many (the reference's floor(B·r)) */
    warmup_threshold: z.number().int().min(0).optional(),
    seed: z.union([z.number(), z.string()]).optional(),
  })
  .strict();

function writeAtomic(file: string, data: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

function persist(ctx: ServiceContext, name: string, b: EsaBuffer): void {
  const dir = ctx.settings.buffer.dir;
  if (dir === undefined) return;
  mkdirSync(dir, { recursive: true });
  b.save(path.join(dir, `${name}.jsonl`));
  writeAtomic(path.join(dir, `${name}.info.json`), JSON.stringify(b.restoreInfo()) + '\n');
}

/** Buffers saved in the buffers directory, restored (called once at start). */
export function restoreBuffers(ctx: ServiceContext): string[] {
  const dir = ctx.settings.buffer.dir;
  if (dir === undefined || !existsSync(dir)) return [];
  const names: string[] = [];
  for (const f of readdirSync(dir)) {
    const m = /^(.+)\.info\.json$/.exec(f);
    if (!m || !BufferName.safeParse(m[1]).success || !existsSync(path.join(dir, `${m[1]}.jsonl`))) continue;
    const name = m[1] as string;
    const info = parseWith(z.object({ lastAddition: z.number().int().min(0), everHeld: z.number().int().min(0) }), JSON.parse(readFileSync(path.join(dir, f), 'utf8')), path.join(dir, f));
    const b = new EsaBuffer({ capacity: ctx.settings.buffer.capacity, strategy: ctx.settings.buffer.strategy });
    b.restore(path.join(dir, `${name}.jsonl`), info);
    ctx.buffers.set(name, b);
    names.push(name);
  }
  return names;
}

function bufferOf(ctx: ServiceContext, name: string, create: boolean): EsaBuffer | undefined {
  let b = ctx.buffers.get(name);
  if (!b && create) {
    if (ctx.buffers.size >= ctx.settings.buffer.maxBuffers) {
      throw new CoderlError('CRL_ERR_INPUT_INVALID', [`too many ESA buffers (${ctx.buffers.size}); the service keeps at most ${ctx.settings.buffer.maxBuffers}`]);
    }
    b = new EsaBuffer({ capacity: ctx.settings.buffer.capacity, strategy: ctx.settings.buffer.strategy });
    ctx.buffers.set(name, b);
  }
  return b;
}

function bufferState(name: string, b: EsaBuffer | undefined): Record<string, unknown> {
  return { name, size: b?.size ?? 0, ever_held: b?.maxSizeEver ?? 0, capacity: b?.capacity ?? null, strategy: b?.strategy ?? null };
}

export function registerEsa(app: FastifyInstance, ctx: ServiceContext): void {
  app.post('/esa/extract', async (req) => {
    const body = parseWith(ExtractRequestSchema, req.body, 'POST /esa/extract body');
    const ticket = admit(ctx, Math.max(1, body.rollouts.length), '/esa/extract');
    try {
      const opts: SynthesisOptions = {
        step: body.step,
        ...(body.template !== undefined ? { template: body.template } : {}),
        ...(body.variables !== undefined ? { variables: body.variables } : {}),
        ...(body.max_variables !== undefined ? { maxVariables: body.max_variables } : {}),
        ...(body.min_complexity !== undefined ? { minComplexity: body.min_complexity } : {}),
        ...(body.max_complexity !== undefined ? { maxComplexity: body.max_complexity } : {}),
        ...(body.max_prompt_tokens !== undefined ? { maxPromptTokens: body.max_prompt_tokens } : {}),
        ...(ctx.tokenCounter ? { tokenCounter: ctx.tokenCounter } : {}),
      };
      const result = await synthesizeEsaTasks(ctx.pool, body.rollouts, opts);
      const buffer = bufferOf(ctx, body.buffer, body.add);
      if (body.add && buffer) {
        buffer.add(result.tasks);
        if (result.tasks.length > 0) persist(ctx, body.buffer, buffer);
        ctx.metrics.esaTasks.inc({ buffer: body.buffer }, result.tasks.length);
      }
      return {
        step: body.step,
        added: body.add ? result.tasks.length : 0,
        stats: result.stats,
        decisions: result.traces.map((t) => t.decision),
        ...(body.return_tasks ? { tasks: result.tasks } : {}),
        buffer: bufferState(body.buffer, buffer),
        length_filter: ctx.tokenCounter ? 'tokenizer' : 'skipped (the service has no --tokenizer)',
      };
    } finally {
      ticket.release();
    }
  });

  app.post('/esa/sample', async (req) => {
    const body = parseWith(SampleRequestSchema, req.body, 'POST /esa/sample body');
    const buffer = bufferOf(ctx, body.buffer, false);
    const threshold = body.warmup_threshold ?? 0;
    const warmedUp = buffer !== undefined && buffer.size > 0 && buffer.maxSizeEver >= threshold;
    const rng = Rng.from(body.seed ?? randomUUID(), 'esa-sample');
    const tasks = warmedUp ? buffer.draw(body.k, rng) : [];
    return { tasks, warmed_up: warmedUp, buffer: bufferState(body.buffer, buffer) };
  });

  app.get('/esa/buffers/:name', async (req) => {
    const { name } = parseWith(z.object({ name: BufferName }), req.params, 'buffer name');
    const buffer = bufferOf(ctx, name, false);
    return { ...bufferState(name, buffer), stats: buffer?.stats() ?? null };
  });
}
