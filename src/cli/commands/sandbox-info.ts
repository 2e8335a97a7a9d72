/** `coderl sandbox-info`: which interpreter and isolation the sandbox would use, as JSON. */
import { Command } from 'commander';
import { SandboxPool } from '../../sandbox/index.js';
import { addSandboxOptions, SandboxCliOptionsSchema, sandboxOptionsFrom } from '../options.js';

export const sandboxInfoCommand = addSandboxOptions(
  new Command('sandbox-info').description('start the sandbox pool and print its interpreter and isolation as JSON'),
).action(async function (this: Command) {
  const pool = await SandboxPool.create(sandboxOptionsFrom(SandboxCliOptionsSchema.parse(this.opts())));
  try {
    const probe = await pool.run({ code: 'import sys; print(sys.version)' });
    process.stdout.write(JSON.stringify({ ...pool.info(), probe: probe.stdout.trim(), status: probe.status }, null, 2) + '\n');
  } finally {
    await pool.close();
  }
});
