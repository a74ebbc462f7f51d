import assert from 'node:assert/strict';
import { test } from 'node:test';
import { commands } from '../../src/cli/commands/index.js';
import { COMMAND_LOADERS, loadCommands } from '../../src/cli/commands/registry.js';

test('the lazy command registry lists the same commands, in the same order, as the static list', async () => {
  const lazy = await Promise.all(COMMAND_LOADERS.map(([, load]) => load()));
  assert.deepEqual(lazy, commands);
  assert.deepEqual(COMMAND_LOADERS.map(([name]) => name), commands.map((c) => String(c.command).split(' ')[0]));
});

test('a named command loads only its own module; anything else loads all', async () => {
  assert.deepEqual(await loadCommands(['serve', 'model.onnx']), commands.filter((c) => String(c.command).startsWith('serve ')));
  assert.equal((await loadCommands(['--help'])).length, commands.length);
  assert.equal((await loadCommands(['srve'])).length, commands.length);
});
