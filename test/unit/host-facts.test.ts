import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseHostFacts } from '../../src/facts/host-facts.js';
import { findMismatch, readFixture } from '../support/fixtures.js';

const expectations = JSON.parse(readFixture('facts/expected.json')) as Record<string, unknown>;

describe('host facts from recorded outputs', () => {
  for (const [file, expected] of Object.entries(expectations)) {
    test(`parses ${file.replace(/\.txt$/, '')}`, () => {
      const facts = parseHostFacts(readFixture(`facts/${file}`));
      assert.equal(findMismatch(facts, expected), undefined);
    });
  }

  test('output without os-release is rejected', () => {
    assert.throws(() => parseHostFacts('sh: 1: syntax error\n'), /no os-release section/);
  });
});
