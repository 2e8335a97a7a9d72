/**
 * Wire formats of the ESA stage: rollout records in (one policy response with its
 * reward and problem), task records out. Task records are verl dataset rows
 * (`prompt` as chat messages, `data_source`, `reward_model.ground_truth` as a JSON
 * string), with the reference's `rollout_metadata`, so the same rows feed our trainer
 * and verl's RLHFDataset. Readers validate rows with the data layer's parseJsonlRecord, so
 * a bad row is a CRL_ERR_INPUT_INVALID naming file, line and field.
 */
import { z } from 'zod';

export const ESA_DATA_SOURCE = 'exec_semantics_align';
/** verl rows carry an `ability`; the reference's dataset gives served ESA tasks this one. */
export const ESA_ABILITY = 'rollout sample';

export const ChatMessageSchema = z.object({ role: z.string(), content: z.string() });

/** One line of `coderl esa extract --rollouts`. Extra fields (prompt, uid, ...) pass through. */
export const RolloutRecordSchema = z
  .object({
    data_source: z.string(),
    response: z.string(),
    reward: z.number(),
    // Any JSON: the reference only reads a str ground truth and skips anything else.
    reward_model: z
      .object({ ground_truth: z.unknown() })
      .passthrough()
      .refine((o) => 'ground_truth' in o, { message: 'missing "ground_truth"', path: ['ground_truth'] }),
    step: z.number().int().min(0),
  })
  .passthrough();
export type RolloutRecord = z.infer<typeof RolloutRecordSchema>;

export const RolloutMetadataSchema = z
  .object({
    original_step: z.number().int(),
    original_data_source: z.string(),
    test_result: z.boolean(),
    test_case_index: z.number().int(),
  })
  .passthrough();

/** An ESA task record: the reference's task_record (same keys, same order) plus `ability`,
 * which makes it a complete verl row (src/data VerlRowSchema) for parquet and verl. */
export const EsaTaskRecordSchema = z
  .object({
    prompt: z.array(ChatMessageSchema).min(1),
    reward_model: z.object({ ground_truth: z.string() }).passthrough(),
    data_source: z.string(),
    rollout_metadata: RolloutMetadataSchema,
    ability: z.string().optional(),
  })
  .passthrough();
export type EsaTaskRecord = z.infer<typeof EsaTaskRecordSchema>;
